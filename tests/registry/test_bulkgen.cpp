// The generated reference registry (modelctl demo --scale): content, consistency of the replayed
// history, determinism, the guards restored afterwards, and refusals that change nothing. Both dialects.

#include "registry/audit.h"
#include "registry/bulkgen.h"
#include "registry/gates.h"
#include "registry/search.h"
#include "testdb.h"

#include <QFileInfo>
#include <QUrl>

#include <QCryptographicHash>

#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

using namespace md;
using namespace md::test;

namespace {

BulkSpec smallSpec()
{
    BulkSpec spec;
    spec.models = 24; // more than the 20 teams: two models share a team
    spec.versionsPerModel = 40;
    spec.metricsPerVersion = 12;
    spec.paramsPerVersion = 5;
    spec.factsPerVersion = 10;
    spec.seed = 7;
    return spec;
}

// What must be the same when the same spec is generated twice (or on the other dialect).
struct Fingerprint
{
    QString lastAuditHash;
    qint64 metricCount = 0;
    double metricSum = 0;
    QString paramsAndFacts;
    QString stages;
};

Fingerprint fingerprint(Database &db)
{
    Fingerprint f;
    // The generated history's entries, without the chain links: on PostgreSQL the log starts with the
    // database's own entries of the migrations, which carry the time the test ran.
    QCryptographicHash entries(QCryptographicHash::Sha256);
    auto a = db.exec(QStringLiteral("SELECT at, actor, action, object_type, object_key, details FROM audit_log WHERE "
                                    "object_type NOT IN ('schema', 'registry', 'namespace') ORDER BY id"));
    while (a->next())
        for (int i = 0; i < 6; ++i)
            entries.addData((a->value(i).toString() + QChar(0x1f)).toUtf8());
    f.lastAuditHash = QString::fromLatin1(entries.result().toHex());
    f.metricCount = db.scalar(QStringLiteral("SELECT count(*) FROM metrics"))->toLongLong();
    f.metricSum = db.scalar(QStringLiteral("SELECT sum(value) FROM metrics"))->toDouble();
    auto q = db.exec(QStringLiteral("SELECT p.name, p.value FROM params p JOIN model_versions v ON v.id = p.version_id "
                                    "WHERE v.version = 7 ORDER BY v.model_id, p.name"));
    while (q->next())
        f.paramsAndFacts += q->value(0).toString() + QLatin1Char('=') + q->value(1).toString() + QLatin1Char(';');
    q = db.exec(QStringLiteral("SELECT f.name, f.value FROM facts f JOIN model_versions v ON v.id = f.version_id "
                               "WHERE v.version = 9 ORDER BY v.model_id, f.category, f.name"));
    while (q->next())
        f.paramsAndFacts += q->value(0).toString() + QLatin1Char('=') + q->value(1).toString() + QLatin1Char(';');
    q = db.exec(QStringLiteral("SELECT stage FROM model_versions ORDER BY model_id, version"));
    while (q->next())
        f.stages += q->value(0).toString().left(1);
    return f;
}

} // namespace

class Generated : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        if (HasFatalFailure() || IsSkipped())
            return;
        QList<int> seen;
        auto r = generateBulkRegistry(*registry, smallSpec(), [&](int percent, const QString &) { seen << percent; });
        ASSERT_TRUE(r) << r.error().message.toStdString();
        summary = *r;
        progress = seen;
    }

    qint64 count(const QString &sql) { return RegistryInternals::database(*registry).scalar(sql)->toLongLong(); }

    BulkSummary summary;
    QList<int> progress;
};
MD_INSTANTIATE_BOTH(Generated);

TEST_P(Generated, HoldsTheSpecifiedContent)
{
    const BulkSpec spec = smallSpec();
    EXPECT_EQ(summary.models, 24);
    EXPECT_EQ(summary.versions, 24 * 40);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM registered_models")), 24);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM model_versions")), 960);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM metrics")), 960 * spec.metricsPerVersion);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM params")), 960 * spec.paramsPerVersion);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM facts")), 960 * spec.factsPerVersion);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM version_tags WHERE key = 'team'")), 960);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM namespaces")), 20);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM model_versions WHERE sealed = 0")), 0);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM lineage_nodes")), summary.lineageNodes);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM lineage_edges")), summary.lineageEdges);
    // Every version is a lineage node with its pipeline version, its day's labels and its commit as inputs.
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM lineage_nodes WHERE kind = 'model_version'")), 960);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM lineage_nodes n WHERE n.kind = 'model_version' AND "
                                   "(SELECT count(*) FROM lineage_edges e JOIN lineage_nodes s ON s.id = e.src_id "
                                   "WHERE e.dst_id = n.id AND s.kind IN ('feature_pipeline_version', "
                                   "'dataset_version', 'code_commit')) = 3")),
              960);
    EXPECT_EQ(RegistryInternals::database(*registry)
                  .scalar(QStringLiteral("SELECT value FROM registry_info WHERE key = 'generated'"))
                  ->toString(),
              describeBulkSpec(spec));
    // Progress went from 0 to 100 and never backwards.
    ASSERT_FALSE(progress.isEmpty());
    EXPECT_EQ(progress.first(), 0);
    EXPECT_EQ(progress.last(), 100);
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
}

TEST_P(Generated, MetricValuesAreTheDocumentedFormula)
{
    const BulkSpec spec = smallSpec();
    auto q = RegistryInternals::database(*registry).exec(QStringLiteral(
        "SELECT x.version_id, v.version, x.name, x.value FROM metrics x JOIN model_versions v ON v.id = x.version_id "
        "WHERE v.model_id IN (SELECT min(id) FROM registered_models) ORDER BY x.version_id, x.name"));
    ASSERT_TRUE(q);
    int checked = 0;
    while (q->next()) {
        int k = 0;
        while (k < spec.metricsPerVersion && bulkMetricName(k) != q->value(2).toString())
            ++k;
        ASSERT_LT(k, spec.metricsPerVersion) << q->value(2).toString().toStdString();
        EXPECT_NEAR(q->value(3).toDouble(), bulkMetricValue(spec, q->value(0).toLongLong(), q->value(1).toInt(), k),
                    1e-12);
        ++checked;
    }
    EXPECT_EQ(checked, 40 * spec.metricsPerVersion);
    // auc improves over the versions: the last ten beat the first ten on average.
    const double early = RegistryInternals::database(*registry)
                             .scalar(QStringLiteral("SELECT avg(x.value) FROM metrics x JOIN model_versions v ON "
                                                    "v.id = x.version_id WHERE x.name = 'auc' AND v.version <= 10"))
                             ->toDouble();
    const double late = RegistryInternals::database(*registry)
                            .scalar(QStringLiteral("SELECT avg(x.value) FROM metrics x JOIN model_versions v ON "
                                                   "v.id = x.version_id WHERE x.name = 'auc' AND v.version > 30"))
                            ->toDouble();
    EXPECT_GT(late, early + 0.1);
}

TEST_P(Generated, HistoryIsConsistentAndTheAuditChainVerifies)
{
    Database &db = RegistryInternals::database(*registry);
    auto verified = verifyAuditChain(db);
    ASSERT_TRUE(verified);
    EXPECT_TRUE(verified->intact) << verified->problem.toStdString();
    // On PostgreSQL the log starts with the database's own entries of the migrations (kModelAuditEntries).
    const int meta = count(QStringLiteral("SELECT count(*) FROM audit_log WHERE object_type IN ('schema', 'registry', "
                                          "'namespace')"));
    EXPECT_EQ(verified->entriesChecked, summary.auditEntries + meta);
    // Each model has at most one Production version, and every version's stage is where its last
    // recorded transition took it.
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM (SELECT model_id FROM model_versions WHERE stage = "
                                   "'Production' GROUP BY model_id HAVING count(*) > 1) x")),
              0);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM model_versions v WHERE v.stage <> (SELECT t.to_stage FROM "
                                   "stage_transitions t WHERE t.version_id = v.id ORDER BY t.id DESC LIMIT 1)")),
              0);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM stage_transitions WHERE kind = 'register'")), 960);
    // Every promotion to Production carries its approved request, decided by someone else.
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM stage_transitions t WHERE t.to_stage = 'Production' AND "
                                   "t.kind = 'promote' AND NOT EXISTS (SELECT 1 FROM approval_requests r JOIN "
                                   "approval_decisions d ON d.request_id = r.id WHERE r.id = t.approval_id AND "
                                   "r.status = 'promoted' AND d.decision = 'approve' AND d.actor <> r.requested_by)")),
              0);
    EXPECT_GT(count(QStringLiteral("SELECT count(*) FROM stage_transitions WHERE kind = 'rollback'")), 0);
    EXPECT_GT(count(QStringLiteral("SELECT count(*) FROM approval_requests WHERE status = 'rejected'")), 0);
    EXPECT_GT(count(QStringLiteral("SELECT count(*) FROM model_versions WHERE rollback_excluded = 1")), 0);
    // Pending requests are left for the approval queue.
    auto pending = registry->requests(true);
    ASSERT_TRUE(pending) << pending.error().message.toStdString();
    EXPECT_EQ(pending->size(), 6); // models 0, 4, 8, ... 20
    for (const ApprovalRequest &r : *pending) {
        auto report = gateReportFromJson(QJsonDocument::fromJson(r.gateReport.toUtf8()).object());
        ASSERT_TRUE(report) << r.gateReport.toStdString();
        EXPECT_EQ(report->results.size(), 2);
        EXPECT_EQ(report->passed, r.gatesPassed);
    }
    // The production timeline of a model reads back through the product.
    auto periods = registry->productionHistory(QStringLiteral("ads/model-0001"));
    ASSERT_TRUE(periods) << periods.error().message.toStdString();
    EXPECT_GE(periods->size(), 3);
    // Timestamps in the generated history only move forward.
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM audit_log a JOIN audit_log b ON b.id = a.id + 1 WHERE b.at < "
                                   "a.at AND a.object_type NOT IN ('schema', 'registry', 'namespace')")),
              0);
}

// The generation's write-ahead log is in the database file when it returns (a large WAL is not left behind).
TEST_P(Generated, LeavesNoWriteAheadLogBehind)
{
    if (GetParam() != Backend::Sqlite)
        return; // PostgreSQL's WAL is the server's
    const QString wal = QUrl(db->url()).toLocalFile() + QStringLiteral("-wal");
    const QString path = QFileInfo::exists(wal) ? wal : db->url() + QStringLiteral("-wal");
    EXPECT_EQ(QFileInfo(path).size(), 0) << path.toStdString();
    EXPECT_GT(summary.versions, 0);
}

TEST_P(Generated, GuardsAreBackAfterGeneration)
{
    // The triggers lifted while generating are in force again, and the indexes are back.
    EXPECT_NE(db->rawExec(QStringLiteral("UPDATE model_versions SET stage = 'Production' WHERE stage = 'None'")),
              QString());
    EXPECT_NE(db->rawExec(QStringLiteral("UPDATE metrics SET value = 0.5")), QString());
    EXPECT_NE(db->rawExec(QStringLiteral("DELETE FROM audit_log")), QString());
    const QString indexes =
        GetParam() == Backend::Sqlite
            ? QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'metrics_by_value'")
            : QStringLiteral("SELECT count(*) FROM pg_indexes WHERE indexname = 'metrics_by_value'");
    EXPECT_EQ(count(indexes), 1);
    // And the product keeps working on top: a new registration takes the next number.
    VersionSpec s = sampleSpec(QStringLiteral("payments/model-0000"));
    auto r = registry->registerVersion(s);
    ASSERT_TRUE(r) << r.error().message.toStdString();
    EXPECT_EQ(r->version, 41);
    auto audit = verifyAuditChain(RegistryInternals::database(*registry));
    ASSERT_TRUE(audit);
    EXPECT_TRUE(audit->intact);
}

TEST_P(Generated, SearchAndImpactWorkOnIt)
{
    auto found = registry->search(QStringLiteral("metrics.auc > 0.85 AND tags.team = 'payments'"), 10000);
    ASSERT_TRUE(found) << found.error().message.toStdString();
    const qint64 expected =
        count(QStringLiteral("SELECT count(*) FROM metrics x JOIN version_tags t ON t.version_id = x.version_id WHERE "
                             "x.name = 'auc' AND x.value > 0.85 AND t.key = 'team' AND t.value = 'payments'"));
    EXPECT_GT(expected, 0);
    EXPECT_EQ(found->hits.size(), expected);
    auto node = registry->lineageNode(QStringLiteral("pipeline:payments-features@2.0"));
    ASSERT_TRUE(node) << node.error().message.toStdString();
    auto impact = registry->impact(node->id);
    ASSERT_TRUE(impact) << impact.error().message.toStdString();
    // payments/model-0000 uses payments-features; its versions 1-4 were trained on 2.0.
    QStringList versions;
    for (const LineageNode &n : impact->versions)
        versions << n.spec();
    EXPECT_TRUE(versions.contains(QStringLiteral("model:payments/model-0000@1")))
        << versions.join(QLatin1Char(' ')).toStdString();
    EXPECT_EQ(versions.size(), 4);
}

class GeneratedOnce : public BothDialects
{
};
MD_INSTANTIATE_BOTH(GeneratedOnce);

TEST_P(GeneratedOnce, SameSeedSameRegistryOnBothDialects)
{
    ASSERT_TRUE(generateBulkRegistry(*registry, smallSpec()));
    const Fingerprint here = fingerprint(RegistryInternals::database(*registry));
    // A second registry from the same spec, on SQLite: the same history, chain and values.
    TestDatabase other(Backend::Sqlite);
    auto second = other.open();
    ASSERT_TRUE(second);
    ASSERT_TRUE(generateBulkRegistry(*second, smallSpec()));
    const Fingerprint there = fingerprint(RegistryInternals::database(*second));
    EXPECT_EQ(here.lastAuditHash, there.lastAuditHash);
    EXPECT_EQ(here.metricCount, there.metricCount);
    EXPECT_NEAR(here.metricSum, there.metricSum, 1e-6);
    EXPECT_EQ(here.paramsAndFacts, there.paramsAndFacts);
    EXPECT_EQ(here.stages, there.stages);
    // A different seed gives a different registry.
    TestDatabase third(Backend::Sqlite);
    auto differentSeed = third.open();
    BulkSpec spec = smallSpec();
    spec.seed = 8;
    ASSERT_TRUE(generateBulkRegistry(*differentSeed, spec));
    const Fingerprint elsewhere = fingerprint(RegistryInternals::database(*differentSeed));
    EXPECT_NE(elsewhere.lastAuditHash, here.lastAuditHash);
    EXPECT_GT(std::abs(elsewhere.metricSum - here.metricSum), 1e-3);
}

TEST_P(GeneratedOnce, RefusesANonEmptyRegistryAndBadSpecsChangingNothing)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/existing"))));
    const qint64 audit =
        RegistryInternals::database(*registry).scalar(QStringLiteral("SELECT count(*) FROM audit_log"))->toLongLong();
    auto r = generateBulkRegistry(*registry, smallSpec());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Conflict);
    EXPECT_NE(r.error().message.indexOf(QStringLiteral("empty registry")), -1) << r.error().message.toStdString();
    EXPECT_EQ(RegistryInternals::database(*registry)
                  .scalar(QStringLiteral("SELECT count(*) FROM model_versions"))
                  ->toLongLong(),
              1);
    EXPECT_EQ(
        RegistryInternals::database(*registry).scalar(QStringLiteral("SELECT count(*) FROM audit_log"))->toLongLong(),
        audit);

    TestDatabase empty(GetParam());
    auto fresh = empty.open();
    ASSERT_TRUE(fresh);
    const QString limits = QStringLiteral("A generated registry has 1-100,000 models, 1-10,000 versions each");
    const QList<std::pair<void (*)(BulkSpec &), QString>> cases = {
        {+[](BulkSpec &s) { s.models = 0; }, limits},
        {+[](BulkSpec &s) { s.versionsPerModel = 20000; }, limits},
        {+[](BulkSpec &s) { s.metricsPerVersion = 0; }, limits},
        {+[](BulkSpec &s) { s.paramsPerVersion = -1; }, limits},
        {+[](BulkSpec &s) {
             s.models = 5000;
             s.versionsPerModel = 5000;
         },
         QStringLiteral("the history is planned in memory")}};
    for (const auto &[change, reason] : cases) {
        BulkSpec spec = smallSpec();
        change(spec);
        EXPECT_TRUE(refusedAs(generateBulkRegistry(*fresh, spec), Error::Kind::Invalid, reason));
    }
    EXPECT_EQ(RegistryInternals::database(*fresh)
                  .scalar(QStringLiteral("SELECT count(*) FROM registered_models"))
                  ->toLongLong(),
              0);
}

// PostgreSQL only: SQLite has no database users (whoever can write the file can generate).
TEST(GeneratedOnPostgresql, APlainScientistIsToldWhoCanGenerateAndNothingChanges)
{
    TestDatabase db(Backend::Postgres);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    auto owner = db.open();
    ASSERT_TRUE(owner);
    auto scientist = db.openAs(QStringLiteral("md_gen_scientist"), QStringLiteral("scientist"));
    ASSERT_TRUE(scientist);
    auto r = generateBulkRegistry(*scientist, smallSpec());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Permission);
    EXPECT_NE(r.error().message.indexOf(QStringLiteral("superuser or the owner")), -1)
        << r.error().message.toStdString();
    EXPECT_EQ(
        RegistryInternals::database(*owner).scalar(QStringLiteral("SELECT count(*) FROM model_versions"))->toLongLong(),
        0);
    // The triggers were not left disabled by the failed attempt.
    EXPECT_EQ(RegistryInternals::database(*owner)
                  .scalar(QStringLiteral("SELECT count(*) FROM pg_trigger WHERE tgname = "
                                         "'model_versions_insert_as_none' AND tgenabled = 'O'"))
                  ->toLongLong(),
              1);
}

TEST_P(GeneratedOnce, ModelctlDemoScaleReportsWhatItWrote)
{
    QString out;
    QString err;
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("--json"), QStringLiteral("demo"),
                           QStringLiteral("--scale"), QStringLiteral("custom"), QStringLiteral("--models"),
                           QStringLiteral("3"), QStringLiteral("--versions"), QStringLiteral("12"),
                           QStringLiteral("--seed"), QStringLiteral("5")},
                          &out, &err),
              0)
        << err.toStdString();
    const QJsonObject json = QJsonDocument::fromJson(out.toUtf8()).object();
    EXPECT_EQ(json.value(QStringLiteral("versions")).toInt(), 36);
    EXPECT_EQ(json.value(QStringLiteral("metric_rows")).toInt(), 36 * 20);
    EXPECT_EQ(json.value(QStringLiteral("spec")).toString(),
              QStringLiteral("models=3 versions=12 metrics=20 params=15 facts=10 seed=5"));
    EXPECT_GT(json.value(QStringLiteral("audit_entries")).toInt(), 36);
    EXPECT_EQ(RegistryInternals::database(*registry)
                  .scalar(QStringLiteral("SELECT count(*) FROM model_versions"))
                  ->toLongLong(),
              36);

    // Without --json a progress report goes to stderr and a summary to stdout.
    TestDatabase other(Backend::Sqlite);
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), other.url(), QStringLiteral("demo"), QStringLiteral("--scale"),
                           QStringLiteral("custom"), QStringLiteral("--models"), QStringLiteral("2"),
                           QStringLiteral("--versions"), QStringLiteral("3")},
                          &out, &err),
              0);
    EXPECT_NE(err.indexOf(QStringLiteral("100% done")), -1) << err.toStdString();
    EXPECT_NE(out.indexOf(QStringLiteral("6 versions")), -1) << out.toStdString();

    // A second run refuses (the registry is not empty) and a bad scale is a usage error.
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("demo"), QStringLiteral("--scale"),
                           QStringLiteral("large")},
                          &out, &err),
              4);
    EXPECT_NE(err.indexOf(QStringLiteral("empty registry")), -1) << err.toStdString();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), other.url(), QStringLiteral("demo"), QStringLiteral("--scale"),
                           QStringLiteral("huge")},
                          &out, &err),
              2);
    EXPECT_NE(err.indexOf(QStringLiteral("demo, medium, large or custom")), -1) << err.toStdString();
}
