// Attacks on the guards that do not touch the guards: temporary tables that shadow registry tables
// inside trigger functions (PostgreSQL: a function without a fixed search_path looks in pg_temp first),
// and statement forms that replace a row without firing UPDATE or DELETE triggers (SQLite: INSERT OR
// REPLACE). Each attack is tried in plain SQL, as psql or sqlite3 would, and must be refused with the
// guard's own reason, changing nothing. Schema v5 (005_hardening.sql).

#include "testdb.h"

using namespace md;
using namespace md::test;

namespace {

// v1 in Staging and v2 in None of model "sec", on the given dialect.
struct SecurityRegistry
{
    void setUp(Backend backend)
    {
        db = std::make_unique<TestDatabase>(backend);
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        registry = db->open();
        ASSERT_TRUE(registry);
        for (int i = 0; i < 2; ++i) {
            VersionSpec spec = sampleSpec(QStringLiteral("sec"));
            spec.params.insert(QStringLiteral("learning_rate"), QStringLiteral("0.1"));
            spec.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
            ASSERT_TRUE(registry->registerVersion(spec));
        }
        ASSERT_TRUE(registry->promote(QStringLiteral("sec"), 1, Stage::Staging, {}));
        vid = db->rawScalar(QStringLiteral("SELECT id FROM model_versions WHERE version = 1")).toLongLong();
    }
    QString stageOf1()
    {
        return db->rawScalar(QStringLiteral("SELECT stage FROM model_versions WHERE version = 1")).toString();
    }
    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
    qint64 vid = 0;
};

class Shadowing : public ::testing::TestWithParam<Backend>, public SecurityRegistry
{
protected:
    void SetUp() override { setUp(GetParam()); }
    bool pg() const { return GetParam() == Backend::Postgres; }
};

class ShadowingPostgres : public ::testing::Test, public SecurityRegistry
{
protected:
    void SetUp() override { setUp(Backend::Postgres); }
};

class ReplaceSqlite : public ::testing::Test, public SecurityRegistry
{
protected:
    void SetUp() override { setUp(Backend::Sqlite); }
};

MD_INSTANTIATE_BOTH(Shadowing);

// The table owner (on PostgreSQL the cluster superuser, who may still create temporary tables) shadows
// the tables the guards read: the guards keep reading the registry's own tables.
TEST_P(Shadowing, TemporaryTablesDoNotShadowRegistryTablesInsideTheGuards)
{
    const QString me = pg() ? QStringLiteral("session_user") : QStringLiteral("'mallory'");
    const QString main = pg() ? QStringLiteral("public.") : QStringLiteral("main.");
    // A fake approved request makes Staging -> Production look approved.
    const QString promoted = db->rawTrial(
        {QStringLiteral("CREATE TEMP TABLE approval_requests (id BIGINT, version_id BIGINT, status TEXT)"),
         QStringLiteral("INSERT INTO approval_requests VALUES (777, %1, 'approved')").arg(vid),
         QStringLiteral("INSERT INTO %1stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason, "
                        "approval_id) VALUES (%2, 'Staging', 'Production', 'promote', %3, '2026-01-01', 'shadow', 777)")
             .arg(main)
             .arg(vid)
             .arg(me),
         QStringLiteral("UPDATE %1model_versions SET stage = 'Production' WHERE id = %2").arg(main).arg(vid)});
    EXPECT_TRUE(promoted.contains(
        QStringLiteral("modeldesk: Staging->Production needs an approved approval request for this version")))
        << promoted.toStdString();
    // A fake transition row makes a bare UPDATE of the stage look recorded.
    const QString updated = db->rawTrial(
        {QStringLiteral("CREATE TEMP TABLE stage_transitions (id BIGINT, version_id BIGINT, from_stage TEXT, "
                        "to_stage TEXT)"),
         QStringLiteral("INSERT INTO stage_transitions VALUES (1000000, %1, 'Staging', 'Production')").arg(vid),
         QStringLiteral("UPDATE %1model_versions SET stage = 'Production' WHERE id = %2").arg(main).arg(vid)});
    EXPECT_TRUE(updated.contains(QStringLiteral("modeldesk: stage changes go through the registry")))
        << updated.toStdString();
    // A fake unsealed version lets metrics be added to a sealed one.
    const QString sealed = db->rawTrial(
        {QStringLiteral("CREATE TEMP TABLE model_versions (id BIGINT, sealed INTEGER)"),
         QStringLiteral("INSERT INTO model_versions VALUES (%1, 0)").arg(vid),
         QStringLiteral("INSERT INTO %1metrics (version_id, name, dataset, slice, value) VALUES (%2, 'forged', '', "
                        "'', 0.99)")
             .arg(main)
             .arg(vid)});
    EXPECT_TRUE(sealed.contains(QStringLiteral("modeldesk: metrics of a registered version are immutable")))
        << sealed.toStdString();
    EXPECT_EQ(stageOf1(), QStringLiteral("Staging"));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM metrics WHERE name = 'forged'")).toInt(), 0);
}

// On PostgreSQL no login may create temporary tables in the registry database at all: every role, a
// login without a role, and one login holding two roles.
// (SQLite has no logins; its trigger bodies resolve names in the trigger's own schema: tested above.)
TEST_F(ShadowingPostgres, NoLoginMayCreateTemporaryTables)
{
    const QList<std::pair<QString, QStringList>> logins{
        {QStringLiteral("sec_reader"), {QStringLiteral("reader")}},
        {QStringLiteral("sec_scientist"), {QStringLiteral("scientist")}},
        {QStringLiteral("sec_reviewer"), {QStringLiteral("reviewer")}},
        {QStringLiteral("sec_deployer"), {QStringLiteral("deployer")}},
        {QStringLiteral("sec_admin"), {QStringLiteral("admin")}},
        {QStringLiteral("sec_nobody"), {}},
        {QStringLiteral("sec_twohats"), {QStringLiteral("scientist"), QStringLiteral("deployer")}}};
    for (const auto &[user, roles] : logins) {
        if (roles.isEmpty()) // a login without any ModelDesk role cannot even open the registry
            ASSERT_EQ(db->rawExec(QStringLiteral("DO $$ BEGIN CREATE ROLE %1 LOGIN; EXCEPTION WHEN duplicate_object "
                                                 "THEN NULL; END $$")
                                      .arg(user)),
                      QString());
        else
            ASSERT_TRUE(db->openAs(user, roles.first())) << user.toStdString();
        for (qsizetype i = 1; i < roles.size(); ++i)
            ASSERT_EQ(db->rawExec(QStringLiteral("GRANT modeldesk_%1 TO %2").arg(roles.at(i), user)), QString());
        for (const QString &form : {QStringLiteral("CREATE TEMP TABLE approval_requests (id BIGINT)"),
                                    QStringLiteral("CREATE TEMPORARY TABLE stage_transitions AS SELECT 1 AS id"),
                                    QStringLiteral("CREATE TEMP VIEW model_versions AS SELECT 1 AS id")}) {
            const QString error = db->rawError(form, user);
            EXPECT_TRUE(error.startsWith(QStringLiteral("[42501]")) &&
                        error.contains(QStringLiteral("permission denied to create temporary tables")))
                << user.toStdString() << ": " << form.toStdString() << " -> " << error.toStdString();
        }
    }
    // Every ModelDesk function resolves names with a fixed path, pg_temp last.
    const QStringList unfixed = db->rawRows(QStringLiteral(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname LIKE "
        "'modeldesk\\_%' AND n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c "
        "WHERE c LIKE 'search\\_path=pg\\_catalog, %, pg\\_temp')"));
    EXPECT_TRUE(unfixed.isEmpty()) << unfixed.join(QLatin1Char(' ')).toStdString();
    EXPECT_GT(db->rawScalar(QStringLiteral("SELECT count(*) FROM pg_proc WHERE proname LIKE 'modeldesk\\_%'")).toInt(),
              10);
}

// SQLite: every statement form that would replace an immutable row is refused, and the row is unchanged.
// (PostgreSQL has no REPLACE; its ON CONFLICT DO UPDATE fires the UPDATE guards, tests/registry/test_integrity.)
TEST_F(ReplaceSqlite, ReplaceNeverChangesImmutableRows)
{
    ASSERT_TRUE(registry->archive(QStringLiteral("sec"), 1, QStringLiteral("done"))); // a few transitions
    struct Attack
    {
        QString sql;
        QString reason;
        QString state;
    };
    const QList<Attack> attacks{
        {QStringLiteral("INSERT OR REPLACE INTO model_versions (id, model_id, version, artifact_uri, artifact_digest, "
                        "source_run, description, created_at, created_by, stage, stage_changed_at, sealed) SELECT id, "
                        "model_id, version, 's3://evil/model.bin', artifact_digest, source_run, description, "
                        "created_at, created_by, 'None', stage_changed_at, 0 FROM model_versions WHERE version = 2"),
         QStringLiteral("modeldesk: a registered version is never replaced"),
         QStringLiteral("SELECT id, version, artifact_uri, stage, sealed FROM model_versions")},
        {QStringLiteral("REPLACE INTO metrics (version_id, name, dataset, slice, value) SELECT version_id, name, "
                        "dataset, slice, 0.999 FROM metrics WHERE version_id = %1")
             .arg(vid),
         QStringLiteral("modeldesk: a recorded metric is never replaced"), QStringLiteral("metrics")},
        {QStringLiteral("REPLACE INTO params (version_id, name, value) SELECT version_id, name, 'forged' FROM params"),
         QStringLiteral("modeldesk: a recorded param is never replaced"), QStringLiteral("params")},
        {QStringLiteral("REPLACE INTO facts (version_id, category, name, value) SELECT version_id, category, name, "
                        "'forged' FROM facts"),
         QStringLiteral("modeldesk: a recorded provenance fact is never replaced"), QStringLiteral("facts")},
        {QStringLiteral("INSERT OR REPLACE INTO stage_transitions (id, version_id, from_stage, to_stage, kind, actor, "
                        "at, reason) SELECT id, version_id, from_stage, to_stage, kind, 'mallory', at, reason FROM "
                        "stage_transitions"),
         QStringLiteral("modeldesk: stage transitions are append-only"), QStringLiteral("stage_transitions")},
        {QStringLiteral("INSERT OR REPLACE INTO audit_log (id, at, actor, action, object_type, object_key, details, "
                        "prev_hash, hash) SELECT id, at, 'mallory', action, object_type, object_key, details, "
                        "prev_hash, hash FROM audit_log"),
         QStringLiteral("modeldesk: the audit log is append-only"), QStringLiteral("audit_log")},
    };
    for (const Attack &a : attacks)
        EXPECT_TRUE(refusedUnchanged(*db, a.sql, a.reason, a.state)) << a.sql.toStdString();
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

} // namespace

namespace {

class AuditCompleteness : public ::testing::TestWithParam<Backend>, public SecurityRegistry
{
protected:
    void SetUp() override { setUp(GetParam()); }
    // What the owner of a SQLite file, or a PostgreSQL superuser, can always do: switch the guards off.
    void liftGuards(const QString &table)
    {
        if (GetParam() == Backend::Postgres) {
            ASSERT_EQ(db->rawExec(QStringLiteral("ALTER TABLE %1 DISABLE TRIGGER USER").arg(table)), QString());
        } else {
            const QStringList triggers = db->rawRows(
                QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '%1'").arg(table));
            for (const QString &t : triggers)
                ASSERT_EQ(db->rawExec(QStringLiteral("DROP TRIGGER %1").arg(t)), QString());
        }
    }
};

MD_INSTANTIATE_BOTH(AuditCompleteness);

TEST_P(AuditCompleteness, AnEmptyLogOnARegistryWithVersionsIsBroken)
{
    ASSERT_TRUE(registry->verifyAudit()->intact);
    liftGuards(QStringLiteral("audit_log"));
    ASSERT_EQ(db->rawExec(QStringLiteral("DELETE FROM audit_log")), QString());
    auto v = registry->verifyAudit();
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->intact);
    EXPECT_EQ(v->entriesChecked, 0);
    EXPECT_EQ(v->problem, QStringLiteral("the log is incomplete: the registry holds 2 versions but the log records 0 "
                                         "(rows were written without ModelDesk, or entries were deleted)"));
    // modelctl says so too, with the conflict exit code.
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("audit"), QStringLiteral("verify")},
                          &out, &err),
              4)
        << out.toStdString() << err.toStdString();
    const QString printed = out + err;
    EXPECT_TRUE(printed.contains(QStringLiteral("the log is incomplete"))) << printed.toStdString();
}

TEST_P(AuditCompleteness, AStageChangeWrittenWithoutModelDeskIsNoticed)
{
    liftGuards(QStringLiteral("stage_transitions"));
    liftGuards(QStringLiteral("model_versions"));
    const QString actor = GetParam() == Backend::Postgres ? QStringLiteral("session_user") : QStringLiteral("'eve'");
    ASSERT_EQ(
        db->rawExec(QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, "
                                   "at, reason) VALUES (%1, 'Staging', 'Production', 'promote', %2, "
                                   "'2026-01-01T00:00:00.000Z', 'quietly')")
                        .arg(vid)
                        .arg(actor)),
        QString());
    auto v = registry->verifyAudit();
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->intact);
    EXPECT_TRUE(v->problem.startsWith(QStringLiteral("the log is incomplete: the registry holds 2 stage changes but "
                                                     "the log records 1")))
        << v->problem.toStdString();
}

} // namespace

namespace {

// Dropping or disabling a guard is always possible for the file's owner or the tables' owner; it never
// goes unnoticed: opening the registry says so (modelctl on stderr, the app in its banner), and
// `audit verify` reports the registry as broken.
class GuardsChanged : public ::testing::TestWithParam<Backend>, public SecurityRegistry
{
protected:
    void SetUp() override { setUp(GetParam()); }
};

MD_INSTANTIATE_BOTH(GuardsChanged);

TEST_P(GuardsChanged, AMissingOrDisabledTriggerIsReportedOnOpenAndByVerify)
{
    EXPECT_EQ(registry->guardsProblem(), QString());
    ASSERT_TRUE(registry->verifyAudit()->intact);
    const bool pg = GetParam() == Backend::Postgres;
    ASSERT_EQ(db->rawExec(pg ? QStringLiteral("ALTER TABLE stage_transitions DISABLE TRIGGER stage_transitions_allowed")
                             : QStringLiteral("DROP TRIGGER stage_transitions_allowed")),
              QString());
    auto reopened = db->open();
    ASSERT_TRUE(reopened);
    const QString expected =
        pg ? QStringLiteral("altered or disabled: trigger stage_transitions.stage_transitions_allowed")
           : QStringLiteral("missing: trigger stage_transitions.stage_transitions_allowed");
    EXPECT_TRUE(reopened->guardsProblem().startsWith(QStringLiteral("The registry's guards were changed outside "
                                                                    "ModelDesk (")))
        << reopened->guardsProblem().toStdString();
    EXPECT_TRUE(reopened->guardsProblem().contains(expected)) << reopened->guardsProblem().toStdString();
    auto verified = reopened->verifyAudit();
    ASSERT_TRUE(verified);
    EXPECT_FALSE(verified->intact);
    EXPECT_TRUE(verified->problem.contains(expected)) << verified->problem.toStdString();
    QString out, err;
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("models")}, &out, &err), 0);
    EXPECT_TRUE(
        err.startsWith(QStringLiteral("modelctl: warning: The registry's guards were changed outside ModelDesk")))
        << err.toStdString();
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("audit"), QStringLiteral("verify")},
                          &out, &err),
              4);
    // Restoring the guard restores trust.
    if (pg) {
        ASSERT_EQ(db->rawExec(QStringLiteral("ALTER TABLE stage_transitions ENABLE TRIGGER stage_transitions_allowed")),
                  QString());
        EXPECT_EQ(db->open()->guardsProblem(), QString());
    }
}

} // namespace
