// Backup, restore and migrate (models/registry/transfer.h): whole registries copied between files and dialects with
// their ids, history and audit chain, and every way a copy can go wrong refused with nothing written.

#include "testdb.h"

#include "registry/audit.h"
#include "registry/bulkgen.h"
#include "registry/demo.h"
#include "registry/feed.h"
#include "registry/serialize.h"
#include "registry/transfer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlQuery>

namespace md::test {
namespace {

const QByteArray kSecret = QByteArray("0123456789abcdef0123456789abcdef");

// Everything a user can see of a registry, as text: equal means the copy shows the same registry.
QString summary(Registry &r)
{
    QJsonArray models;
    auto list = r.models();
    if (!list)
        return QStringLiteral("<error: %1>").arg(list.error().message);
    for (const RegisteredModel &m : *list) {
        QJsonObject model = toJson(m);
        auto versions = r.versions(m.name);
        QList<int> numbers;
        for (const ModelVersion &v : *versions)
            numbers << v.version;
        auto full = r.versions(m.name, numbers);
        QJsonArray vs;
        for (const ModelVersion &v : *full) {
            QJsonObject o = toJson(v, true);
            o.insert(QStringLiteral("id"), v.id);
            vs << o;
        }
        model.insert(QStringLiteral("versions"), vs);
        const auto aliases = r.aliases(m.name);
        model.insert(QStringLiteral("aliases"), aliases ? aliasesJson(*aliases) : QJsonArray());
        QJsonArray history;
        const auto periods = r.productionHistory(m.name);
        for (const ProductionPeriod &p : periods ? *periods : QList<ProductionPeriod>())
            history << toJson(p);
        model.insert(QStringLiteral("production_history"), history);
        models << model;
    }
    QJsonArray requests;
    const auto requestList = r.requests(false);
    for (const ApprovalRequest &q : requestList ? *requestList : QList<ApprovalRequest>())
        requests << toJson(q);
    QJsonArray deployments;
    const auto deploymentList = r.deployments();
    for (const Deployment &d : deploymentList ? *deploymentList : QList<Deployment>())
        deployments << toJson(d);
    QJsonArray hooks;
    const auto hookList = r.webhooks();
    for (const Webhook &w : hookList ? *hookList : QList<Webhook>())
        hooks << QJsonObject{{QStringLiteral("url"), w.url},
                             {QStringLiteral("secret"), QString::fromLatin1(r.webhookSecret(w.id)->toHex())}};
    auto head = r.auditCheckpoint();
    auto last = r.lastEventId();
    return QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("models"), models},
                                                       {QStringLiteral("requests"), requests},
                                                       {QStringLiteral("deployments"), deployments},
                                                       {QStringLiteral("webhooks"), hooks},
                                                       {QStringLiteral("audit"), head->token()},
                                                       {QStringLiteral("last_event"), *last}})
                                 .toJson(QJsonDocument::Indented));
}

// The demo registry, a webhook with its secret, and metrics whose text differs between the dialects (SQLite prints 15
// significant digits, PostgreSQL the shortest exact text).
void fillRich(Registry &r)
{
    ASSERT_TRUE(fillDemoRegistry(r, 3));
    VersionSpec spec = sampleSpec(QStringLiteral("precise/model"));
    spec.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.12345678901234568},
                    Metric{QStringLiteral("loss"), QStringLiteral("test"), {}, 1.0 / 3.0},
                    Metric{QStringLiteral("big"), QStringLiteral("test"), {}, 1.5e20},
                    Metric{QStringLiteral("tiny"), QStringLiteral("test"), {}, 2.5e-7}};
    ASSERT_TRUE(r.registerVersion(spec));
    auto hook =
        r.addWebhook(WebhookSpec{QStringLiteral("http://127.0.0.1:9/hook"), {QStringLiteral("*")}, {}, kSecret});
    ASSERT_TRUE(hook) << hook.error().message.toStdString();
}

struct Pair
{
    Backend from;
    Backend to;
};

std::string pairName(const ::testing::TestParamInfo<Pair> &info)
{
    auto name = [](Backend b) { return b == Backend::Sqlite ? std::string("SQLite") : std::string("PostgreSQL"); };
    return name(info.param.from) + "To" + name(info.param.to);
}

class Transfer : public ::testing::TestWithParam<Pair>
{
};

TEST_P(Transfer, BackupRestoresTheSameRegistryWithItsChainAndKeepsWorking)
{
    TestDatabase source(GetParam().from);
    TestDatabase target(GetParam().to);
    ASSERT_TRUE(source.ready() && target.ready()) << source.error().toStdString() << target.error().toStdString();
    auto src = source.open();
    ASSERT_TRUE(src);
    fillRich(*src);
    if (HasFailure())
        return;
    const QString before = summary(*src);
    const QString file = source.tempPath(QStringLiteral("registry.backup"));
    auto backup = backupRegistry(*src, file);
    ASSERT_TRUE(backup) << backup.error().message.toStdString();
    EXPECT_EQ(backup->format,
              GetParam().from == Backend::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("modeldesk-backup 1"));
    EXPECT_GT(backup->versions, 300);
    EXPECT_EQ(QFile(file).permissions() & (QFile::ReadGroup | QFile::ReadOther), QFile::Permissions());
    // Changes after the backup are not in it.
    ASSERT_TRUE(src->registerVersion(sampleSpec(QStringLiteral("after/backup"))));

    auto restored = restoreRegistry(file, target.url());
    ASSERT_TRUE(restored) << restored.error().message.toStdString();
    EXPECT_TRUE(restored->audit.intact) << restored->audit.problem.toStdString();
    EXPECT_EQ(restored->versions, backup->versions);
    auto copy = Registry::open(target.url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(copy) << copy.error().message.toStdString();
    EXPECT_EQ(summary(**copy), before);
    auto verified = (*copy)->verifyAudit();
    ASSERT_TRUE(verified);
    EXPECT_TRUE(verified->intact) << verified->problem.toStdString();
    EXPECT_EQ(verified->head.token(), backup->audit.head.token());
    EXPECT_EQ((*copy)->guardsProblem(), QString());

    // The copy is a working registry: new rows get new ids, the lifecycle and the chain go on.
    VersionSpec next = sampleSpec(QStringLiteral("precise/model"));
    next.facts = {Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("0123abc")},
                  Fact{QStringLiteral("data"), QStringLiteral("dataset_version"), QStringLiteral("2026-11")}};
    auto added = (*copy)->registerVersion(next);
    ASSERT_TRUE(added) << added.error().message.toStdString();
    EXPECT_EQ(added->version, 2);
    auto promoted =
        (*copy)->promote(QStringLiteral("precise/model"), 2, Stage::Staging, QStringLiteral("after restore"));
    ASSERT_TRUE(promoted) << promoted.error().message.toStdString();
    auto again = (*copy)->verifyAudit();
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->intact) << again->problem.toStdString();
    EXPECT_EQ(again->entriesChecked, verified->entriesChecked + 2);
}

TEST_P(Transfer, MigrateCopiesEveryRowWithItsIdAndTheChain)
{
    TestDatabase source(GetParam().from);
    TestDatabase target(GetParam().to);
    ASSERT_TRUE(source.ready() && target.ready());
    {
        auto src = source.open();
        ASSERT_TRUE(src);
        fillRich(*src);
    }
    if (HasFailure())
        return;
    QString out, err;
    ASSERT_EQ(runModelctl({QStringLiteral("migrate"), QStringLiteral("--from"), source.url(), QStringLiteral("--to"),
                           target.url(), QStringLiteral("--json")},
                          &out, &err),
              0)
        << err.toStdString();
    const QJsonObject report = QJsonDocument::fromJson(out.toUtf8()).object();
    EXPECT_TRUE(report.value(QStringLiteral("audit")).toObject().value(QStringLiteral("intact")).toBool());
    // Per table, the same rows (registry_info: the target keeps its own record of its guards).
    for (const QString &table : transferTables()) {
        const QString sql = table == QLatin1String("registry_info")
                                ? QStringLiteral("SELECT count(*) FROM registry_info WHERE key <> 'guards'")
                                : QStringLiteral("SELECT count(*) FROM %1").arg(table);
        EXPECT_EQ(target.rawScalar(sql).toLongLong(), source.rawScalar(sql).toLongLong()) << table.toStdString();
        EXPECT_EQ(report.value(QStringLiteral("rows")).toObject().value(table).toInteger(),
                  source.rawScalar(sql).toLongLong())
            << table.toStdString();
    }
    // Ids and timestamps as they were.
    const QString versions = QStringLiteral("SELECT id, model_id, version, created_at, created_by, stage FROM "
                                            "model_versions ORDER BY id");
    EXPECT_EQ(target.rawRows(versions), source.rawRows(versions));
    EXPECT_EQ(target.rawRows(QStringLiteral("SELECT id, at, actor, action, hash FROM audit_log ORDER BY id")),
              source.rawRows(QStringLiteral("SELECT id, at, actor, action, hash FROM audit_log ORDER BY id")));
    ASSERT_EQ(
        runModelctl({QStringLiteral("--registry"), target.url(), QStringLiteral("audit"), QStringLiteral("verify")},
                    &out, &err),
        0)
        << out.toStdString() << err.toStdString();
    EXPECT_TRUE(out.contains(QStringLiteral("intact"))) << out.toStdString();
}

INSTANTIATE_TEST_SUITE_P(Dialects, Transfer,
                         ::testing::Values(Pair{Backend::Sqlite, Backend::Sqlite},
                                           Pair{Backend::Sqlite, Backend::Postgres},
                                           Pair{Backend::Postgres, Backend::Sqlite},
                                           Pair{Backend::Postgres, Backend::Postgres}),
                         pairName);

// The refusals, each on both target dialects: what is refused writes nothing.
class TransferRefusals : public BothDialects
{
protected:
    // A PostgreSQL registry's backup (the logical format) of a small registry, as lines.
    QStringList logicalBackup()
    {
        TestDatabase pg(Backend::Postgres);
        auto r = pg.open();
        if (!r)
            return {};
        for (int i = 0; i < 3; ++i)
            if (!r->registerVersion(sampleSpec(QStringLiteral("team/m%1").arg(i))))
                return {};
        const QString file = db->tempPath(QStringLiteral("source.jsonl"));
        QFile::remove(file);
        if (!backupRegistry(*r, file))
            return {};
        QFile f(file);
        f.open(QIODevice::ReadOnly);
        return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

    QString write(const QString &name, const QStringList &lines)
    {
        const QString path = db->tempPath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(lines.join(QLatin1Char('\n')).toUtf8() + (lines.isEmpty() ? "" : "\n"));
        return path;
    }

    // The target after a refused restore: as empty as before (and a new SQLite file not left behind).
    void expectNothingRestored(TestDatabase &target)
    {
        if (GetParam() == Backend::Sqlite && !QFile::exists(target.url()))
            return;
        const QVariant tables = target.rawScalar(
            GetParam() == Backend::Sqlite
                ? QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'registered_models'")
                : QStringLiteral(
                      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'registered_models'"));
        if (tables.toInt() == 0)
            return;
        EXPECT_EQ(target.rawScalar(QStringLiteral("SELECT count(*) FROM registered_models")).toInt(), 0);
        EXPECT_EQ(target.rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 0);
    }
};

TEST_P(TransferRefusals, RestoreIntoARegistryThatHoldsSomethingIsRefusedAndChangesNothing)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/kept"))));
    TestDatabase other(Backend::Sqlite);
    auto src = other.open();
    ASSERT_TRUE(src && src->registerVersion(sampleSpec(QStringLiteral("team/incoming"))));
    const QString file = other.tempPath(QStringLiteral("b.db"));
    ASSERT_TRUE(backupRegistry(*src, file));
    const QString before = db->contentFingerprint();
    auto r = restoreRegistry(file, db->url());
    EXPECT_TRUE(refusedAs(r, Error::Kind::Conflict, QStringLiteral("is not empty (it holds 1 models, 1 versions")));
    EXPECT_EQ(db->contentFingerprint(), before);
    // migrate likewise, through modelctl.
    QString out, err;
    EXPECT_EQ(runModelctl(
                  {QStringLiteral("migrate"), QStringLiteral("--from"), other.url(), QStringLiteral("--to"), db->url()},
                  &out, &err),
              4);
    EXPECT_TRUE(err.contains(QStringLiteral("is not empty"))) << err.toStdString();
    EXPECT_EQ(db->contentFingerprint(), before);
}

TEST_P(TransferRefusals, BackupCutShortOrEditedWritesNothing)
{
    const QStringList lines = logicalBackup();
    ASSERT_GT(lines.size(), 20);
    struct Case
    {
        const char *name;
        QStringList lines;
        const char *reason;
    };
    QStringList cut = lines.mid(0, lines.size() / 2);
    QStringList midLine = lines;
    midLine[lines.size() / 2].chop(5);
    midLine = midLine.mid(0, lines.size() / 2 + 1);
    QStringList missingRow = lines;
    const qsizetype infoHeader =
        lines.indexOf(QRegularExpression(QStringLiteral(R"(^\{"columns".*"registry_info"\}$)")));
    ASSERT_GT(infoHeader, 0);
    const qsizetype auditHeader = lines.indexOf(QRegularExpression(QStringLiteral(R"(^\{"columns".*"audit_log"\}$)")));
    ASSERT_GT(auditHeader, 0);
    const qsizetype metricsHeader = lines.indexOf(QRegularExpression(QStringLiteral(R"(^\{"columns".*"metrics"\}$)")));
    ASSERT_GT(metricsHeader, 0);
    missingRow.removeAt(infoHeader + 1); // the registry's creation record: no audit entry covers it
    QStringList tampered = lines;
    // The first metric's value (0.9) changed: the copy no longer holds what its audit entry recorded.
    tampered[metricsHeader + 1].replace(QStringLiteral(",0.9]"), QStringLiteral(",0.99]"));
    ASSERT_NE(tampered[metricsHeader + 1], lines[metricsHeader + 1]);
    QStringList rewrittenEntry = lines;
    const qsizetype registered =
        lines.indexOf(QRegularExpression(QStringLiteral(".*\"register_version\".*")), auditHeader);
    ASSERT_GT(registered, auditHeader);
    rewrittenEntry[registered].replace(QStringLiteral("\"register_version\""), QStringLiteral("\"register_versiom\""));
    QStringList wrongWidth = lines;
    wrongWidth[metricsHeader + 1] = QStringLiteral("[1,2]");
    QStringList newer = lines;
    newer[0].replace(QStringLiteral("\"format_version\":1"), QStringLiteral("\"format_version\":2"));
    const Case cases[] = {
        {"cut at a line", cut, "without its end record: it was cut short"},
        {"cut in a line", midLine, "is not a JSON array of values"},
        {"a row missing", missingRow, "its end record counts 2 rows of registry_info, but the file holds 1"},
        {"a metric edited", tampered, "no longer holds the metrics, params and facts it was registered with"},
        {"an audit entry edited", rewrittenEntry, "was changed after it was written"},
        {"a row of the wrong width", wrongWidth, "has 2 values for"},
        {"a newer format", newer, "backup format version 2"},
        {"not a backup", QStringList{QStringLiteral("hello")}, "line 1 is not a JSON object"},
        {"an empty file", QStringList{}, "without its end record"},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.name);
        const QString file = write(QStringLiteral("case.jsonl"), c.lines);
        TestDatabase target(GetParam());
        ASSERT_TRUE(target.ready());
        auto r = restoreRegistry(file, target.url());
        const Error::Kind kind = QByteArray(c.reason).contains("register") || QByteArray(c.reason).contains("changed")
                                     ? Error::Kind::Conflict
                                     : Error::Kind::Invalid;
        EXPECT_TRUE(refusedAs(r, kind, QString::fromUtf8(c.reason)));
        expectNothingRestored(target);
        if (GetParam() == Backend::Sqlite) {
            EXPECT_FALSE(QFile::exists(target.url())) << "a refused restore leaves no new registry file behind";
        }
    }
}

TEST_P(TransferRefusals, BackupNeverOverwritesAFile)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/m"))));
    const QString file = write(QStringLiteral("precious.txt"), {QStringLiteral("keep me")});
    auto r = backupRegistry(*registry, file);
    EXPECT_TRUE(refusedAs(r, Error::Kind::Conflict, QStringLiteral("exists already: a backup never overwrites")));
    QFile f(file);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), QByteArray("keep me\n"));
}

TEST_P(TransferRefusals, MigrateRefusesTheSameRegistryAndAMissingSource)
{
    auto same = migrateRegistry(db->url(), db->url());
    EXPECT_TRUE(refusedAs(same, Error::Kind::Invalid, QStringLiteral("are the same registry")));
    TestDatabase target(GetParam());
    auto missing = migrateRegistry(db->tempPath(QStringLiteral("nothing-here.db")), target.url());
    EXPECT_TRUE(refusedAs(missing, Error::Kind::NotFound, QStringLiteral("There is no registry at")));
    expectNothingRestored(target);
}

MD_INSTANTIATE_BOTH(TransferRefusals);

TEST(TransferPostgres, RestoreNeedsASuperuserAndSaysSo)
{
    TestDatabase target(Backend::Postgres);
    ASSERT_TRUE(target.ready());
    ASSERT_TRUE(target.open()); // created by the superuser, as `modelctl init` would
    auto admin = target.openAs(QStringLiteral("md_restore_admin"), QStringLiteral("admin"));
    ASSERT_TRUE(admin);
    admin.reset();
    TestDatabase source(Backend::Sqlite);
    auto src = source.open();
    ASSERT_TRUE(src && src->registerVersion(sampleSpec(QStringLiteral("team/m"))));
    const QString file = source.tempPath(QStringLiteral("b.db"));
    ASSERT_TRUE(backupRegistry(*src, file));
    const QString before = target.contentFingerprint();
    auto r = restoreRegistry(file, target.urlFor(QStringLiteral("md_restore_admin")));
    EXPECT_TRUE(refusedAs(r, Error::Kind::Permission,
                          QStringLiteral("needs a superuser session (you are "
                                         "md_restore_admin)")));
    EXPECT_EQ(target.contentFingerprint(), before);
}

// A generated registry of 10,000 versions (20 metrics, 15 params, 10 facts each) moved from SQLite to PostgreSQL.
TEST(TransferPostgres, MigratesAGenerated10000VersionRegistry)
{
    TestDatabase source(Backend::Sqlite);
    TestDatabase target(Backend::Postgres);
    ASSERT_TRUE(source.ready() && target.ready());
    {
        auto src = source.open();
        ASSERT_TRUE(src);
        BulkSpec spec;
        spec.models = 100;
        spec.versionsPerModel = 100;
        auto generated = generateBulkRegistry(*src, spec);
        ASSERT_TRUE(generated) << generated.error().message.toStdString();
    }
    auto r = migrateRegistry(source.url(), target.url());
    ASSERT_TRUE(r) << r.error().message.toStdString();
    EXPECT_EQ(r->versions, 10000);
    EXPECT_TRUE(r->audit.intact);
    for (const QString &table :
         {QStringLiteral("model_versions"), QStringLiteral("metrics"), QStringLiteral("params"),
          QStringLiteral("facts"), QStringLiteral("lineage_nodes"), QStringLiteral("lineage_edges"),
          QStringLiteral("stage_transitions"), QStringLiteral("audit_log")})
        EXPECT_EQ(target.rawScalar(QStringLiteral("SELECT count(*) FROM %1").arg(table)).toLongLong(),
                  source.rawScalar(QStringLiteral("SELECT count(*) FROM %1").arg(table)).toLongLong())
            << table.toStdString();
    EXPECT_EQ(target.rawScalar(QStringLiteral("SELECT count(*) FROM metrics")).toLongLong(), 200000);
    auto copy = Registry::open(target.url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(copy);
    auto verified = (*copy)->verifyAudit();
    ASSERT_TRUE(verified);
    EXPECT_TRUE(verified->intact) << verified->problem.toStdString();
}

// Content digests of a moved registry were made by the other dialect's text of its metric values: realAsText must
// print exactly as each dialect does.
class RealText : public BothDialects
{
};

TEST_P(RealText, PrintsAMetricValueAsTheDialectDoes)
{
    const double values[] = {0.9,
                             0.85,
                             1.0 / 3.0,
                             0.12345678901234568,
                             1e20,
                             1.5e20,
                             1e15,
                             1e14,
                             123456789012345.6,
                             2.5e-7,
                             0.0001,
                             0.00001,
                             100.0,
                             0.0,
                             -0.5,
                             12.0,
                             1e-300,
                             1.7976931348623157e308,
                             5e-324,
                             0.30000000000000004,
                             1234.5678};
    for (const double v : values) {
        const QString literal = QString::number(v, 'g', QLocale::FloatingPointShortest);
        const QString sql = GetParam() == Backend::Sqlite
                                ? QStringLiteral("SELECT CAST(CAST('%1' AS REAL) AS TEXT)").arg(literal)
                                : QStringLiteral("SELECT ('%1'::float8)::text").arg(literal);
        EXPECT_EQ(realAsText(v, GetParam() == Backend::Sqlite ? Dialect::Sqlite : Dialect::Postgres),
                  db->rawScalar(sql).toString())
            << literal.toStdString();
    }
}

MD_INSTANTIATE_BOTH(RealText);

} // namespace
} // namespace md::test
