// Moving in from MLflow: the same MLflow registry read from its SQLite database, its PostgreSQL database and its REST
// API gives the same ModelDesk registry; importing again changes nothing; what MLflow adds later is picked up; a dry
// run writes nothing; and every failure says what is wrong and changes nothing. Also the import transition itself:
// once, from None, on a version that has not moved, and on PostgreSQL only by an admin.

#include "mlflowfixture.h"
#include "registry/mlflow.h"
#include "testdb.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlError>

using namespace md;
using namespace md::test;

namespace {

// Everything the import writes, in a stable text form: two registries with the same dump hold the same import.
QString dump(Registry &registry)
{
    QStringList lines;
    auto models = registry.models();
    if (!models)
        return QStringLiteral("<error: %1>").arg(models.error().message);
    for (const RegisteredModel &m : std::as_const(*models)) {
        QStringList tags;
        for (auto it = m.tags.begin(); it != m.tags.end(); ++it)
            tags << it.key() + QLatin1Char('=') + it.value();
        lines << QStringLiteral("model %1 max=%2 desc=%3 tags=%4")
                     .arg(m.name)
                     .arg(m.maxProduction)
                     .arg(m.description, tags.join(QLatin1Char(',')));
        QList<int> numbers;
        for (int n = 1; n <= m.latestVersion; ++n)
            numbers << n;
        auto versions = registry.versions(m.name, numbers);
        if (!versions)
            return QStringLiteral("<error: %1>").arg(versions.error().message);
        for (const ModelVersion &v : std::as_const(*versions)) {
            QStringList parts{QStringLiteral("  v%1 %2 %3 run=%4")
                                  .arg(v.version)
                                  .arg(stageName(v.stage), v.artifactUri, v.sourceRun)};
            for (const Metric &x : v.metrics)
                parts << QStringLiteral("metric %1=%2").arg(x.key()).arg(x.value);
            for (auto it = v.params.begin(); it != v.params.end(); ++it)
                parts << QStringLiteral("param %1=%2").arg(it.key(), it.value());
            QStringList facts;
            for (const Fact &f : v.facts)
                facts << QStringLiteral("fact %1=%2").arg(f.key(), f.value);
            facts.sort();
            parts << facts;
            for (auto it = v.tags.begin(); it != v.tags.end(); ++it)
                parts << QStringLiteral("tag %1=%2").arg(it.key(), it.value().left(40));
            for (const LineageInput &in : v.inputs)
                parts << QStringLiteral("input %1").arg(in.spec());
            for (const Transition &t : v.transitions)
                parts << QStringLiteral("transition %1 %2->%3").arg(t.kind, t.fromStage, t.toStage);
            lines << parts.join(QStringLiteral("; "));
        }
        auto aliases = registry.aliases(m.name);
        if (aliases)
            for (const Alias &a : std::as_const(*aliases))
                lines << QStringLiteral("  alias %1 -> v%2").arg(a.alias).arg(a.version);
    }
    return lines.join(QLatin1Char('\n'));
}

class MlflowImport : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        m_mlflowPath = db->tempPath(QStringLiteral("mlflow.db"));
        ASSERT_EQ(createMlflowFixtureFile(QStringLiteral("mlflow-fixture"), m_mlflowPath), QString());
    }
    void TearDown() override
    {
        QSqlDatabase::database(QStringLiteral("mlflow-fixture")).close();
        QSqlDatabase::removeDatabase(QStringLiteral("mlflow-fixture"));
        BothDialects::TearDown();
    }
    QSqlDatabase mlflowDb() { return QSqlDatabase::database(QStringLiteral("mlflow-fixture")); }
    QString from() const { return QStringLiteral("sqlite:///") + m_mlflowPath; }

    QJsonObject importJson(const QStringList &extra, int *code = nullptr, QString *err = nullptr)
    {
        QString out, e;
        const int c = runModelctl(QStringList{QStringLiteral("--registry"), db->url(), QStringLiteral("--json"),
                                              QStringLiteral("import"), QStringLiteral("mlflow"),
                                              QStringLiteral("--from"), from()} +
                                      extra,
                                  &out, &e);
        if (code)
            *code = c;
        if (err)
            *err = e;
        return QJsonDocument::fromJson(out.toUtf8()).object();
    }

    QString m_mlflowPath;
};

MD_INSTANTIATE_BOTH(MlflowImport);

const char *kExpected =
    R"(model fraud-detector max=1 desc=Card fraud scoring tags=mlflow.name=Fraud Detector,owner=risk-team
  v1 Archived s3://mlflow/1/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1/artifacts/model run=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1; metric auc=0.85; metric f1=0.72; param learning_rate=0.1; param max_depth=6; fact code.git_sha=0123456789abcdef0123456789abcdef01234567; fact code.source_name=train.py; fact training.mlflow_created_at=2026-01-01T00:00:00.000Z; fact training.mlflow_registered_by=alice; fact training.user=alice; tag mlflow.name=Fraud Detector; tag mlflow.version=1; tag team=payments; transition register ->None; transition import None->Archived
  v2 Production runs:/b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2/model run=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2; metric auc=0.88; param learning_rate=0.05; fact code.git_sha=89abcdef0123456789abcdef0123456789abcdef; fact training.mlflow_created_at=2026-01-02T00:00:00.000Z; fact training.mlflow_registered_by=bob; tag mlflow.name=Fraud Detector; tag mlflow.version=2; tag validated=true; input dataset:clicks@d41d8cd9; transition register ->None; transition import None->Production
  v3 Staging s3://mlflow/1/b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2/artifacts/model run=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2; metric auc=0.88; param learning_rate=0.05; fact code.git_sha=89abcdef0123456789abcdef0123456789abcdef; fact training.mlflow_created_at=2026-01-03T00:00:00.000Z; fact training.mlflow_registered_by=bob; tag mlflow.name=Fraud Detector; tag mlflow.version=3; input dataset:clicks@d41d8cd9; transition register ->None; transition import None->Staging
  v4 None models:/m-0f1e2d3c run=; fact training.mlflow_created_at=2026-01-04T00:00:00.000Z; fact training.mlflow_registered_by=carol; tag mlflow.name=Fraud Detector; tag mlflow.version=4; transition register ->None
  alias champion -> v2
model ranker max=1 desc= tags=mlflow.name=ranker
  v1 Production s3://mlflow/2/c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3/artifacts/model run=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3; metric ndcg=0.61; fact training.mlflow_created_at=2026-01-01T00:00:00.000Z; fact training.mlflow_registered_by=dana; tag mlflow.name=ranker; tag mlflow.version=1; transition register ->None; transition import None->Production)";

TEST_P(MlflowImport, FromTheDatabaseGivesTheRegistryAndAgainChangesNothing)
{
    int code = 0;
    QString err;
    QJsonObject report = importJson({}, &code, &err);
    ASSERT_EQ(code, 0) << err.toStdString();
    EXPECT_EQ(report.value(QLatin1String("versions_new")).toInt(), 5);
    EXPECT_EQ(report.value(QLatin1String("models_failed")).toInt(), 0);
    EXPECT_EQ(dump(*registry), QString::fromUtf8(kExpected));
    // What was left out, and why, is in the report.
    const QString skipped = QString::fromUtf8(QJsonDocument(report).toJson());
    for (const char *why :
         {"version 5: soft-deleted in MLflow (Deleted_Internal)",
          "version 6: its registration failed in MLflow (FAILED_REGISTRATION)",
          "version 1: metric val_loss is NaN in MLflow",
          "version 1: tag notes not imported (The value of the tag 'notes' is 5200 characters long; at most 4096 "
          "are allowed.)",
          "a prompt (mlflow.prompt.is_prompt), not a model"})
        EXPECT_TRUE(skipped.contains(QLatin1String(why))) << why;
    // The history says where the stage came from; the audit log has it, as stage_import.
    auto v2 = registry->version(QStringLiteral("fraud-detector"), 2);
    ASSERT_TRUE(v2);
    ASSERT_EQ(v2->transitions.size(), 2);
    EXPECT_TRUE(v2->transitions.at(1).reason.contains(QLatin1String("imported from the MLflow database")));
    EXPECT_TRUE(v2->transitions.at(1).reason.contains(QLatin1String("Production there since 2026-01-02T01:00:00")));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log WHERE action = 'stage_import'")).toInt(), 4);
    EXPECT_TRUE(registry->verifyAudit()->intact);
    // Again: nothing new, nothing written.
    const QString before = db->contentFingerprint();
    report = importJson({}, &code, &err);
    ASSERT_EQ(code, 0) << err.toStdString();
    EXPECT_EQ(report.value(QLatin1String("versions_new")).toInt(), 0);
    EXPECT_EQ(db->contentFingerprint(), before);
    // MLflow moves on: a new version, and v3 promoted there. The new version is imported; the promotion becomes an
    // ordinary request here (the four-eyes rule still holds).
    QSqlDatabase m = mlflowDb();
    ASSERT_EQ(execAll(m, {QStringLiteral("INSERT INTO model_versions (name, version, creation_time, last_updated_time, "
                                         "user_id, current_stage, source, run_id, status) VALUES ('Fraud Detector', 7, "
                                         "1768000000000, 1768000000000, 'bob', 'None', 's3://mlflow/1/new', NULL, "
                                         "'READY')"),
                          QStringLiteral("UPDATE model_versions SET current_stage = 'Production' WHERE name = 'Fraud "
                                         "Detector' AND version = 3")}),
              QString());
    report = importJson({}, &code, &err);
    ASSERT_EQ(code, 0) << err.toStdString();
    EXPECT_EQ(report.value(QLatin1String("versions_new")).toInt(), 1);
    auto v5 = registry->version(QStringLiteral("fraud-detector"), 5);
    ASSERT_TRUE(v5);
    EXPECT_EQ(v5->tags.value(QStringLiteral("mlflow.version")), QStringLiteral("7"));
    auto requests = registry->requests(true, QStringLiteral("fraud-detector"));
    ASSERT_TRUE(requests);
    ASSERT_EQ(requests->size(), 1);
    EXPECT_EQ(requests->first().version, 3);
    EXPECT_TRUE(requests->first().reason.contains(QLatin1String("MLflow moved it to Production")));
    EXPECT_EQ(registry->version(QStringLiteral("fraud-detector"), 3)->stage, Stage::Staging);
}

TEST_P(MlflowImport, DryRunPrintsThePlanAndWritesNothing)
{
    const QString before = db->contentFingerprint();
    int code = 0;
    QString err;
    const QJsonObject report = importJson({QStringLiteral("--dry-run")}, &code, &err);
    ASSERT_EQ(code, 0) << err.toStdString();
    // --json: progress as JSON lines on stderr, the report on stdout.
    const QJsonObject progress =
        QJsonDocument::fromJson(err.split(QLatin1Char('\n'), Qt::SkipEmptyParts).last().toUtf8()).object();
    EXPECT_EQ(progress.value(QLatin1String("progress")).toObject().value(QLatin1String("total")).toInt(), 8)
        << err.toStdString(); // 6 + 1 + 1 MLflow versions, the skipped ones included
    EXPECT_EQ(progress.value(QLatin1String("progress")).toObject().value(QLatin1String("done")).toInt(), 8);
    EXPECT_TRUE(report.value(QLatin1String("dry_run")).toBool());
    EXPECT_EQ(report.value(QLatin1String("versions_new")).toInt(), 5);
    const QJsonArray models = report.value(QLatin1String("models")).toArray();
    ASSERT_EQ(models.size(), 3);
    EXPECT_EQ(models.at(0).toObject().value(QLatin1String("name")).toString(), QStringLiteral("fraud-detector"));
    EXPECT_EQ(models.at(0).toObject().value(QLatin1String("new_versions")).toArray().size(), 4);
    EXPECT_EQ(models.at(0).toObject().value(QLatin1String("alias_changes")).toArray().at(0).toString(),
              QStringLiteral("champion -> v2"));
    EXPECT_EQ(db->contentFingerprint(), before);
    // Plain text: a table and the reasons.
    QString out;
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("import"), QStringLiteral("mlflow"),
                           QStringLiteral("--from"), from(), QStringLiteral("--dry-run"), QStringLiteral("--models"),
                           QStringLiteral("Fraud*")},
                          &out, &err),
              0)
        << err.toStdString();
    EXPECT_TRUE(out.contains(QLatin1String("Plan (dry run, nothing written)"))) << out.toStdString();
    EXPECT_TRUE(out.contains(QLatin1String("Fraud Detector: skipped version 5: soft-deleted"))) << out.toStdString();
    EXPECT_FALSE(out.contains(QLatin1String("ranker"))) << out.toStdString();
    EXPECT_EQ(db->contentFingerprint(), before);
}

// The REST API (served from the same fixture, two pages of models and of versions) gives the same registry.
TEST_P(MlflowImport, FromTheRestApiGivesTheSameRegistry)
{
    HttpReceiver server;
    ASSERT_TRUE(server.listening());
    serveMlflow(server, QStringLiteral("mlflow-fixture"));
    qputenv("MODELDESK_TEST_TOKEN", "s3cr3t");
    mlflow::SourceOptions options;
    options.tokenEnv = QStringLiteral("MODELDESK_TEST_TOKEN");
    options.workspace = QStringLiteral("team-a");
    auto source = mlflow::openSource(server.url(QString()), options);
    ASSERT_TRUE(source) << source.error().message.toStdString();
    auto report = mlflow::importRegistry(*registry, **source, {});
    ASSERT_TRUE(report) << report.error().message.toStdString();
    EXPECT_EQ(report->versionsNew, 5);
    EXPECT_EQ(dump(*registry), QString::fromUtf8(kExpected));
    int pages = 0;
    for (const ReceivedRequest &r : server.requests()) {
        EXPECT_EQ(r.header("authorization"), QByteArray("Bearer s3cr3t"));
        EXPECT_EQ(r.header("x-mlflow-workspace"), QByteArray("team-a"));
        pages += r.path.contains("page_token=");
    }
    EXPECT_GE(pages, 2); // both searches paged
    // Again: nothing new.
    const QString before = db->contentFingerprint();
    report = mlflow::importRegistry(*registry, **source, {});
    ASSERT_TRUE(report);
    EXPECT_EQ(report->versionsNew, 0);
    EXPECT_EQ(db->contentFingerprint(), before);
}

TEST_P(MlflowImport, EveryFailureSaysWhatIsWrongAndChangesNothing)
{
    const QString before = db->contentFingerprint();
    HttpReceiver server;
    server.setResponder([](const ReceivedRequest &r, int) {
        if (r.path.contains("unauthorized"))
            return ScriptedResponse{401, {}, R"({"error_code": "UNAUTHENTICATED", "message": "no"})"};
        return ScriptedResponse{200, {}, "<html>not mlflow</html>"};
    });
    struct Case
    {
        QString from;
        Error::Kind kind;
        QString message;
    };
    const QList<Case> cases{
        {QStringLiteral("http://127.0.0.1:1"), Error::Kind::Database,
         QStringLiteral("Cannot reach the MLflow server http://127.0.0.1:1")},
        {server.url(QStringLiteral("/unauthorized")), Error::Kind::Permission,
         QStringLiteral("refused the credentials (HTTP 401")},
        {server.url(QStringLiteral("/html")), Error::Kind::Database,
         QStringLiteral("with something that is not MLflow's JSON")},
        {db->url().startsWith(QLatin1Char('/')) ? QStringLiteral("sqlite:///") + db->url() : db->url(),
         Error::Kind::NotARegistry, QStringLiteral("is not an MLflow database: it has no alembic_version")},
        {QStringLiteral("sqlite:///nonexistent/mlflow.db"), Error::Kind::NotFound,
         QStringLiteral("There is no MLflow database at /nonexistent/mlflow.db")},
        {QStringLiteral("ftp://mlflow"), Error::Kind::Invalid, QStringLiteral("is neither an MLflow server")},
    };
    for (const Case &c : cases) {
        auto source = mlflow::openSource(c.from);
        Result<mlflow::ImportReport> r =
            source ? mlflow::importRegistry(*registry, **source, {}) : Result<mlflow::ImportReport>(source.error());
        EXPECT_TRUE(refusedAs(r, c.kind, c.message)) << c.from.toStdString();
    }
    // A namespace that is not one: refused before anything is read.
    auto source = mlflow::openSource(from());
    ASSERT_TRUE(source);
    mlflow::ImportOptions badNamespace;
    badNamespace.ns = QStringLiteral("Bad NS");
    EXPECT_TRUE(refusedAs(mlflow::importRegistry(*registry, **source, badNamespace), Error::Kind::Invalid,
                          QStringLiteral("The namespace 'Bad NS' is not valid")));
    EXPECT_EQ(db->contentFingerprint(), before);
    // Through modelctl: the exit code says which.
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("import"), QStringLiteral("mlflow"),
                           QStringLiteral("--from"), QStringLiteral("http://127.0.0.1:1")},
                          &out, &err),
              5);
    EXPECT_TRUE(err.contains(QLatin1String("Cannot reach the MLflow server"))) << err.toStdString();
    EXPECT_EQ(db->contentFingerprint(), before);
}

// A workspace-aware MLflow database (a workspace column): --workspace picks one, the default is "default".
TEST_P(MlflowImport, AWorkspaceColumnIsFilteredByWorkspace)
{
    QSqlDatabase m = mlflowDb();
    QStringList sql;
    // (model_version_tags keeps no workspace column: not every table need have one.)
    for (const char *table :
         {"registered_models", "model_versions", "registered_model_tags", "registered_model_aliases"})
        sql << QStringLiteral("ALTER TABLE %1 ADD COLUMN workspace VARCHAR(63) NOT NULL DEFAULT 'default'")
                   .arg(QLatin1String(table));
    for (const char *table : {"registered_models", "model_versions", "registered_model_tags"})
        sql << QStringLiteral("UPDATE %1 SET workspace = 'team-b' WHERE name = 'ranker'").arg(QLatin1String(table));
    ASSERT_EQ(execAll(m, sql), QString());
    int code = 0;
    QString err;
    importJson({QStringLiteral("--workspace"), QStringLiteral("team-b")}, &code, &err);
    ASSERT_EQ(code, 0) << err.toStdString();
    auto models = registry->models();
    ASSERT_TRUE(models);
    ASSERT_EQ(models->size(), 1);
    EXPECT_EQ(models->first().name, QStringLiteral("ranker"));
    importJson({}, &code, &err);
    ASSERT_EQ(code, 0) << err.toStdString();
    // fraud-detector from "default" joins it, with its own versions and stages; ranker is not imported twice.
    EXPECT_EQ(registry->models()->size(), 2);
    EXPECT_EQ(registry->model(QStringLiteral("fraud-detector"))->latestVersion, 4);
    EXPECT_EQ(registry->model(QStringLiteral("fraud-detector"))->productionVersions, QList<int>{2});
    EXPECT_EQ(registry->model(QStringLiteral("ranker"))->latestVersion, 1);
}

// One model per transaction: a model that cannot be imported leaves the others imported, and the summary says it.
TEST_P(MlflowImport, AFailingModelLeavesTheOthersImported)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("ranker")))); // not from MLflow
    int code = 0;
    QString err;
    const QJsonObject report = importJson({}, &code, &err);
    EXPECT_EQ(code, 4) << err.toStdString();
    EXPECT_EQ(report.value(QLatin1String("models_failed")).toInt(), 1);
    const QJsonArray models = report.value(QLatin1String("models")).toArray();
    bool sawRanker = false;
    for (const QJsonValue &m : models)
        if (m[QLatin1String("name")].toString() == QLatin1String("ranker")) {
            sawRanker = true;
            EXPECT_TRUE(m[QLatin1String("error")].toString().contains(
                QLatin1String("already has a model 'ranker' that was not imported from MLflow's 'ranker'")));
        }
    EXPECT_TRUE(sawRanker);
    EXPECT_EQ(registry->model(QStringLiteral("ranker"))->latestVersion, 1);
    EXPECT_EQ(registry->model(QStringLiteral("fraud-detector"))->latestVersion, 4);
    // Into another namespace it goes through.
    const QJsonObject again = importJson(
        {QStringLiteral("--namespace"), QStringLiteral("mlflow"), QStringLiteral("--models"), QStringLiteral("ranker")},
        &code, &err);
    EXPECT_EQ(code, 0) << err.toStdString();
    EXPECT_EQ(registry->model(QStringLiteral("mlflow/ranker"))->latestVersion, 1);
}

// The import transition: from None, once, on a version that has not moved; on PostgreSQL only an admin.
TEST_P(MlflowImport, AnImportedStageIsSetOnceByAnAdmin)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    ASSERT_TRUE(registry->promote(QStringLiteral("fraud"), 2, Stage::Staging, {}));
    ASSERT_TRUE(registry->demote(QStringLiteral("fraud"), 2, QStringLiteral("back")));
    EXPECT_TRUE(refusedAs(registry->importStage(QStringLiteral("fraud"), 2, Stage::Production, QStringLiteral("x")),
                          Error::Kind::Conflict,
                          QStringLiteral("an imported stage is set once, on a version that has not moved yet")));
    EXPECT_TRUE(refusedAs(registry->importStage(QStringLiteral("fraud"), 1, Stage::None, QStringLiteral("x")),
                          Error::Kind::Invalid,
                          QStringLiteral("An imported stage is Staging, Production or Archived")));
    if (GetParam() == Backend::Postgres) {
        auto scientist = db->openAs(QStringLiteral("imp_sci"), QStringLiteral("scientist"));
        ASSERT_TRUE(scientist);
        EXPECT_TRUE(
            refusedAs(scientist->importStage(QStringLiteral("fraud"), 1, Stage::Production, QStringLiteral("x")),
                      Error::Kind::Permission, QStringLiteral("may not import stages (needs modeldesk_admin)")));
        // Plain SQL as the scientist: the same refusal, and the version stays in None.
        EXPECT_TRUE(db->rawError(QStringLiteral("SELECT modeldesk_change_stage((SELECT v.id FROM model_versions v JOIN "
                                                "registered_models m ON m.id = v.model_id WHERE m.name = 'fraud' AND "
                                                "v.version = 1), 'None', 'Production', 'import', 'x', NULL)"),
                                 QStringLiteral("imp_sci"))
                        .contains(QLatin1String("may not import stages")));
    }
    EXPECT_EQ(registry->version(QStringLiteral("fraud"), 1)->stage, Stage::None);
    auto done = registry->importStage(QStringLiteral("fraud"), 1, Stage::Production, QStringLiteral("from MLflow"));
    ASSERT_TRUE(done) << done.error().message.toStdString();
    EXPECT_EQ(registry->version(QStringLiteral("fraud"), 1)->stage, Stage::Production);
    EXPECT_TRUE(refusedAs(registry->importStage(QStringLiteral("fraud"), 1, Stage::Archived, QStringLiteral("x")),
                          Error::Kind::Conflict, QStringLiteral("an imported stage is set once")));
}

// An MLflow registry on PostgreSQL (its usual production store) imports the same.
TEST(MlflowImportPostgres, FromAPostgresqlMlflowDatabaseGivesTheSameRegistry)
{
    TestDatabase mlflowPg(Backend::Postgres);
    ASSERT_TRUE(mlflowPg.ready()) << mlflowPg.error().toStdString();
    auto loc = parseRegistryUrl(mlflowPg.url());
    ASSERT_TRUE(loc);
    {
        QSqlDatabase m = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("mlflow-pg"));
        m.setHostName(loc->host);
        m.setPort(loc->port);
        m.setUserName(loc->user);
        m.setDatabaseName(loc->database);
        ASSERT_TRUE(m.open()) << m.lastError().text().toStdString();
        ASSERT_EQ(createMlflowFixture(m), QString());
        m.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("mlflow-pg"));
    TestDatabase target(Backend::Sqlite);
    auto registry = target.open();
    ASSERT_TRUE(registry);
    auto source = mlflow::openSource(mlflowPg.url());
    ASSERT_TRUE(source) << source.error().message.toStdString();
    auto report = mlflow::importRegistry(*registry, **source, {});
    ASSERT_TRUE(report) << report.error().message.toStdString();
    EXPECT_EQ(dump(*registry), QString::fromUtf8(kExpected));
}

TEST(MlflowNames, MappedToTheNamingRulesOrRefusedWithTheReason)
{
    EXPECT_EQ(*mlflow::modelNameFor(QStringLiteral("Fraud Detector"), {}), QStringLiteral("fraud-detector"));
    EXPECT_EQ(*mlflow::modelNameFor(QStringLiteral("FraudDetector_v2"), {}), QStringLiteral("fraud-detector-v2"));
    EXPECT_EQ(*mlflow::modelNameFor(QStringLiteral("2024 churn"), QStringLiteral("ml")),
              QStringLiteral("ml/model-2024-churn"));
    EXPECT_TRUE(refusedAs(mlflow::modelNameFor(QStringLiteral("***"), {}), Error::Kind::Invalid,
                          QStringLiteral("has no letters or digits to make a ModelDesk name of")));
    EXPECT_TRUE(refusedAs(mlflow::modelNameFor(QString(200, QLatin1Char('a')), {}), Error::Kind::Invalid,
                          QStringLiteral("which is not a valid ModelDesk name")));
}

} // namespace
