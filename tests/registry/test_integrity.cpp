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

    void expectRefused(const QString &sql)
    {
        const QString error = db->rawExec(sql);
        EXPECT_FALSE(error.isEmpty()) << "accepted: " << sql.toStdString();
    }

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
    expectRefused(QStringLiteral("UPDATE model_versions SET artifact_uri = 's3://evil/model' WHERE version = 1"));
    expectRefused(QStringLiteral("UPDATE model_versions SET version = 9 WHERE version = 1"));
    expectRefused(QStringLiteral("UPDATE model_versions SET artifact_digest = 'sha256:00' WHERE version = 1"));
    expectRefused(QStringLiteral("UPDATE model_versions SET sealed = 0 WHERE version = 1"));
    expectRefused(QStringLiteral("DELETE FROM model_versions WHERE version = 1"));
    expectRefused(QStringLiteral("UPDATE metrics SET value = 0.99"));
    expectRefused(QStringLiteral("DELETE FROM metrics"));
    expectRefused(QStringLiteral("INSERT INTO metrics (version_id, name, dataset, slice, value) "
                                 "SELECT id, 'bonus', '', '', 1.0 FROM model_versions WHERE version = 1"));
    expectRefused(QStringLiteral("UPDATE params SET value = '0.5'"));
    expectRefused(QStringLiteral("DELETE FROM params"));
    expectRefused(QStringLiteral("INSERT INTO params (version_id, name, value) SELECT id, 'x', 'y' FROM model_versions "
                                 "WHERE version = 1"));
    expectRefused(QStringLiteral("UPDATE facts SET value = 'fff0000'"));
    expectRefused(QStringLiteral("DELETE FROM facts"));
    if (GetParam() == Backend::Postgres) {
        expectRefused(QStringLiteral("TRUNCATE metrics CASCADE"));
        expectRefused(QStringLiteral("TRUNCATE model_versions CASCADE"));
    }
    auto v = registry->version(QStringLiteral("fraud"), 1);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->artifactUri, QStringLiteral("s3://bucket/fraud/model.bin"));
    ASSERT_EQ(v->metrics.size(), 1);
    EXPECT_DOUBLE_EQ(v->metrics.first().value, 0.9);
    EXPECT_EQ(v->params.value(QStringLiteral("lr")), QStringLiteral("0.1"));
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
    expectRefused(QStringLiteral("UPDATE audit_log SET actor = 'mallory'"));
    expectRefused(QStringLiteral("DELETE FROM audit_log"));
    expectRefused(QStringLiteral("UPDATE stage_transitions SET actor = 'mallory'"));
    expectRefused(QStringLiteral("DELETE FROM stage_transitions"));
    if (GetParam() == Backend::Postgres) {
        expectRefused(QStringLiteral("TRUNCATE audit_log"));
        // The actor of an audit entry is the session user; a row claiming someone else is refused.
        expectRefused(
            QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_key, details, "
                           "prev_hash, hash) VALUES ('2026-01-01', 'mallory', 'x', 'x', 'x', '{}', 'x', 'y')"));
    }
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM audit_log")).toInt(), 4);
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
