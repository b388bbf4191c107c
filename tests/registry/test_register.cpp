// Registering versions and reading every field back (both dialects).

#include "registry/demo.h"
#include "testdb.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>

#include <cmath>
#include <limits>

using namespace md;
using namespace md::test;

class Register : public BothDialects
{
protected:
    VersionSpec fullSpec()
    {
        VersionSpec s;
        s.modelName = QStringLiteral("payments/fraud-detector");
        s.artifactUri = QStringLiteral("s3://ml-artifacts/fraud/v1/model.bin");
        s.artifactDigest = QStringLiteral("sha256:") + QString(64, QLatin1Char('c'));
        s.sourceRun = QStringLiteral("run-42");
        s.description = QStringLiteral("First model.\nTrained on October clicks.");
        s.metrics << Metric{QStringLiteral("auc"), {}, {}, 0.847}
                  << Metric{QStringLiteral("f1"), QStringLiteral("test"), {}, 0.79}
                  << Metric{QStringLiteral("auc"), QStringLiteral("test"), QStringLiteral("country=DE"), 0.81}
                  << Metric{QStringLiteral("latency_ms"), QStringLiteral("test"), {}, 12.5};
        s.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
        s.params.insert(QStringLiteral("max_depth"), QStringLiteral("6"));
        s.facts << Fact{QStringLiteral("data"), QStringLiteral("dataset_version"), QStringLiteral("clicks@2026-10")}
                << Fact{QStringLiteral("data"), QStringLiteral("date_to"), QStringLiteral("2026-10-15")}
                << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")}
                << Fact{QStringLiteral("env"), QStringLiteral("python"), QStringLiteral("3.11")}
                << Fact{QStringLiteral("training"), QStringLiteral("duration_s"), QStringLiteral("3600")};
        s.tags.insert(QStringLiteral("team"), QStringLiteral("payments"));
        s.inputs << LineageInput{LineageKind::DatasetVersion, QStringLiteral("clicks"), QStringLiteral("2026-10")}
                 << LineageInput{LineageKind::FeaturePipelineVersion, QStringLiteral("features"), QStringLiteral("2.3")}
                 << LineageInput{LineageKind::CodeCommit, QStringLiteral("abc1234"), {}}
                 << LineageInput{LineageKind::DataSource, QStringLiteral("eu-clickstream"), {}};
        return s;
    }

    int count(const char *table)
    {
        return db->rawScalar(QStringLiteral("SELECT count(*) FROM %1").arg(QLatin1String(table))).toInt();
    }
};
MD_INSTANTIATE_BOTH(Register);

TEST_P(Register, ReadsBackEveryField)
{
    const VersionSpec spec = fullSpec();
    auto r = registry->registerVersion(spec);
    ASSERT_TRUE(r) << r.error().message.toStdString();
    EXPECT_EQ(r->version, 1);
    EXPECT_TRUE(r->modelCreated);
    EXPECT_TRUE(r->warnings.isEmpty());

    auto v = registry->version(spec.modelName, 1);
    ASSERT_TRUE(v) << v.error().message.toStdString();
    EXPECT_EQ(v->modelName, spec.modelName);
    EXPECT_EQ(v->version, 1);
    EXPECT_EQ(v->artifactUri, spec.artifactUri);
    EXPECT_EQ(v->artifactDigest, spec.artifactDigest);
    EXPECT_EQ(v->sourceRun, spec.sourceRun);
    EXPECT_EQ(v->description, spec.description);
    EXPECT_EQ(v->stage, Stage::None);
    EXPECT_EQ(v->createdBy, registry->actor());
    EXPECT_FALSE(v->createdAt.isEmpty());
    QList<Metric> expected = spec.metrics;
    std::sort(expected.begin(), expected.end(), [](const Metric &a, const Metric &b) {
        return std::tie(a.name, a.dataset, a.slice) < std::tie(b.name, b.dataset, b.slice);
    });
    EXPECT_EQ(v->metrics, expected);
    EXPECT_EQ(v->params, spec.params);
    QList<Fact> facts = spec.facts;
    std::sort(facts.begin(), facts.end(), [](const Fact &a, const Fact &b) { return a.key() < b.key(); });
    EXPECT_EQ(v->facts, facts);
    EXPECT_EQ(v->tags, spec.tags);
    QSet<QString> inputs;
    for (const LineageInput &in : v->inputs)
        inputs.insert(in.spec());
    EXPECT_EQ(inputs, (QSet<QString>{QStringLiteral("dataset:clicks@2026-10"), QStringLiteral("pipeline:features@2.3"),
                                     QStringLiteral("commit:abc1234"), QStringLiteral("source:eu-clickstream")}));
    ASSERT_EQ(v->transitions.size(), 1);
    EXPECT_EQ(v->transitions.first().kind, QStringLiteral("register"));
    EXPECT_EQ(v->transitions.first().toStage, QStringLiteral("None"));

    auto model = registry->model(spec.modelName);
    ASSERT_TRUE(model);
    EXPECT_EQ(model->namespaceName, QStringLiteral("payments"));
    EXPECT_EQ(model->versionCount, 1);
    EXPECT_EQ(model->maxProduction, 1);
    EXPECT_EQ(model->owner, registry->actor());

    // The audit log recorded the model and the version, and the chain holds.
    AuditFilter ofModel;
    ofModel.objectKeyPrefix = QStringLiteral("payments/fraud-detector");
    auto audit = registry->audit(ofModel);
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->size(), 2);
    EXPECT_EQ(audit->at(0).action, QStringLiteral("register_version"));
    EXPECT_EQ(audit->at(0).objectKey, QStringLiteral("payments/fraud-detector@v1"));
    EXPECT_EQ(audit->at(1).action, QStringLiteral("create_model"));
    auto verified = registry->verifyAudit();
    ASSERT_TRUE(verified);
    EXPECT_TRUE(verified->intact);
    EXPECT_EQ(verified->entriesChecked, db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log")).toInt());
    EXPECT_EQ(db->rawScalar(QLatin1String(kModelAuditEntries)).toInt(), 2);
}

TEST_P(Register, NumbersVersionsPerModelAndSharesLineageNodes)
{
    for (int i = 0; i < 3; ++i) {
        auto r = registry->registerVersion(fullSpec());
        ASSERT_TRUE(r) << r.error().message.toStdString();
        EXPECT_EQ(r->version, i + 1);
        EXPECT_EQ(r->modelCreated, i == 0);
    }
    auto other = registry->registerVersion(sampleSpec(QStringLiteral("search/ranker")));
    ASSERT_TRUE(other);
    EXPECT_EQ(other->version, 1);
    auto models = registry->models();
    ASSERT_TRUE(models);
    ASSERT_EQ(models->size(), 2);
    EXPECT_EQ(models->at(0).name, QStringLiteral("payments/fraud-detector"));
    EXPECT_EQ(models->at(0).versionCount, 3);
    EXPECT_EQ(models->at(1).namespaceName, QStringLiteral("search"));
    // The three versions share one dataset-version node instead of creating three.
    EXPECT_EQ(
        db->rawScalar(QStringLiteral("SELECT count(*) FROM lineage_nodes WHERE kind = 'dataset_version'")).toInt(), 1);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM lineage_nodes WHERE kind = 'model_version'")).toInt(),
              4);
}

TEST_P(Register, NameConventionWarningsAreReturnedButRegistrationHappens)
{
    auto r = registry->registerVersion(sampleSpec(QStringLiteral("rec_model_v2")));
    ASSERT_TRUE(r) << r.error().message.toStdString();
    EXPECT_FALSE(r->warnings.isEmpty());
    EXPECT_EQ(r->version, 1);
}

TEST_P(Register, BadInputChangesNothing)
{
    ASSERT_TRUE(registry->registerVersion(fullSpec()));
    const int versions = count("model_versions"), metrics = count("metrics"), audit = count("audit_log"),
              models = count("registered_models"), nodes = count("lineage_nodes");

    struct Bad
    {
        const char *what;
        VersionSpec spec;
        QString reason; // part of the message
    };
    QList<Bad> bad;
    VersionSpec s = fullSpec();
    s.metrics << Metric{QStringLiteral("loss"), {}, {}, std::numeric_limits<double>::quiet_NaN()};
    bad.append({"NaN metric", s, QStringLiteral("is NaN: metrics must be finite numbers")});
    s = fullSpec();
    s.metrics << Metric{QStringLiteral("loss"), {}, {}, -std::numeric_limits<double>::infinity()};
    bad.append({"infinite metric", s, QStringLiteral("is infinite: metrics must be finite numbers")});
    s = fullSpec();
    s.metrics << Metric{QStringLiteral("auc"), {}, {}, 0.5};
    bad.append({"duplicate metric", s, QStringLiteral("is given twice")});
    s = fullSpec();
    s.modelName = QString();
    bad.append({"empty name", s, QStringLiteral("The model name is empty.")});
    s = fullSpec();
    s.modelName = QStringLiteral("Fraud Detector");
    bad.append({"bad name", s, QStringLiteral("The model name 'Fraud Detector' is not valid")});
    s = fullSpec();
    s.artifactUri = QString();
    bad.append({"empty artifact", s, QStringLiteral("The artifact URI is empty.")});
    s = fullSpec();
    s.description = QString(70000, QLatin1Char('d'));
    bad.append({"huge description", s, QStringLiteral("is 70000 characters long; at most")});
    s = fullSpec();
    s.params.insert(QStringLiteral("blob"), QString(5000, QLatin1Char('p')));
    bad.append({"huge param", s, QStringLiteral("is 5000 characters long; at most")});
    s = fullSpec();
    s.tags.insert(QStringLiteral("note"), QStringLiteral("bad ") + QChar(QChar::ReplacementCharacter));
    bad.append({"non-UTF-8 tag", s, QStringLiteral("is not valid UTF-8")});
    s = fullSpec();
    s.facts << Fact{QStringLiteral("data"), QStringLiteral("rows"), QStringLiteral("lots")};
    bad.append({"bad fact", s, QStringLiteral("data.rows must be a whole number of rows, not 'lots'")});
    ASSERT_EQ(bad.size(), 10);
    for (const Bad &b : bad)
        EXPECT_TRUE(refusedAs(registry->registerVersion(b.spec), Error::Kind::Invalid, b.reason)) << b.what;
    EXPECT_EQ(count("model_versions"), versions);
    EXPECT_EQ(count("metrics"), metrics);
    EXPECT_EQ(count("audit_log"), audit);
    EXPECT_EQ(count("registered_models"), models);
    EXPECT_EQ(count("lineage_nodes"), nodes);
}

TEST_P(Register, FailureMidTransactionLeavesNoHalfWrittenVersion)
{
    // The unknown model-version input is discovered after the version row, metrics and params were
    // written inside the transaction: all of it must roll back, including the new model and namespace.
    VersionSpec s = fullSpec();
    s.modelName = QStringLiteral("ads/ctr-predictor");
    s.inputs << LineageInput{LineageKind::ModelVersion, QStringLiteral("ads/teacher"), QStringLiteral("3")};
    auto r = registry->registerVersion(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::NotFound);
    EXPECT_TRUE(r.error().message.contains(QLatin1String("model:ads/teacher@3"))) << r.error().message.toStdString();
    EXPECT_EQ(count("registered_models"), 0);
    EXPECT_EQ(count("namespaces"), 0);
    EXPECT_EQ(count("model_versions"), 0);
    EXPECT_EQ(count("metrics"), 0);
    EXPECT_EQ(db->rawScalar(QLatin1String(kModelAuditEntries)).toInt(), 0);
    // And the next registration still gets version 1.
    s.inputs.removeLast();
    auto ok = registry->registerVersion(s);
    ASSERT_TRUE(ok) << ok.error().message.toStdString();
    EXPECT_EQ(ok->version, 1);
}

TEST_P(Register, UnknownModelAndVersionAreNotFound)
{
    auto m = registry->versions(QStringLiteral("nope"));
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error().kind, Error::Kind::NotFound);
    EXPECT_TRUE(m.error().message.contains(QLatin1String("nope")));
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    auto v = registry->version(QStringLiteral("fraud"), 7);
    ASSERT_FALSE(v);
    EXPECT_EQ(v.error().kind, Error::Kind::NotFound);
}

TEST_P(Register, TagsAndDescriptionsAreEditableAndAudited)
{
    ASSERT_TRUE(registry->registerVersion(fullSpec()));
    const QString name = QStringLiteral("payments/fraud-detector");
    ASSERT_TRUE(registry->setVersionTags(name, 1, {{QStringLiteral("reviewed"), QStringLiteral("yes")}},
                                         {QStringLiteral("team")}));
    auto v = registry->version(name, 1);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->tags, (QMap<QString, QString>{{QStringLiteral("reviewed"), QStringLiteral("yes")}}));
    auto missing = registry->setVersionTags(name, 1, {}, {QStringLiteral("nonexistent")});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().kind, Error::Kind::NotFound);
    ASSERT_TRUE(registry->setModelTags(name, {{QStringLiteral("tier"), QStringLiteral("critical")}}, {}));
    ASSERT_TRUE(registry->describeVersion(name, 1, QStringLiteral("Better text")));
    ASSERT_TRUE(registry->describeModel(name, QStringLiteral("Scores card payments")));
    auto model = registry->model(name);
    ASSERT_TRUE(model);
    EXPECT_EQ(model->tags.value(QStringLiteral("tier")), QStringLiteral("critical"));
    EXPECT_EQ(model->description, QStringLiteral("Scores card payments"));
    EXPECT_EQ(registry->version(name, 1)->description, QStringLiteral("Better text"));
    AuditFilter f;
    f.action = QStringLiteral("set_version_tags");
    auto entries = registry->audit(f);
    ASSERT_TRUE(entries);
    // One entry per edit on SQLite (the client writes it); one per changed tag on PostgreSQL (the database
    // writes it from the row): together they hold the tags before and after.
    ASSERT_EQ(entries->size(), GetParam() == Backend::Sqlite ? 1 : 2);
    QJsonObject before, after;
    for (const AuditEntry &e : *entries) {
        const QJsonObject d = QJsonDocument::fromJson(e.details.toUtf8()).object();
        for (const char *side : {"before", "after"}) {
            const QJsonObject part = d.value(QLatin1String(side)).toObject();
            for (auto it = part.begin(); it != part.end(); ++it)
                (QLatin1String(side) == QLatin1String("before") ? before : after).insert(it.key(), it.value());
        }
    }
    EXPECT_EQ(before.value(QStringLiteral("team")).toString(), QStringLiteral("payments"));
    EXPECT_EQ(after.value(QStringLiteral("reviewed")).toString(), QStringLiteral("yes"));
    EXPECT_FALSE(after.contains(QStringLiteral("team")));
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

TEST_P(Register, ConcurrentProcessesNeverCollideOnVersionNumbers)
{
    // Several modelctl processes register versions of one model at the same time.
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    constexpr int kProcesses = 6;
    constexpr int kEach = 5;
    QList<QProcess *> procs;
    for (int p = 0; p < kProcesses; ++p) {
        auto *proc = new QProcess;
        QStringList script;
        // A shell loop keeps each process registering back to back.
        proc->start(QStringLiteral("/bin/sh"),
                    {QStringLiteral("-c"),
                     QStringLiteral("for i in $(seq %1); do \"%2\" --registry \"%3\" register fraud --artifact "
                                    "s3://b/p%4-$i --metric auc=0.9 --param proc=%4 || exit 1; done")
                         .arg(kEach)
                         .arg(QStringLiteral(MODELCTL_PATH), db->url())
                         .arg(p)});
        procs << proc;
    }
    for (QProcess *proc : procs) {
        ASSERT_TRUE(proc->waitForFinished(240000));
        EXPECT_EQ(proc->exitCode(), 0) << proc->readAllStandardError().toStdString();
        delete proc;
    }
    auto versions = registry->versions(QStringLiteral("fraud"));
    ASSERT_TRUE(versions);
    ASSERT_EQ(versions->size(), 1 + kProcesses * kEach);
    for (int i = 0; i < versions->size(); ++i)
        EXPECT_EQ(versions->at(i).version, i + 1);
    auto verified = registry->verifyAudit();
    ASSERT_TRUE(verified);
    EXPECT_TRUE(verified->intact) << verified->problem.toStdString();
    EXPECT_EQ(verified->entriesChecked, db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log")).toInt());
    EXPECT_EQ(db->rawScalar(QLatin1String(kModelAuditEntries)).toInt(), 2 + kProcesses * kEach);
}

TEST_P(Register, DemoIsRealisticAndDeterministic)
{
    auto summary = fillDemoRegistry(*registry, 7);
    ASSERT_TRUE(summary) << summary.error().message.toStdString();
    EXPECT_GE(summary->models, 12);
    EXPECT_GE(summary->versions, 12 * 12);
    auto models = registry->models();
    ASSERT_TRUE(models);
    QSet<QString> namespaces;
    for (const RegisteredModel &m : *models) {
        namespaces.insert(m.namespaceName);
        EXPECT_GE(m.versionCount, 12) << m.name.toStdString();
        EXPECT_FALSE(m.description.isEmpty());
    }
    EXPECT_GE(namespaces.size(), 4);
    // Plausible values a data scientist would not stop at: fractions within [0, 1] for every model (the ROI model's
    // f1 was 1.16), latency and log loss positive.
    const QString fractions =
        QStringLiteral("name IN ('auc', 'f1', 'precision', 'recall', 'ndcg', 'mrr', 'recall_at_20')");
    EXPECT_GT(db->rawScalar(QStringLiteral("SELECT count(*) FROM metrics WHERE ") + fractions).toInt(), 1000);
    EXPECT_EQ(db->rawRows(QStringLiteral("SELECT m.name, v.version, x.name, x.value FROM metrics x JOIN model_versions "
                                         "v ON v.id = x.version_id JOIN registered_models m ON m.id = v.model_id "
                                         "WHERE x.%1 AND (x.value < 0 OR x.value > 1) LIMIT 5")
                              .arg(fractions)),
              QStringList());
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM metrics WHERE name IN ('latency_ms', 'logloss') AND "
                                           "value <= 0"))
                  .toInt(),
              0);
    auto v = registry->version(QStringLiteral("payments/fraud-detector"), 5);
    ASSERT_TRUE(v);
    EXPECT_GE(v->metrics.size(), 8);
    EXPECT_GE(v->facts.size(), 10);
    EXPECT_EQ(v->inputs.size(), 4);
    // Realistic lifecycles: pending requests (one with a failing gate) on both dialects; on SQLite,
    // where the demo can act as different people, approvals, several Production periods, rollbacks
    // and a shadow deployment.
    auto pending = registry->requests(true);
    ASSERT_TRUE(pending);
    EXPECT_GE(pending->size(), 4);
    EXPECT_TRUE(std::any_of(pending->begin(), pending->end(), [](const ApprovalRequest &r) { return !r.gatesPassed; }));
    if (GetParam() == Backend::Sqlite) {
        auto history = registry->productionHistory(QStringLiteral("payments/fraud-detector"));
        ASSERT_TRUE(history);
        EXPECT_GE(history->size(), 4);
        EXPECT_TRUE(std::any_of(history->begin(), history->end(),
                                [](const ProductionPeriod &p) { return p.enteredKind == QLatin1String("rollback"); }));
        int promoted = 0;
        for (const ProductionPeriod &p : *history)
            if (p.enteredKind == QLatin1String("promote")) {
                ++promoted;
                EXPECT_FALSE(p.approvers.isEmpty()) << "v" << p.version;
            }
        EXPECT_GE(promoted, 1); // the check above ran at least once
        auto deployments = registry->deployments();
        ASSERT_TRUE(deployments);
        EXPECT_TRUE(
            std::any_of(deployments->begin(), deployments->end(), [](const Deployment &d) { return d.shadow; }));
        for (const RegisteredModel &m : *models)
            EXPECT_EQ(registry->model(m.name)->productionVersions.size(), 1) << m.name.toStdString();
    }
    EXPECT_TRUE(registry->verifyAudit()->intact);
    // A second demo into a non-empty registry is refused.
    const int before = count("model_versions");
    EXPECT_TRUE(refusedAs(fillDemoRegistry(*registry, 7), Error::Kind::Conflict, QStringLiteral("already holds")));
    EXPECT_EQ(count("model_versions"), before);

    // Same seed, same data (on a fresh SQLite file).
    TestDatabase other(Backend::Sqlite);
    auto second = other.open();
    ASSERT_TRUE(second);
    ASSERT_TRUE(fillDemoRegistry(*second, 7));
    auto w = second->version(QStringLiteral("payments/fraud-detector"), 5);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->metrics, v->metrics);
    EXPECT_EQ(w->artifactDigest, v->artifactDigest);
}
