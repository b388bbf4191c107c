// PostgreSQL roles: each role can do exactly its job, enforced in the database. Every forbidden action
// is tried both through the registry API and directly in SQL as that user. (SQLite has no users:
// its roles are advisory, as the README says.)

#include "testdb.h"

using namespace md;
using namespace md::test;

class Roles : public ::testing::Test
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(Backend::Postgres);
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        admin = db->open();
        ASSERT_TRUE(admin);
        randy = db->openAs(QStringLiteral("randy"), QStringLiteral("reader"));
        alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
        rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
        dave = db->openAs(QStringLiteral("dave"), QStringLiteral("deployer"));
        ada = db->openAs(QStringLiteral("ada"), QStringLiteral("admin"));
        ASSERT_TRUE(randy && alice && rita && dave && ada);
        ASSERT_TRUE(alice->registerVersion(sampleSpec(QStringLiteral("fraud"))));
        ASSERT_TRUE(alice->registerVersion(sampleSpec(QStringLiteral("fraud"))));
        ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), 1, Stage::Staging, {}));
        auto req = alice->requestPromotion(QStringLiteral("fraud"), 1, Stage::Production, QStringLiteral("go"));
        ASSERT_TRUE(req);
        requestId = req->id;
    }

    void expectSqlRefused(const QString &user, const QString &sql)
    {
        const QString error = db->rawExecAs(user, sql);
        EXPECT_FALSE(error.isEmpty()) << user.toStdString() << " was allowed: " << sql.toStdString();
    }

    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> admin, randy, alice, rita, dave, ada;
    qint64 requestId = 0;
};

TEST_F(Roles, EveryoneSeesTheirRoles)
{
    EXPECT_EQ(*randy->roles(), QStringList{QStringLiteral("reader")});
    EXPECT_EQ(*alice->roles(), (QStringList{QStringLiteral("reader"), QStringLiteral("scientist")}));
    EXPECT_TRUE(ada->roles()->contains(QStringLiteral("deployer")));
    // The actor is the login user; a client cannot claim another name.
    EXPECT_EQ(alice->actor(), QStringLiteral("alice"));
    EXPECT_FALSE(alice->setSqliteActor(QStringLiteral("bob")));
}

TEST_F(Roles, ReaderCannotRegisterOrTag)
{
    auto r = randy->registerVersion(sampleSpec(QStringLiteral("fraud")));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Error::Kind::Permission) << r.error().message.toStdString();
    EXPECT_FALSE(randy->setModelTags(QStringLiteral("fraud"), {{QStringLiteral("a"), QStringLiteral("b")}}, {}));
    expectSqlRefused(QStringLiteral("randy"),
                     QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES ('x', 'now')"));
    expectSqlRefused(QStringLiteral("randy"), QStringLiteral("UPDATE model_versions SET description = 'mine'"));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 2);
}

TEST_F(Roles, ScientistCannotApproveOrChangePoliciesOrProduction)
{
    auto approve = alice->decide(requestId, true, QStringLiteral("self-service"), {});
    ASSERT_FALSE(approve);
    expectSqlRefused(QStringLiteral("alice"),
                     QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) "
                                    "VALUES (%1, 'alice', 'approve', 'ok', 'now')")
                         .arg(requestId));
    // Flipping the request status without approvals is refused by the database.
    expectSqlRefused(QStringLiteral("alice"),
                     QStringLiteral("UPDATE approval_requests SET status = 'approved' WHERE id = %1").arg(requestId));
    GatePolicies none;
    auto policy = alice->setGatePolicies({}, none);
    ASSERT_FALSE(policy);
    EXPECT_EQ(policy.error().kind, Error::Kind::Permission);
    EXPECT_FALSE(alice->setMaxProduction(QStringLiteral("fraud"), 3));
    expectSqlRefused(QStringLiteral("alice"), QStringLiteral("UPDATE registered_models SET max_production = 5"));
    EXPECT_FALSE(alice->archive(QStringLiteral("fraud"), 1, {}));
    // A request in someone else's name is refused.
    expectSqlRefused(QStringLiteral("alice"),
                     QStringLiteral("INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, "
                                    "reason, gates_passed, gate_report) SELECT id, 'Production', 'bob', 'now', 'x', 1, "
                                    "'{}' FROM model_versions WHERE version = 2"));
    EXPECT_EQ(admin->request(requestId)->status, QStringLiteral("pending"));
}

TEST_F(Roles, ReviewerCannotPromoteArchiveOrRollBack)
{
    auto staging = rita->promote(QStringLiteral("fraud"), 2, Stage::Staging, {});
    ASSERT_FALSE(staging);
    EXPECT_EQ(staging.error().kind, Error::Kind::Permission) << staging.error().message.toStdString();
    expectSqlRefused(QStringLiteral("rita"),
                     QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at) "
                                    "SELECT id, 'None', 'Staging', 'promote', 'rita', 'now' FROM model_versions "
                                    "WHERE version = 2"));
    // Her approval promotes v1 (a reviewer's approval that completes a request is allowed to).
    ASSERT_TRUE(rita->decide(requestId, true, QStringLiteral("ok"), {}));
    auto archived = rita->archive(QStringLiteral("fraud"), 1, QStringLiteral("mine now"));
    ASSERT_FALSE(archived);
    EXPECT_EQ(archived.error().kind, Error::Kind::Permission) << archived.error().message.toStdString();
    EXPECT_FALSE(rita->rollback(QStringLiteral("fraud"), 0, QStringLiteral("x")));
    EXPECT_FALSE(rita->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 1)->stage, Stage::Production);
}

TEST_F(Roles, NobodyApprovesTheirOwnRequestEvenInSql)
{
    // The admin has every right but is still bound by four eyes.
    ASSERT_EQ(
        db->rawExecAs(QStringLiteral("ada"),
                      QStringLiteral("INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, "
                                     "reason, gates_passed, gate_report) SELECT id, 'Production', 'ada', 'now', 'x', "
                                     "1, '{}' FROM model_versions WHERE version = 2")),
        QString());
    expectSqlRefused(
        QStringLiteral("ada"),
        QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) SELECT id, "
                       "'ada', 'approve', 'mine', 'now' FROM approval_requests WHERE requested_by = 'ada'"));
    // Nor on a version they registered: carol is scientist and reviewer; she registers, alice requests.
    auto carol = db->openAs(QStringLiteral("carol"), QStringLiteral("scientist"));
    ASSERT_TRUE(carol);
    ASSERT_EQ(db->rawExec(QStringLiteral("GRANT modeldesk_reviewer TO carol")), QString());
    ASSERT_TRUE(carol->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    ASSERT_TRUE(carol->promote(QStringLiteral("fraud"), 3, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("fraud"), 3, Stage::Production, QStringLiteral("carol's"));
    ASSERT_TRUE(req);
    auto own = carol->decide(req->id, true, QStringLiteral("mine"), {});
    ASSERT_FALSE(own);
    EXPECT_TRUE(own.error().message.contains(QLatin1String("Four eyes")));
    expectSqlRefused(QStringLiteral("carol"),
                     QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) VALUES "
                                    "(%1, 'carol', 'approve', 'mine', 'now')")
                         .arg(req->id));
}

TEST_F(Roles, NobodyEditsTheAuditLog)
{
    for (const char *user : {"randy", "alice", "rita", "dave", "ada"}) {
        expectSqlRefused(QString::fromLatin1(user), QStringLiteral("UPDATE audit_log SET actor = 'mallory'"));
        expectSqlRefused(QString::fromLatin1(user), QStringLiteral("DELETE FROM audit_log"));
    }
    EXPECT_TRUE(admin->verifyAudit()->intact);
}

TEST_F(Roles, DeployerPromotesApprovedVersionsAndRollsBackButCannotRegister)
{
    // With two approvals required, one approval leaves the request open; the deployer cannot jump it.
    GatePolicies two;
    two.production.approvals = 2;
    ASSERT_TRUE(ada->setGatePolicies(QStringLiteral("fraud"), two));
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), 2, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("fraud"), 2, Stage::Production, QStringLiteral("two"));
    ASSERT_TRUE(req);
    EXPECT_FALSE(dave->promote(QStringLiteral("fraud"), 2, Stage::Production, {}));
    EXPECT_FALSE(dave->registerVersion(sampleSpec(QStringLiteral("fraud"))));
    expectSqlRefused(QStringLiteral("dave"), QStringLiteral("UPDATE model_versions SET artifact_uri = 's3://evil'"));
    ASSERT_TRUE(rita->decide(requestId, true, QStringLiteral("ok"), {})); // v1 -> Production (one approval policy then)
    auto gr = dave->grantRole(QStringLiteral("admin"), QStringLiteral("dave"));
    EXPECT_FALSE(gr); // only an admin (with CREATEROLE or ADMIN OPTION) can grant
}

TEST_F(Roles, AdminGrantsRolesWithModelctl)
{
    db->rawExec(
        QStringLiteral("DO $$ BEGIN CREATE ROLE newbie LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"));
    db->rawExec(QStringLiteral("REVOKE modeldesk_scientist FROM newbie"));
    QString out, err;
    ASSERT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("grant"),
                           QStringLiteral("scientist"), QStringLiteral("newbie")},
                          &out, &err),
              0)
        << err.toStdString();
    auto newbie = Registry::open(db->urlFor(QStringLiteral("newbie")), Registry::Open::ExistingOnly);
    ASSERT_TRUE(newbie);
    EXPECT_TRUE((*newbie)->roles()->contains(QStringLiteral("scientist")));
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("grant"),
                           QStringLiteral("superuser"), QStringLiteral("newbie")},
                          &out, &err),
              2);
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("grant"), QStringLiteral("reader"),
                           QStringLiteral("x\"; DROP TABLE audit_log; --")},
                          &out, &err),
              2);
}
