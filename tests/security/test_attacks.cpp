// The adversarial suite: every login of every role (and a login without a role, and logins holding two
// roles) attacks the registry in plain SQL, as psql would: every write statement form on every table
// (INSERT, UPDATE of every column with a forged value, DELETE, TRUNCATE), DDL, temporary objects, the
// write functions called with forged arguments, forged requests, decisions, gate reports, timestamps and
// audit rows, out-of-sequence version numbers and cross-model references.
//
// Each attack runs in a transaction that is rolled back (deferred checks are forced first), so every attack
// meets the same registry. The verdict:
//   - refused: the database said no, with a ModelDesk reason (SQLSTATE 23000 "modeldesk: ..."), a missing
//     privilege (42501) or a constraint (23502, 23503, 23505, 23514, 0A000), never "something failed";
//   - allowed: only what the login's role may do (a scientist tagging, a reviewer approving, ...), and then
//     the same transaction shows at least one new audit entry: nothing is written unaudited.
// Anything else fails the test. The counts are printed (tried / refused / allowed-and-audited).
//
// SQLite has no logins: the file owner attacks it with every statement form; each attack is refused by a
// trigger, or `audit verify` (completeness, guards fingerprint, head checkpoint) reports the registry broken.

#include "testdb.h"

#include <QJsonDocument>
#include <QMap>
#include <QSet>

#include <iostream>

using namespace md;
using namespace md::test;

namespace {

struct Login
{
    QString user;
    QStringList roles; // ModelDesk roles granted (without the modeldesk_ prefix)
};

const QList<Login> &logins()
{
    static const QList<Login> list{
        {QStringLiteral("atk_reader"), {QStringLiteral("reader")}},
        {QStringLiteral("atk_sci"), {QStringLiteral("scientist")}},
        {QStringLiteral("atk_rev"), {QStringLiteral("reviewer")}},
        {QStringLiteral("atk_dep"), {QStringLiteral("deployer")}},
        {QStringLiteral("atk_adm"), {QStringLiteral("admin")}},
        {QStringLiteral("atk_nobody"), {}},
        {QStringLiteral("atk_twohats"), {QStringLiteral("scientist"), QStringLiteral("reviewer")}},
        {QStringLiteral("atk_shipper"), {QStringLiteral("scientist"), QStringLiteral("deployer")}},
    };
    return list;
}

// What each role may do, as the roles contain each other (admin holds all, every role holds reader).
bool holds(const Login &login, const QString &role)
{
    for (const QString &r : login.roles)
        if (r == role || r == QLatin1String("admin") || (role == QLatin1String("reader") && !r.isEmpty()))
            return true;
    return false;
}

struct Attack
{
    QString what;
    QStringList sql;
    QStringList allowedFor = {};   // roles for which this is a legitimate, audited action; empty: nobody
    QString reason = {};           // for refusals: a fragment the refusal must contain (empty: any accepted reason)
    QStringList allowedUsers = {}; // logins for which it is legitimate whatever their role (the requester)
    bool unaudited = false;        // legitimate bookkeeping the audit log does not record (webhook deliveries)
};

struct Tally
{
    int tried = 0;
    int refused = 0;
    int allowed = 0;
    int noEffect = 0; // accepted with a warning and changing nothing (GRANT without grant option)
    QMap<QString, int> bySqlstate;
};

class AttacksPostgres : public ::testing::Test
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(Backend::Postgres);
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        owner = db->open();
        ASSERT_TRUE(owner);
        for (const Login &l : logins()) {
            if (l.roles.isEmpty()) {
                ASSERT_EQ(db->rawExec(QStringLiteral("DO $$ BEGIN CREATE ROLE %1 LOGIN; EXCEPTION WHEN "
                                                     "duplicate_object OR unique_violation THEN NULL; END $$")
                                          .arg(l.user)),
                          QString());
                continue;
            }
            auto r = db->openAs(l.user, l.roles.first());
            ASSERT_TRUE(r) << l.user.toStdString();
            for (qsizetype i = 1; i < l.roles.size(); ++i)
                ASSERT_EQ(db->rawExec(QStringLiteral("GRANT modeldesk_%1 TO %2").arg(l.roles.at(i), l.user)),
                          QString());
        }
        auto sci = db->openAs(QStringLiteral("atk_sci"), QStringLiteral("scientist"));
        auto rev = db->openAs(QStringLiteral("atk_rev"), QStringLiteral("reviewer"));
        auto dep = db->openAs(QStringLiteral("atk_dep"), QStringLiteral("deployer"));
        ASSERT_TRUE(sci && rev && dep);
        // Gates: auc >= 0.5 to enter Staging and to request Production.
        auto policies = parseGatePolicies(QJsonDocument::fromJson(R"({
            "staging": {"rules": [{"kind": "metric_min", "metric": "auc", "dataset": "test", "threshold": 0.5}]},
            "production": {"rules": [{"kind": "metric_min", "metric": "auc", "dataset": "test", "threshold": 0.5}],
                           "approvals": 1}})")
                                              .object());
        ASSERT_TRUE(policies);
        for (int i = 1; i <= 5; ++i) {
            VersionSpec spec = sampleSpec(QStringLiteral("atk"));
            spec.metrics.first().value = i == 5 ? 0.1 : 0.9;
            spec.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
            spec.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
            spec.tags.insert(QStringLiteral("team"), QStringLiteral("payments"));
            spec.inputs << LineageInput{LineageKind::DatasetVersion, QStringLiteral("clicks"),
                                        QStringLiteral("v%1").arg(i)};
            auto r = sci->registerVersion(spec);
            ASSERT_TRUE(r) << r.error().message.toStdString();
        }
        ASSERT_TRUE(sci->registerVersion(sampleSpec(QStringLiteral("other"))));
        auto set = owner->setGatePolicies(QStringLiteral("atk"), *policies);
        ASSERT_TRUE(set) << set.error().message.toStdString();
        ASSERT_TRUE(sci->setModelTags(QStringLiteral("atk"), {{QStringLiteral("tier"), QStringLiteral("1")}}, {}));
        ASSERT_TRUE(sci->promote(QStringLiteral("atk"), 1, Stage::Staging, {}));
        auto r1 = sci->requestPromotion(QStringLiteral("atk"), 1, Stage::Production, QStringLiteral("first"));
        ASSERT_TRUE(r1) << r1.error().message.toStdString();
        ASSERT_TRUE(rev->decide(r1->id, true, QStringLiteral("ok"), {}));
        ASSERT_TRUE(sci->promote(QStringLiteral("atk"), 2, Stage::Staging, {}));
        auto r2 = sci->requestPromotion(QStringLiteral("atk"), 2, Stage::Production, QStringLiteral("second"));
        ASSERT_TRUE(r2) << r2.error().message.toStdString();
        ASSERT_TRUE(sci->promote(QStringLiteral("atk"), 3, Stage::Staging, {}));
        ASSERT_TRUE(dep->setAlias(QStringLiteral("atk"), QStringLiteral("pinned"), 1, true));
        ASSERT_TRUE(dep->setFollowingAlias(QStringLiteral("atk"), QStringLiteral("champion"), false));
        ASSERT_TRUE(dep->reportDeployment(QStringLiteral("scoring"), QStringLiteral("prod"), QStringLiteral("atk"), 1));
        ASSERT_TRUE(
            owner->setMetricDirection(QStringLiteral("atk"), QStringLiteral("auc"), MetricDirection::HigherIsBetter));
        req1 = r1->id;
        req2 = r2->id;
        for (int v = 1; v <= 5; ++v)
            vid[v] = id(QStringLiteral("SELECT v.id FROM model_versions v JOIN registered_models m ON m.id = "
                                       "v.model_id WHERE m.name = 'atk' AND v.version = %1")
                            .arg(v));
        otherVid = id(QStringLiteral("SELECT v.id FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
                                     "WHERE m.name = 'other'"));
        model = id(QStringLiteral("SELECT id FROM registered_models WHERE name = 'atk'"));
        // A webhook with a delivered event: its tables have rows to attack.
        auto hook = owner->addWebhook({QStringLiteral("http://127.0.0.1:9/hook"),
                                       {QStringLiteral("*")},
                                       {},
                                       QByteArray("0123456789abcdef0123456789abcdef")});
        ASSERT_TRUE(hook) << hook.error().message.toStdString();
        ASSERT_TRUE(sci->setModelTags(QStringLiteral("atk"), {{QStringLiteral("tier"), QStringLiteral("2")}}, {}));
        ASSERT_TRUE(owner->enqueueWebhookDeliveries());
        auto claimed = owner->claimWebhookDeliveries(QStringLiteral("attack-setup"), 1, 1, 60);
        ASSERT_TRUE(claimed && claimed->size() == 1);
        AttemptResult attempt;
        attempt.startedAt = QStringLiteral("2026-12-03T10:00:00.000Z");
        attempt.statusCode = 200;
        ASSERT_TRUE(owner->finishWebhookDelivery(claimed->first(), QStringLiteral("attack-setup"), attempt,
                                                 DeliveryDecision{DeliveryDecision::Outcome::Delivered, 0, {}}));
        ASSERT_TRUE(owner->verifyAudit()->intact);
    }

    qint64 id(const QString &sql) { return db->rawScalar(sql).toLongLong(); }

    // Every row of every registry table, the tables' privileges and the triggers, hashed: "nothing changed".
    QString digestSql()
    {
        const QStringList tables = db->rawRows(
            QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"));
        QStringList parts;
        for (const QString &t : tables)
            if (t != QLatin1String("webhook_secrets")) // unreadable but for admins; its writes are refused (42501)
                parts << QStringLiteral(
                             "(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM %1 x)")
                             .arg(t);
        parts << QStringLiteral(
                     "(SELECT md5(string_agg(relname::text || coalesce(relacl::text, '') || relowner::text, ',' "
                     "ORDER BY relname)) FROM pg_class WHERE relnamespace = 'public'::regnamespace)")
              << QStringLiteral(
                     "(SELECT md5(string_agg(tgname::text || tgenabled::text, ',' ORDER BY tgname)) FROM pg_trigger)");
        return QStringLiteral("md5(") + parts.join(QStringLiteral(" || ")) + QLatin1Char(')');
    }
    QString digest() { return db->rawScalar(QStringLiteral("SELECT ") + digestSql()).toString(); }

    // A forged value of a column's type that differs from every stored value.
    static QString forged(const QString &column, const QString &type)
    {
        if (type == QLatin1String("text"))
            return QStringLiteral("coalesce(%1, '') || 'x'").arg(column);
        if (type == QLatin1String("integer"))
            return QStringLiteral("CASE WHEN %1 = 0 THEN 1 WHEN %1 = 1 THEN 0 ELSE coalesce(%1, 0) + 1 END")
                .arg(column);
        if (type == QLatin1String("double precision"))
            return QStringLiteral("%1 + 0.5").arg(column);
        if (type == QLatin1String("bytea"))
            return QStringLiteral("%1 || '\\x00'::bytea").arg(column);
        return QStringLiteral("coalesce(%1, 0) + 1").arg(column); // bigint ids: another row's id
    }

    // Every write statement form on every table, and DDL on it.
    QList<Attack> tableAttacks()
    {
        // What a role may legitimately write directly (the rest goes through the write functions).
        const QMap<QString, QStringList> updatable{
            {QStringLiteral("registered_models.description"), {QStringLiteral("scientist")}},
            {QStringLiteral("model_versions.description"), {QStringLiteral("scientist")}},
            // A tag's key and value: not whom it belongs to (schema v9; moving one between models was unaudited).
            {QStringLiteral("version_tags.*"), {QStringLiteral("scientist")}},
            {QStringLiteral("version_tags.version_id"), {}},
            {QStringLiteral("model_tags.*"), {QStringLiteral("scientist")}},
            {QStringLiteral("model_tags.model_id"), {}},
            {QStringLiteral("webhooks.*"), {QStringLiteral("admin")}}};
        // The webhook queue's bookkeeping: the deliverer's (an admin login), not audited.
        const QStringList bookkeeping{QStringLiteral("webhook_deliveries"), QStringLiteral("webhook_attempts"),
                                      QStringLiteral("webhook_secrets")};
        auto adminKeeps = [&](const QString &table) {
            return bookkeeping.contains(table) ? QStringList{QStringLiteral("admin")} : QStringList{};
        };
        QList<Attack> list;
        const QStringList columns = db->rawRows(QStringLiteral(
            "SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns WHERE "
            "table_schema = 'public' ORDER BY table_name, ordinal_position"));
        QMap<QString, QStringList> insertable; // table -> non-identity columns
        for (const QString &row : columns) {
            const QStringList c = row.split(QLatin1Char('|'));
            const QString table = c.at(0), column = c.at(1);
            if (c.at(3) != QLatin1String("YES"))
                insertable[table] << column;
            QStringList allowed =
                updatable.value(table + QLatin1Char('.') + column, updatable.value(table + QStringLiteral(".*")));
            // Moving a tag onto another row's id may meet a key that exists: then it is refused.
            const bool keeping = bookkeeping.contains(table) ||
                                 (table == QLatin1String("webhooks") && column == QLatin1String("cursor"));
            list << Attack{QStringLiteral("UPDATE %1.%2 forged").arg(table, column),
                           {QStringLiteral("UPDATE %1 SET %2 = %3").arg(table, column, forged(column, c.at(2)))},
                           keeping ? QStringList{QStringLiteral("admin")} : allowed,
                           {},
                           {},
                           keeping};
        }
        for (auto it = insertable.begin(); it != insertable.end(); ++it) {
            const QString table = it.key();
            const QString cols = it.value().join(QStringLiteral(", "));
            const QStringList tagTables{QStringLiteral("version_tags"), QStringLiteral("model_tags")};
            // Copies of deployment reports are reports by their reporter, who may repeat them.
            const QStringList webhookAdmin =
                table == QLatin1String("webhooks") ? QStringList{QStringLiteral("admin")} : adminKeeps(table);
            list << Attack{QStringLiteral("INSERT copies into %1").arg(table),
                           {QStringLiteral("INSERT INTO %1 (%2) SELECT %2 FROM %1").arg(table, cols)},
                           webhookAdmin,
                           {},
                           table == QLatin1String("deployments") ? QStringList{QStringLiteral("atk_dep")}
                                                                 : QStringList{},
                           bookkeeping.contains(table)};
            // An upsert of copies that skips conflicts: refused, or it changes nothing.
            list << Attack{
                QStringLiteral("upsert into %1").arg(table),
                {QStringLiteral("INSERT INTO %1 (%2) SELECT %2 FROM %1 ON CONFLICT DO NOTHING").arg(table, cols)},
                webhookAdmin,
                {},
                table == QLatin1String("deployments") ? QStringList{QStringLiteral("atk_dep")} : QStringList{},
                bookkeeping.contains(table)};
            list << Attack{QStringLiteral("DELETE FROM %1").arg(table),
                           {QStringLiteral("DELETE FROM %1").arg(table)},
                           tagTables.contains(table) ? QStringList{QStringLiteral("scientist")} : webhookAdmin,
                           {},
                           {},
                           bookkeeping.contains(table)};
            list << Attack{QStringLiteral("TRUNCATE %1").arg(table),
                           {QStringLiteral("TRUNCATE %1 CASCADE").arg(table)}};
            list << Attack{QStringLiteral("DISABLE TRIGGER on %1").arg(table),
                           {QStringLiteral("ALTER TABLE %1 DISABLE TRIGGER ALL").arg(table)}};
            list << Attack{QStringLiteral("DROP TABLE %1").arg(table),
                           {QStringLiteral("DROP TABLE %1 CASCADE").arg(table)}};
            list << Attack{QStringLiteral("ADD COLUMN to %1").arg(table),
                           {QStringLiteral("ALTER TABLE %1 ADD COLUMN forged integer").arg(table)}};
            list << Attack{QStringLiteral("GRANT ALL on %1").arg(table),
                           {QStringLiteral("GRANT ALL ON %1 TO PUBLIC").arg(table)}};
            list << Attack{QStringLiteral("RULE on %1").arg(table),
                           {QStringLiteral("CREATE RULE forged AS ON INSERT TO %1 DO INSTEAD NOTHING").arg(table)}};
            list << Attack{QStringLiteral("own trigger on %1").arg(table),
                           {QStringLiteral("CREATE TRIGGER forged BEFORE INSERT ON %1 FOR EACH STATEMENT EXECUTE "
                                           "FUNCTION suppress_redundant_updates_trigger()")
                                .arg(table)}};
        }
        return list;
    }

    // Forged rows, temporary objects, DDL on the guards, and the write functions misused.
    QList<Attack> targetedAttacks()
    {
        const QString v1 = QString::number(vid[1]), v2 = QString::number(vid[2]), v3 = QString::number(vid[3]),
                      v4 = QString::number(vid[4]), v5 = QString::number(vid[5]), other = QString::number(otherVid),
                      m = QString::number(model), r1 = QString::number(req1), r2 = QString::number(req2);
        const QString mod = QStringLiteral("modeldesk: ");
        return {
            // Temporary objects and schema changes.
            {QStringLiteral("temp table shadowing approval_requests"),
             {QStringLiteral("CREATE TEMP TABLE approval_requests (id bigint, version_id bigint, status text)")},
             {},
             QStringLiteral("permission denied to create temporary tables")},
            {QStringLiteral("temp view"),
             {QStringLiteral("CREATE TEMP VIEW stage_transitions AS SELECT 1 AS id")},
             {},
             QStringLiteral("permission denied to create temporary tables")},
            {QStringLiteral("table in the registry schema"), {QStringLiteral("CREATE TABLE public.forged (id int)")}},
            {QStringLiteral("function in the registry schema"),
             {QStringLiteral("CREATE FUNCTION public.modeldesk_forged() RETURNS int LANGUAGE sql AS 'SELECT 1'")}},
            {QStringLiteral("replace a guard function"),
             {QStringLiteral("CREATE OR REPLACE FUNCTION modeldesk_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                             "'BEGIN RETURN NEW; END'")}},
            {QStringLiteral("make a helper SECURITY DEFINER"),
             {QStringLiteral("ALTER FUNCTION modeldesk_is(text) SECURITY DEFINER")}},
            {QStringLiteral("drop the stage guard"),
             {QStringLiteral("DROP FUNCTION modeldesk_stage_transition_allowed() CASCADE")}},
            {QStringLiteral("drop a trigger"), {QStringLiteral("DROP TRIGGER model_versions_guard ON model_versions")}},
            {QStringLiteral("replica mode skips the triggers"),
             {QStringLiteral("SET LOCAL session_replication_role = replica"),
              QStringLiteral("UPDATE model_versions SET stage = 'Production' WHERE id = %1").arg(v2)},
             {},
             QStringLiteral("permission denied to set parameter")},
            {QStringLiteral("become the owner"),
             {QStringLiteral("SET LOCAL ROLE modeldesk_owner"), QStringLiteral("DELETE FROM audit_log")}},
            {QStringLiteral("schema of one's own first in the path"), {QStringLiteral("CREATE SCHEMA forged")}},
            // Forged lifecycle rows.
            {QStringLiteral("request inserted already approved"),
             {QStringLiteral("INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, reason, "
                             "status, gates_passed, gate_report, required_approvals) VALUES (%1, 'Production', "
                             "session_user, '2020-01-01', 'x', 'approved', 1, '{\"passed\": true}', 1)")
                  .arg(v3)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("decision in a reviewer's name"),
             {QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) VALUES (%1, "
                             "'atk_rev', 'approve', 'ok', '2020-01-01')")
                  .arg(r2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("request flipped to approved"),
             {QStringLiteral("UPDATE approval_requests SET status = 'approved' WHERE id = %1").arg(r2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("gate report rewritten"),
             {QStringLiteral("UPDATE approval_requests SET gate_report = '{\"passed\": true}', gates_passed = 1, "
                             "required_approvals = 1 WHERE id = %1")
                  .arg(r2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("transition row to Production reusing another version's promoted request"),
             {QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, "
                             "approval_id) VALUES (%1, 'Staging', 'Production', 'promote', session_user, "
                             "'2020-01-01', %2)")
                  .arg(v2, r1)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("stage set directly"),
             {QStringLiteral("UPDATE model_versions SET stage = 'Production' WHERE id = %1").arg(v2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("backdated Staging entry (the min-staging-hours gate)"),
             {QStringLiteral("UPDATE model_versions SET stage_changed_at = '2000-01-01T00:00:00.000Z' WHERE id = %1")
                  .arg(v2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("correctly chained, backdated audit entry"),
             {QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_key, details, prev_hash, "
                             "hash) SELECT '2020-01-01T00:00:00.000Z', session_user, 'stage_promote', "
                             "'model_version', 'atk@v2', '{}', hash, encode(sha256(convert_to(hash || chr(31) || "
                             "'2020-01-01T00:00:00.000Z' || chr(31) || session_user || chr(31) || 'stage_promote' || "
                             "chr(31) || 'model_version' || chr(31) || 'atk@v2' || chr(31) || '{}', 'UTF8')), 'hex') "
                             "FROM audit_log ORDER BY id DESC LIMIT 1")},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("audit entry through the append function"),
             {QStringLiteral("SELECT modeldesk_record('stage_promote', 'model_version', 'atk@v2', '{}', NULL, NULL, "
                             "NULL)")},
             {},
             QStringLiteral("permission denied for function modeldesk_record")},
            {QStringLiteral("forged outbox event"),
             {QStringLiteral("INSERT INTO outbox_events (event_type, payload, created_at) VALUES "
                             "('version.stage_changed', '{\"to\": \"Production\"}', '2020-01-01')")},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("version out of sequence"),
             {QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, created_at, created_by, "
                             "stage_changed_at) VALUES (%1, 99, 's3://evil', 'x', session_user, 'x')")
                  .arg(m)},
             {}},
            {QStringLiteral("version number skipped"),
             {QStringLiteral("UPDATE registered_models SET last_version = last_version + 5 WHERE id = %1").arg(m)},
             {}},
            {QStringLiteral("version number taken without a version"),
             {QStringLiteral("UPDATE registered_models SET last_version = last_version + 1 WHERE id = %1").arg(m)},
             {}},
            {QStringLiteral("version registered and left unsealed"),
             {QStringLiteral("UPDATE registered_models SET last_version = last_version + 1 WHERE id = %1").arg(m),
              QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, created_at, created_by, "
                             "stage_changed_at) SELECT id, last_version, 's3://x', 'x', session_user, 'x' FROM "
                             "registered_models WHERE id = %1")
                  .arg(m)},
             {}},
            {QStringLiteral("version registered in plain SQL, sealed, with a forged time"),
             {QStringLiteral("UPDATE registered_models SET last_version = last_version + 1 WHERE id = %1").arg(m),
              QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, created_at, created_by, "
                             "stage_changed_at) SELECT id, last_version, 's3://x', '2001-01-01', session_user, "
                             "'2001-01-01' FROM registered_models WHERE id = %1")
                  .arg(m),
              QStringLiteral("UPDATE model_versions SET sealed = 1 WHERE sealed = 0")},
             {QStringLiteral("scientist")}},
            {QStringLiteral("metric added to a sealed version"),
             {QStringLiteral("INSERT INTO metrics (version_id, name, dataset, slice, value) VALUES (%1, 'auc', "
                             "'forged', '', 0.99)")
                  .arg(v1)},
             {}},
            {QStringLiteral("deployment naming another model's version"),
             {QStringLiteral("INSERT INTO deployments (service, environment, model_id, version_id, reported_at, "
                             "reported_by) VALUES ('s', 'e', %1, %2, 'x', session_user)")
                  .arg(m, other)},
             {}},
            {QStringLiteral("deployment in someone else's name"),
             {QStringLiteral("INSERT INTO deployments (service, environment, model_id, version_id, reported_at, "
                             "reported_by) VALUES ('s', 'e', %1, %2, 'x', 'atk_rev')")
                  .arg(m, v1)},
             {}},
            {QStringLiteral("deployment reported"),
             {QStringLiteral("INSERT INTO deployments (service, environment, model_id, version_id, reported_at, "
                             "reported_by) VALUES ('s', 'e', %1, %2, '2001-01-01', session_user)")
                  .arg(m, v1)},
             {QStringLiteral("deployer")}},
            // Upserts whose conflict arm rewrites the row.
            {QStringLiteral("metric rewritten by an upsert"),
             {QStringLiteral("INSERT INTO metrics (version_id, name, dataset, slice, value) VALUES (%1, 'auc', 'test', "
                             "'', 0.99) ON CONFLICT (version_id, name, dataset, slice) DO UPDATE SET value = "
                             "excluded.value")
                  .arg(v1)},
             {}},
            {QStringLiteral("alias moved by an upsert"),
             {QStringLiteral("INSERT INTO aliases (model_id, alias, version_id, protected, follows, updated_at, "
                             "updated_by) VALUES (%1, 'pinned', %2, 0, '', 'x', session_user) ON CONFLICT (model_id, "
                             "alias) DO UPDATE SET version_id = excluded.version_id, protected = 0")
                  .arg(m, v2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("request approved by an upsert"),
             {QStringLiteral("INSERT INTO approval_requests (id, version_id, to_stage, requested_by, requested_at, "
                             "reason, status, gates_passed, gate_report) VALUES (%1, %2, 'Production', session_user, "
                             "'x', 'x', 'pending', 1, '{}') ON CONFLICT (id) DO UPDATE SET status = 'approved'")
                  .arg(r2, v2)},
             {},
             QStringLiteral("[42501]")},
            {QStringLiteral("tag rewritten by an upsert"),
             {QStringLiteral("INSERT INTO version_tags (version_id, key, value) VALUES (%1, 'team', 'forged') ON "
                             "CONFLICT (version_id, key) DO UPDATE SET value = excluded.value")
                  .arg(v1)},
             {QStringLiteral("scientist")}},
            // The write functions with forged arguments.
            {QStringLiteral("promote with another version's request"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'Staging', 'Production', 'promote', 'x', %2)")
                  .arg(v2, r1)},
             {}},
            {QStringLiteral("promote with the version's pending request"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'Staging', 'Production', 'promote', 'x', %2)")
                  .arg(v2, r2)},
             {}},
            {QStringLiteral("None straight to Production"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'None', 'Production', 'promote', 'x', NULL)").arg(v4)},
             {}},
            {QStringLiteral("rollback to a version that never served"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'Staging', 'Production', 'rollback', 'x', NULL)")
                  .arg(v3)},
             {}},
            {QStringLiteral("a version whose gates fail moved to Staging"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'None', 'Staging', 'promote', '', NULL)").arg(v5)},
             {}},
            {QStringLiteral("a stage change from a stage the version is not in"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'Archived', 'Production', 'rollback', 'x', NULL)")
                  .arg(v4)},
             {}},
            {QStringLiteral("None to Staging"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'None', 'Staging', 'promote', '', NULL)").arg(v4)},
             {QStringLiteral("scientist"), QStringLiteral("deployer")}},
            {QStringLiteral("archive the Production version"),
             {QStringLiteral("SELECT modeldesk_change_stage(%1, 'Production', 'Archived', 'archive', 'x', NULL)")
                  .arg(v1)},
             {QStringLiteral("deployer")}},
            {QStringLiteral("request for a version in None"),
             {QStringLiteral("SELECT modeldesk_request_promotion(%1, 'x')").arg(v4)},
             {}},
            {QStringLiteral("second open request"),
             {QStringLiteral("SELECT modeldesk_request_promotion(%1, 'x')").arg(v2)},
             {}},
            {QStringLiteral("request promotion"),
             {QStringLiteral("SELECT modeldesk_request_promotion(%1, 'x')").arg(v3)},
             {QStringLiteral("scientist")}},
            {QStringLiteral("approve a request"),
             {QStringLiteral("SELECT modeldesk_decide(%1, 'approve', 'ok', '')").arg(r2)},
             {QStringLiteral("reviewer")}},
            {QStringLiteral("approve a promoted request again"),
             {QStringLiteral("SELECT modeldesk_decide(%1, 'approve', 'ok', '')").arg(r1)},
             {}},
            {QStringLiteral("decision that is neither approve nor reject"),
             {QStringLiteral("SELECT modeldesk_decide(%1, 'promote', 'ok', '')").arg(r2)},
             {}},
            {QStringLiteral("withdraw the request"),
             {QStringLiteral("SELECT modeldesk_withdraw_request(%1, 'x')").arg(r2)},
             {QStringLiteral("admin")},
             {},
             {QStringLiteral("atk_sci")}},
            {QStringLiteral("move the protected alias"),
             {QStringLiteral("SELECT modeldesk_set_alias(%1, 'pinned', %2, true, '')").arg(m, v2)},
             {QStringLiteral("deployer")}},
            {QStringLiteral("unprotect the protected alias"),
             {QStringLiteral("SELECT modeldesk_set_alias(%1, 'pinned', %2, false, '')").arg(m, v1)},
             {QStringLiteral("deployer")}},
            {QStringLiteral("remove the protected alias"),
             {QStringLiteral("SELECT modeldesk_remove_alias(%1, 'pinned')").arg(m)},
             {QStringLiteral("deployer")}},
            {QStringLiteral("alias on another model's version"),
             {QStringLiteral("SELECT modeldesk_set_alias(%1, 'stolen', %2, false, '')").arg(m, other)},
             {}},
            {QStringLiteral("following alias pointed away from Production"),
             {QStringLiteral("SELECT modeldesk_set_alias(%1, 'champion', %2, false, 'production')").arg(m, v2)},
             {}},
            {QStringLiteral("new unprotected alias"),
             {QStringLiteral("SELECT modeldesk_set_alias(%1, 'challenger', %2, false, '')").arg(m, v2)},
             {QStringLiteral("scientist"), QStringLiteral("deployer")}},
            {QStringLiteral("gate policy emptied"),
             {QStringLiteral("SELECT modeldesk_set_gate_policy(%1, 'production', '{\"rules\": [], \"approvals\": 1}')")
                  .arg(m)},
             {QStringLiteral("admin")}},
            {QStringLiteral("metric direction flipped"),
             {QStringLiteral("SELECT modeldesk_set_metric_direction(%1, 'auc', 'lower')").arg(m)},
             {QStringLiteral("admin")}},
            {QStringLiteral("max_production raised"),
             {QStringLiteral("SELECT modeldesk_set_max_production(%1, 5)").arg(m)},
             {QStringLiteral("admin")}},
            {QStringLiteral("a grant recorded that did not happen"),
             {QStringLiteral("SELECT modeldesk_record_grant('admin', 'atk_reader')")},
             {}},
        };
    }

    // Runs one attack as `login` and judges it; returns the failure text, or "".
    QString judge(const Login &login, const Attack &a, Tally &tally)
    {
        ++tally.tried;
        QStringList sql = a.sql;
        sql << QStringLiteral("SET CONSTRAINTS ALL IMMEDIATE"); // the checks that run at commit, now
        const auto trial = db->rawProbe(
            sql, QStringLiteral("SELECT (SELECT count(*) FROM audit_log) || ' ' || ") + m_digest, login.user);
        bool legitimate = a.allowedUsers.contains(login.user);
        for (const QString &role : a.allowedFor)
            legitimate = legitimate || holds(login, role);
        const QString where = login.user + QStringLiteral(": ") + a.what + QStringLiteral(" -> ");
        if (trial.error.isEmpty()) {
            const bool changed = trial.after != trial.before;
            if (!legitimate && !changed && !trial.before.startsWith(QLatin1String("<unreadable"))) {
                ++tally.noEffect;
                return {};
            }
            if (!legitimate)
                return where + QStringLiteral("ALLOWED (must be refused)");
            if (!a.unaudited && trial.after.section(QLatin1Char(' '), 0, 0).toLongLong() <=
                                    trial.before.section(QLatin1Char(' '), 0, 0).toLongLong())
                return where +
                       QStringLiteral("allowed without an audit entry (%1 -> %2)").arg(trial.before, trial.after);
            ++tally.allowed;
            return {};
        }
        const QString state = trial.error.mid(1, trial.error.indexOf(QLatin1Char(']')) - 1);
        static const QSet<QString> constraints{QStringLiteral("23502"), QStringLiteral("23503"),
                                               QStringLiteral("23505"), QStringLiteral("23514"),
                                               QStringLiteral("0A000")};
        const bool modeldesk = trial.error.contains(QLatin1String("modeldesk:"));
        const bool ownReason = state == QLatin1String("42501") || (state == QLatin1String("23000") && modeldesk) ||
                               constraints.contains(state);
        // A legitimate write may still meet a constraint (a copy of a row with a unique key).
        if (legitimate && !constraints.contains(state) &&
            !(state == QLatin1String("23000") && modeldesk && a.allowedFor == QStringList{QStringLiteral("admin")}))
            return where + QStringLiteral("refused although the role may: ") + trial.error;
        if (!ownReason)
            return where + QStringLiteral("refused without a ModelDesk reason: ") + trial.error;
        if (!a.reason.isEmpty() && !trial.error.contains(a.reason))
            return where + QStringLiteral("refused for another reason than \"%1\": %2").arg(a.reason, trial.error);
        ++tally.refused;
        ++tally.bySqlstate[state];
        return {};
    }

    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> owner;
    QHash<int, qint64> vid;
    qint64 otherVid = 0;
    qint64 model = 0;
    qint64 req1 = 0;
    qint64 req2 = 0;
    QString m_digest;
};

TEST_F(AttacksPostgres, EveryLoginEveryStatementFormEveryTable)
{
    const QString before = digest();
    m_digest = digestSql();
    const QList<Attack> attacks = tableAttacks() + targetedAttacks();
    ASSERT_GT(attacks.size(), 200);
    Tally tally;
    QStringList failures;
    for (const Login &login : logins())
        for (const Attack &a : attacks)
            if (const QString failure = judge(login, a, tally); !failure.isEmpty())
                failures << failure;
    EXPECT_TRUE(failures.isEmpty()) << failures.size() << " of " << tally.tried << " attacks:\n"
                                    << failures.join(QLatin1Char('\n')).toStdString();
    QStringList states;
    for (auto it = tally.bySqlstate.begin(); it != tally.bySqlstate.end(); ++it)
        states << QStringLiteral("%1 x%2").arg(it.key()).arg(it.value());
    std::cout << "attacks on PostgreSQL: " << tally.tried << " tried, " << tally.refused << " refused ("
              << states.join(QStringLiteral(", ")).toStdString() << "), " << tally.noEffect
              << " accepted without effect, " << tally.allowed << " allowed for the role and audited\n";
    // Every attack ran in a transaction that was rolled back: the registry is as it was, and its log verifies.
    EXPECT_EQ(digest(), before);
    EXPECT_TRUE(owner->verifyAudit()->intact);
    // The legitimate actions happened for someone, and the refusals outnumber them.
    EXPECT_GT(tally.allowed, 50);
    EXPECT_GT(tally.refused, tally.allowed * 10);
}

} // namespace

namespace {

// SQLite: v1 in Production (requested by alice, approved by rita), v2 in Staging with a pending request,
// v3 in None; tags, aliases, a deployment and a gate policy; the audit log's checkpoint taken at the end.
struct SqliteRegistry
{
    void build()
    {
        db = std::make_unique<TestDatabase>(Backend::Sqlite);
        auto alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
        auto rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
        ASSERT_TRUE(alice && rita);
        for (int i = 1; i <= 3; ++i) {
            VersionSpec spec = sampleSpec(QStringLiteral("atk"));
            spec.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
            spec.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
            spec.tags.insert(QStringLiteral("team"), QStringLiteral("payments"));
            spec.inputs << LineageInput{LineageKind::DatasetVersion, QStringLiteral("clicks"),
                                        QStringLiteral("v%1").arg(i)};
            ASSERT_TRUE(alice->registerVersion(spec));
        }
        ASSERT_TRUE(alice->promote(QStringLiteral("atk"), 1, Stage::Staging, {}));
        auto r1 = alice->requestPromotion(QStringLiteral("atk"), 1, Stage::Production, QStringLiteral("first"));
        ASSERT_TRUE(r1);
        ASSERT_TRUE(rita->decide(r1->id, true, QStringLiteral("ok"), {}));
        ASSERT_TRUE(alice->promote(QStringLiteral("atk"), 2, Stage::Staging, {}));
        ASSERT_TRUE(alice->requestPromotion(QStringLiteral("atk"), 2, Stage::Production, QStringLiteral("second")));
        ASSERT_TRUE(alice->setAlias(QStringLiteral("atk"), QStringLiteral("pinned"), 1, true));
        ASSERT_TRUE(
            alice->reportDeployment(QStringLiteral("scoring"), QStringLiteral("prod"), QStringLiteral("atk"), 1));
        ASSERT_TRUE(alice->setModelTags(QStringLiteral("atk"), {{QStringLiteral("tier"), QStringLiteral("1")}}, {}));
        GatePolicies policies;
        policies.production.approvals = 1;
        ASSERT_TRUE(alice->setGatePolicies(QStringLiteral("atk"), policies));
        registry = db->open();
        ASSERT_TRUE(registry);
        auto c = registry->auditCheckpoint();
        ASSERT_TRUE(c);
        checkpoint = *c;
        auto v = registry->verifyAudit(checkpoint);
        ASSERT_TRUE(v && v->intact) << (v ? v->problem.toStdString() : std::string());
    }
    // Every row of every table, as text.
    QString digest()
    {
        QStringList all;
        for (const QString &t : db->rawRows(QStringLiteral(
                 "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))) {
            QStringList rows = db->rawRows(QStringLiteral("SELECT * FROM %1").arg(t));
            rows.sort();
            all << t << rows;
        }
        return all.join(QLatin1Char('\n'));
    }
    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
    AuditCheckpoint checkpoint;
};

class AttacksSqlite : public ::testing::Test, public SqliteRegistry
{
protected:
    void SetUp() override { build(); }
};

// The sqlite3 shell does not define the function every write trigger calls: no statement form writes any
// table, and nothing changes.
TEST_F(AttacksSqlite, TheShellCannotWriteAnyTableInAnyForm)
{
    const QString before = digest();
    int tried = 0, refused = 0;
    QStringList failures;
    const QStringList tables = db->rawRows(QStringLiteral(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
    ASSERT_GE(tables.size(), 20);
    for (const QString &t : tables) {
        QStringList forms{QStringLiteral("INSERT INTO %1 SELECT * FROM %1").arg(t),
                          QStringLiteral("INSERT OR REPLACE INTO %1 SELECT * FROM %1").arg(t),
                          QStringLiteral("REPLACE INTO %1 SELECT * FROM %1").arg(t),
                          QStringLiteral("INSERT INTO %1 SELECT * FROM %1 WHERE true ON CONFLICT DO NOTHING").arg(t),
                          QStringLiteral("INSERT OR IGNORE INTO %1 SELECT * FROM %1").arg(t),
                          QStringLiteral("DELETE FROM %1").arg(t)};
        for (const QString &column : db->rawRows(QStringLiteral("SELECT name FROM pragma_table_info('%1')").arg(t)))
            forms << QStringLiteral("UPDATE %1 SET %2 = coalesce(%2, '') || 'x'").arg(t, column)
                  << QStringLiteral("UPDATE OR REPLACE %1 SET %2 = coalesce(%2, 0) + 1").arg(t, column);
        for (const QString &sql : forms) {
            ++tried;
            const QString error = db->rawShell(sql);
            if (error.contains(QLatin1String("no such function: modeldesk_use_modelctl")))
                ++refused;
            else
                failures << sql + QStringLiteral(" -> ") + (error.isEmpty() ? QStringLiteral("ALLOWED") : error);
        }
    }
    EXPECT_TRUE(failures.isEmpty()) << failures.join(QLatin1Char('\n')).toStdString();
    EXPECT_EQ(digest(), before);
    auto v = registry->verifyAudit(checkpoint);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->intact) << v->problem.toStdString();
    std::cout << "attacks on SQLite through the sqlite3 shell: " << tried << " tried, " << refused << " refused\n";
}

// Whoever lifts the guards (drops triggers, writes, perhaps puts identical triggers back) is found by
// `audit verify`: the guards fingerprint, the chain, completeness, stage consistency, the registered
// content and the head checkpoint. Each attack meets a fresh registry.
TEST(AttacksSqliteLifted, EveryLiftedGuardWriteIsDetected)
{
    struct Lifted
    {
        QString what;
        QStringList triggersOf; // tables whose triggers are dropped for the write (and put back unless `leave`)
        QStringList sql;
        QString detected; // a fragment of verify's problem
        bool leave = false;
        bool checkpoint = true; // verify against the checkpoint taken before the attack
    };
    const QList<Lifted> attacks{
        {QStringLiteral("guard dropped and left"),
         {QStringLiteral("aliases")},
         {QStringLiteral("UPDATE aliases SET version_id = 2")},
         QStringLiteral("guards were changed"),
         true},
        {QStringLiteral("metric edited behind identical guards"),
         {QStringLiteral("metrics")},
         {QStringLiteral("UPDATE metrics SET value = 0.99 WHERE version_id = 1")},
         QStringLiteral("no longer holds the metrics, params and facts it was registered with")},
        {QStringLiteral("param added to a sealed version"),
         {QStringLiteral("params")},
         {QStringLiteral("INSERT INTO params (version_id, name, value) VALUES (1, 'forged', '1')")},
         QStringLiteral("no longer holds the metrics")},
        {QStringLiteral("newest audit entries deleted"),
         {QStringLiteral("audit_log")},
         {QStringLiteral("DELETE FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)")},
         QStringLiteral("fewer than the")},
        {QStringLiteral("whole audit log deleted"),
         {QStringLiteral("audit_log")},
         {QStringLiteral("DELETE FROM audit_log")},
         QStringLiteral("fewer than the")},
        {QStringLiteral("whole audit log deleted, no checkpoint kept"),
         {QStringLiteral("audit_log")},
         {QStringLiteral("DELETE FROM audit_log")},
         QStringLiteral("the log is incomplete"),
         false,
         false},
        {QStringLiteral("audit entry edited"),
         {QStringLiteral("audit_log")},
         {QStringLiteral("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")},
         QStringLiteral("was changed after it was written")},
        {QStringLiteral("stage set without a transition"),
         {QStringLiteral("model_versions")},
         {QStringLiteral("UPDATE model_versions SET stage = 'Production' WHERE version = 2")},
         QStringLiteral("which no recorded stage change took it to")},
        {QStringLiteral("forged transition and stage"),
         {QStringLiteral("model_versions"), QStringLiteral("stage_transitions")},
         {QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason) "
                         "SELECT id, 'Staging', 'Production', 'promote', 'mallory', '2026-01-01', 'x' FROM "
                         "model_versions WHERE version = 2"),
          QStringLiteral("UPDATE model_versions SET stage = 'Production' WHERE version = 2")},
         QStringLiteral("stage changes")},
        {QStringLiteral("request inserted approved"),
         {QStringLiteral("approval_requests")},
         {QStringLiteral("INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, reason, "
                         "status, gates_passed, gate_report, required_approvals) SELECT id, 'Production', 'mallory', "
                         "'2026-01-01', 'x', 'approved', 1, '{}', 1 FROM model_versions WHERE version = 3")},
         QStringLiteral("promotion requests")},
        {QStringLiteral("decision forged"),
         {QStringLiteral("approval_decisions")},
         {QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) SELECT max(id), "
                         "'rita', 'approve', 'ok', '2026-01-01' FROM approval_requests")},
         QStringLiteral("approval decisions")},
        {QStringLiteral("version registered around the log"),
         {QStringLiteral("model_versions"), QStringLiteral("registered_models")},
         {QStringLiteral("UPDATE registered_models SET last_version = last_version + 1"),
          QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, created_at, created_by, "
                         "stage_changed_at, sealed) SELECT id, last_version, 's3://x', '2026', 'm', '2026', 1 FROM "
                         "registered_models")},
         QStringLiteral("versions")},
    };
    for (const Lifted &a : attacks) {
        SqliteRegistry r;
        r.build();
        if (::testing::Test::HasFatalFailure())
            return;
        QStringList restore;
        for (const QString &table : a.triggersOf)
            for (const QString &row : r.db->rawRows(
                     QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '%1'")
                         .arg(table))) {
                restore << r.db->rawScalar(QStringLiteral(
                                               "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '%1'")
                                               .arg(row))
                               .toString();
                ASSERT_EQ(r.db->rawExec(QStringLiteral("DROP TRIGGER %1").arg(row)), QString()) << row.toStdString();
            }
        for (const QString &sql : a.sql)
            ASSERT_EQ(r.db->rawExec(sql), QString()) << a.what.toStdString() << ": " << sql.toStdString();
        if (!a.leave) {
            for (const QString &sql : restore)
                ASSERT_EQ(r.db->rawExec(sql), QString()) << sql.toStdString();
        }
        auto reopened = r.db->open();
        ASSERT_TRUE(reopened);
        auto v = reopened->verifyAudit(a.checkpoint ? std::optional<AuditCheckpoint>(r.checkpoint) : std::nullopt);
        ASSERT_TRUE(v) << v.error().message.toStdString();
        EXPECT_FALSE(v->intact) << a.what.toStdString() << ": not detected";
        EXPECT_TRUE(v->problem.contains(a.detected))
            << a.what.toStdString() << ": detected as \"" << v->problem.toStdString() << "\", expected \""
            << a.detected.toStdString() << "\"";
    }
    std::cout << "attacks on SQLite with the guards lifted: " << attacks.size() << " tried, " << attacks.size()
              << " detected by audit verify\n";
}

} // namespace
