// What the database itself enforces against someone with a plain SQL client (both dialects).

#include "testdb.h"

using namespace md;
using namespace md::test;

class Integrity : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        VersionSpec s = sampleSpec(QStringLiteral("fraud"));
        s.params.insert(QStringLiteral("lr"), QStringLiteral("0.1"));
        s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
        for (int i = 0; i < 3; ++i)
            ASSERT_TRUE(registry->registerVersion(s));
    }

    // The database refuses `sql` with a message containing `reason`, and the rows of `state` (a table or
    // a query) are unchanged.
    ::testing::AssertionResult refused(const QString &sql, const QString &reason, const QString &state)
    {
        return refusedUnchanged(*db, sql, reason, state);
    }

    static constexpr const char *kVersionRows = "SELECT id, model_id, version, artifact_uri, artifact_digest, "
                                                "source_run, created_at, created_by, sealed FROM model_versions";

    // Simulates someone who turns the protection off to tamper: SQLite drops the trigger,
    // PostgreSQL (as the table owner) disables user triggers.
    void tamper(const QString &sql)
    {
        if (GetParam() == Backend::Sqlite) {
            ASSERT_EQ(db->rawExec(QStringLiteral("DROP TRIGGER audit_log_no_update")), QString());
            ASSERT_EQ(db->rawExec(QStringLiteral("DROP TRIGGER audit_log_no_delete")), QString());
            ASSERT_EQ(db->rawExec(sql), QString());
        } else {
            ASSERT_EQ(db->rawExec(QStringLiteral("ALTER TABLE audit_log DISABLE TRIGGER USER")), QString());
            ASSERT_EQ(db->rawExec(sql), QString());
            ASSERT_EQ(db->rawExec(QStringLiteral("ALTER TABLE audit_log ENABLE TRIGGER USER")), QString());
        }
    }
};
MD_INSTANTIATE_BOTH(Integrity);

TEST_P(Integrity, RegistrationMetadataCannotBeChangedBySql)
{
    const QString versions = QString::fromLatin1(kVersionRows);
    const QString metadata = QStringLiteral("modeldesk: the registration metadata of a model version is immutable");
    EXPECT_TRUE(refused(QStringLiteral("UPDATE model_versions SET artifact_uri = 's3://evil/model' WHERE version = 1"),
                        metadata, versions));
    EXPECT_TRUE(refused(QStringLiteral("UPDATE model_versions SET version = 9 WHERE version = 1"), metadata, versions));
    EXPECT_TRUE(refused(QStringLiteral("UPDATE model_versions SET artifact_digest = 'sha256:00' WHERE version = 1"),
                        metadata, versions));
    EXPECT_TRUE(refused(QStringLiteral("UPDATE model_versions SET sealed = 0 WHERE version = 1"),
                        QStringLiteral("modeldesk: a sealed model version cannot be unsealed"), versions));
    EXPECT_TRUE(refused(QStringLiteral("DELETE FROM model_versions WHERE version = 1"),
                        QStringLiteral("modeldesk: model versions cannot be deleted"), versions));
    const QString metrics = QStringLiteral("modeldesk: metrics of a registered version are immutable");
    EXPECT_TRUE(refused(QStringLiteral("UPDATE metrics SET value = 0.99"), metrics, QStringLiteral("metrics")));
    EXPECT_TRUE(refused(QStringLiteral("DELETE FROM metrics"), metrics, QStringLiteral("metrics")));
    EXPECT_TRUE(refused(QStringLiteral("INSERT INTO metrics (version_id, name, dataset, slice, value) "
                                       "SELECT id, 'bonus', '', '', 1.0 FROM model_versions WHERE version = 1"),
                        metrics, QStringLiteral("metrics")));
    const QString params = QStringLiteral("modeldesk: params of a registered version are immutable");
    EXPECT_TRUE(refused(QStringLiteral("UPDATE params SET value = '0.5'"), params, QStringLiteral("params")));
    EXPECT_TRUE(refused(QStringLiteral("DELETE FROM params"), params, QStringLiteral("params")));
    EXPECT_TRUE(refused(QStringLiteral("INSERT INTO params (version_id, name, value) SELECT id, 'x', 'y' FROM "
                                       "model_versions WHERE version = 1"),
                        params, QStringLiteral("params")));
    const QString facts = QStringLiteral("modeldesk: provenance of a registered version is immutable");
    EXPECT_TRUE(refused(QStringLiteral("UPDATE facts SET value = 'fff0000'"), facts, QStringLiteral("facts")));
    EXPECT_TRUE(refused(QStringLiteral("DELETE FROM facts"), facts, QStringLiteral("facts")));
    // The insert guard words it differently on PostgreSQL (one function serves metrics, params and facts).
    EXPECT_TRUE(refused(QStringLiteral("INSERT INTO facts (version_id, category, name, value) SELECT id, 'data', "
                                       "'rows', '5' FROM model_versions WHERE version = 1"),
                        GetParam() == Backend::Postgres
                            ? QStringLiteral("modeldesk: provenance facts of a registered version are immutable")
                            : facts,
                        QStringLiteral("facts")));
    if (GetParam() == Backend::Postgres) {
        EXPECT_TRUE(refused(QStringLiteral("TRUNCATE metrics CASCADE"), metrics, QStringLiteral("metrics")));
        EXPECT_TRUE(refused(QStringLiteral("TRUNCATE model_versions CASCADE"),
                            QStringLiteral("modeldesk: model versions cannot be deleted"), versions));
    }
    auto v = registry->version(QStringLiteral("fraud"), 1);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->artifactUri, QStringLiteral("s3://bucket/fraud/model.bin"));
    ASSERT_EQ(v->metrics.size(), 1);
    EXPECT_DOUBLE_EQ(v->metrics.first().value, 0.9);
    EXPECT_EQ(v->params.value(QStringLiteral("lr")), QStringLiteral("0.1"));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 3);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM facts")).toInt(), 3);
}

TEST_P(Integrity, TagsAndDescriptionsStayEditableBySql)
{
    EXPECT_EQ(db->rawExec(QStringLiteral("UPDATE model_versions SET description = 'edited' WHERE version = 2")),
              QString());
    EXPECT_EQ(db->rawExec(QStringLiteral("INSERT INTO version_tags (version_id, key, value) SELECT id, 'k', 'v' "
                                         "FROM model_versions WHERE version = 2")),
              QString());
    EXPECT_EQ(registry->version(QStringLiteral("fraud"), 2)->description, QStringLiteral("edited"));
}

TEST_P(Integrity, AuditLogAndTransitionsAreAppendOnly)
{
    const QString audit = QStringLiteral("modeldesk: the audit log is append-only");
    const QString transitions = QStringLiteral("modeldesk: stage_transitions is append-only");
    EXPECT_TRUE(refused(QStringLiteral("UPDATE audit_log SET actor = 'mallory'"), audit, QStringLiteral("audit_log")));
    EXPECT_TRUE(refused(QStringLiteral("DELETE FROM audit_log"), audit, QStringLiteral("audit_log")));
    EXPECT_TRUE(refused(QStringLiteral("UPDATE stage_transitions SET actor = 'mallory'"), transitions,
                        QStringLiteral("stage_transitions")));
    EXPECT_TRUE(
        refused(QStringLiteral("DELETE FROM stage_transitions"), transitions, QStringLiteral("stage_transitions")));
    if (GetParam() == Backend::Postgres) {
        EXPECT_TRUE(refused(QStringLiteral("TRUNCATE audit_log"), audit, QStringLiteral("audit_log")));
        // The actor of an audit entry is the session user; a row claiming someone else is refused.
        EXPECT_TRUE(
            refused(QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_key, details, "
                                   "prev_hash, hash) VALUES ('2026-01-01', 'mallory', 'x', 'x', 'x', '{}', 'x', 'y')"),
                    QStringLiteral("modeldesk: actor mallory is not the session user"), QStringLiteral("audit_log")));
    }
    EXPECT_EQ(db->rawScalar(QLatin1String(kModelAuditEntries)).toInt(), 4);
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

TEST_P(Integrity, AuditVerifyFindsAnEditedEntry)
{
    tamper(QStringLiteral("UPDATE audit_log SET actor = 'mallory' WHERE id = (SELECT min(id) + 2 FROM audit_log)"));
    const qint64 edited = db->rawScalar(QStringLiteral("SELECT min(id) + 2 FROM audit_log")).toLongLong();
    auto v = registry->verifyAudit();
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->intact);
    EXPECT_EQ(v->firstBrokenId, edited);
    EXPECT_TRUE(v->problem.contains(QLatin1String("changed"))) << v->problem.toStdString();
}

TEST_P(Integrity, AuditVerifyFindsADeletedEntry)
{
    const qint64 first = db->rawScalar(QStringLiteral("SELECT min(id) FROM audit_log")).toLongLong();
    tamper(QStringLiteral("DELETE FROM audit_log WHERE id = %1").arg(first + 1));
    auto v = registry->verifyAudit();
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->intact);
    EXPECT_EQ(v->firstBrokenId, first + 2);
    EXPECT_TRUE(v->problem.contains(QLatin1String("deleted"))) << v->problem.toStdString();
}

TEST_P(Integrity, AuditVerifyCatchesARecomputedHashOnTheEditedEntry)
{
    // A careful forger rewrites the entry and its own hash; the next entry's link still breaks.
    const qint64 first = db->rawScalar(QStringLiteral("SELECT min(id) FROM audit_log")).toLongLong();
    tamper(QStringLiteral("UPDATE audit_log SET actor = 'mallory', hash = '%1' WHERE id = %2")
               .arg(QString(64, QLatin1Char('f')))
               .arg(first + 1));
    auto v = registry->verifyAudit();
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->intact);
    EXPECT_EQ(v->firstBrokenId, first + 1);
}
