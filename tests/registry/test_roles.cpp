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

    // `user` runs `sql` directly; the database refuses it for `reason` ("[42501]" for a missing grant, or a
    // "modeldesk:" guard message) and the rows of `state` (a table or a query) do not change.
    ::testing::AssertionResult sqlRefused(const QString &user, const QString &sql, const QString &reason,
                                          const QString &state)
    {
        return refusedUnchanged(*db, sql, reason, state, user);
    }

    // A refusal through the registry API for lack of a role: Permission, and on PostgreSQL SQLSTATE 42501
    // (a missing grant or a ModelDesk role check), with a message containing `fragment`.
    template <typename T>
    static ::testing::AssertionResult roleRefused(const Result<T> &r, const QString &fragment = QString())
    {
        if (r)
            return ::testing::AssertionFailure() << "allowed";
        if (r.error().kind != Error::Kind::Permission || r.error().code != QLatin1String("42501") ||
            !r.error().message.contains(fragment))
            return ::testing::AssertionFailure()
                   << "refused as " << errorKindName(r.error().kind).toStdString() << " ["
                   << r.error().code.toStdString() << "]: " << r.error().message.toStdString();
        return ::testing::AssertionSuccess();
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
    EXPECT_TRUE(roleRefused(randy->registerVersion(sampleSpec(QStringLiteral("fraud")))));
    EXPECT_TRUE(
        roleRefused(randy->setModelTags(QStringLiteral("fraud"), {{QStringLiteral("a"), QStringLiteral("b")}}, {})));
    EXPECT_TRUE(sqlRefused(
        QStringLiteral("randy"), QStringLiteral("INSERT INTO namespaces (name, created_at) VALUES ('x', 'now')"),
        QStringLiteral("[42501] permission denied for table namespaces"), QStringLiteral("namespaces")));
    EXPECT_TRUE(sqlRefused(QStringLiteral("randy"), QStringLiteral("UPDATE model_versions SET description = 'mine'"),
                           QStringLiteral("[42501] permission denied for table model_versions"),
                           QStringLiteral("SELECT id, description FROM model_versions")));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 2);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_tags")).toInt(), 0);
}

TEST_F(Roles, ScientistCannotApproveOrChangePoliciesOrProduction)
{
    // sid is a scientist only, and neither registered v1 (alice did) nor requested it (alice did): four eyes
    // would let him decide, so only the role can refuse him.
    auto sid = db->openAs(QStringLiteral("sid"), QStringLiteral("scientist"));
    ASSERT_TRUE(sid);
    ASSERT_EQ(*sid->roles(), (QStringList{QStringLiteral("reader"), QStringLiteral("scientist")}));
    auto before = admin->request(requestId);
    ASSERT_TRUE(before);
    ASSERT_NE(before->requestedBy, QStringLiteral("sid"));
    ASSERT_NE(before->registeredBy, QStringLiteral("sid"));
    const QString requests = QStringLiteral("approval_requests");
    const QString decisions = QStringLiteral("SELECT count(*) FROM approval_decisions");

    auto approve = sid->decide(requestId, true, QStringLiteral("self-service"), {});
    EXPECT_TRUE(roleRefused(approve, QLatin1String("permission denied for function modeldesk_decide")));
    EXPECT_TRUE(sqlRefused(QStringLiteral("sid"),
                           QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) "
                                          "VALUES (%1, 'sid', 'approve', 'ok', 'now')")
                               .arg(requestId),
                           QStringLiteral("[42501] permission denied for table approval_decisions"), decisions));
    // No login writes requests directly (schema v6): the write functions do.
    EXPECT_TRUE(
        sqlRefused(QStringLiteral("sid"),
                   QStringLiteral("UPDATE approval_requests SET status = 'approved' WHERE id = %1").arg(requestId),
                   QStringLiteral("[42501] permission denied for table approval_requests"), requests));

    GatePolicies none;
    EXPECT_TRUE(roleRefused(sid->setGatePolicies({}, none)));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM gate_policies")).toInt(), 0);
    EXPECT_TRUE(roleRefused(sid->setMaxProduction(QStringLiteral("fraud"), 3)));
    EXPECT_TRUE(sqlRefused(QStringLiteral("sid"), QStringLiteral("UPDATE registered_models SET max_production = 5"),
                           QStringLiteral("[42501] permission denied for table registered_models"),
                           QStringLiteral("SELECT name, max_production FROM registered_models")));
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT max_production FROM registered_models")).toInt(), 1);

    auto archived = sid->archive(QStringLiteral("fraud"), 1, QStringLiteral("mine"));
    EXPECT_TRUE(roleRefused(archived, QLatin1String("sid may not archive versions (needs "
                                                    "modeldesk_deployer)")));
    // A request in someone else's name is refused.
    EXPECT_TRUE(sqlRefused(
        QStringLiteral("sid"),
        QStringLiteral("INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, reason, "
                       "gates_passed, gate_report) SELECT id, 'Production', 'bob', 'now', 'x', 1, '{}' FROM "
                       "model_versions WHERE version = 2"),
        QStringLiteral("[42501] permission denied for table approval_requests"), requests));

    // Nothing changed: the request is pending without decisions, v1 is still in Staging.
    auto after = admin->request(requestId);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, QStringLiteral("pending"));
    EXPECT_TRUE(after->decisions.isEmpty());
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 1)->stage, Stage::Staging);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions WHERE stage = 'Production'")).toInt(),
              0);
}

TEST_F(Roles, ReviewerCannotPromoteArchiveOrRollBack)
{
    auto staging = rita->promote(QStringLiteral("fraud"), 2, Stage::Staging, {});
    EXPECT_TRUE(roleRefused(staging, QLatin1String("rita may not move versions between None and "
                                                   "Staging")));
    EXPECT_TRUE(sqlRefused(
        QStringLiteral("rita"),
        QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, "
                       "at) SELECT id, 'None', 'Staging', 'promote', 'rita', 'now' FROM "
                       "model_versions WHERE version = 2"),
        QStringLiteral("[42501] permission denied for table stage_transitions"), QStringLiteral("stage_transitions")));
    EXPECT_TRUE(sqlRefused(QStringLiteral("rita"),
                           QStringLiteral("SELECT modeldesk_change_stage(id, 'None', 'Staging', 'promote', '', NULL) "
                                          "FROM model_versions WHERE version = 2"),
                           QStringLiteral("[42501] modeldesk: rita may not move versions between None and Staging"),
                           QStringLiteral("stage_transitions")));
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 2)->stage, Stage::None);
    // Her approval promotes v1 (a reviewer's approval that completes a request is allowed to).
    ASSERT_TRUE(rita->decide(requestId, true, QStringLiteral("ok"), {}));
    ASSERT_EQ(admin->version(QStringLiteral("fraud"), 1)->stage, Stage::Production);
    auto archived = rita->archive(QStringLiteral("fraud"), 1, QStringLiteral("mine now"));
    EXPECT_TRUE(roleRefused(archived, QLatin1String("rita may not archive versions")));
    // v2 replaces v1 through a request alice makes and rita approves; then there is a version to roll back
    // to (v1), so only the role can refuse rita's rollback.
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), 2, Stage::Staging, {}));
    auto req2 = alice->requestPromotion(QStringLiteral("fraud"), 2, Stage::Production, QStringLiteral("newer"));
    ASSERT_TRUE(req2) << req2.error().message.toStdString();
    ASSERT_TRUE(rita->decide(req2->id, true, QStringLiteral("ok"), {}));
    ASSERT_EQ(*admin->suggestedRollbackTarget(QStringLiteral("fraud")), 1);
    auto rolledBack = rita->rollback(QStringLiteral("fraud"), 0, QStringLiteral("x"));
    EXPECT_TRUE(roleRefused(rolledBack, QLatin1String("rita may not rollback versions (needs modeldesk_deployer)")));
    EXPECT_TRUE(roleRefused(rita->registerVersion(sampleSpec(QStringLiteral("fraud")))));
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 2)->stage, Stage::Production);
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 1)->stage, Stage::Archived);
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT count(*) FROM model_versions")).toInt(), 2);
}

TEST_F(Roles, NobodyApprovesTheirOwnRequestEvenInSql)
{
    // The admin has every right but is still bound by four eyes.
    ASSERT_EQ(
        db->rawExecAs(QStringLiteral("ada"),
                      QStringLiteral("SELECT modeldesk_change_stage(id, 'None', 'Staging', 'promote', '', NULL), "
                                     "modeldesk_request_promotion(id, 'x') FROM model_versions WHERE version = 2")),
        QString());
    const QString decisions = QStringLiteral("SELECT count(*) FROM approval_decisions");
    EXPECT_TRUE(sqlRefused(
        QStringLiteral("ada"),
        QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) SELECT id, "
                       "'ada', 'approve', 'mine', 'now' FROM approval_requests WHERE requested_by = 'ada'"),
        QStringLiteral("[42501] permission denied for table approval_decisions"), decisions));
    EXPECT_TRUE(sqlRefused(QStringLiteral("ada"),
                           QStringLiteral("SELECT modeldesk_decide(id, 'approve', 'mine', '') FROM approval_requests "
                                          "WHERE requested_by = 'ada'"),
                           QStringLiteral("[23000] modeldesk: four eyes: you cannot decide on a request you made"),
                           decisions));
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
    EXPECT_EQ(own.error().kind, Error::Kind::Conflict);
    EXPECT_TRUE(
        own.error().message.contains(QLatin1String("Four eyes: carol registered v3 and cannot decide on its request")))
        << own.error().message.toStdString();
    EXPECT_TRUE(sqlRefused(QStringLiteral("carol"),
                           QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, at) "
                                          "VALUES (%1, 'carol', 'approve', 'mine', 'now')")
                               .arg(req->id),
                           QStringLiteral("[42501] permission denied for table approval_decisions"), decisions));
    EXPECT_TRUE(sqlRefused(
        QStringLiteral("carol"), QStringLiteral("SELECT modeldesk_decide(%1, 'approve', 'mine', '')").arg(req->id),
        QStringLiteral("[23000] modeldesk: four eyes: you cannot decide on a version you registered"), decisions));
    EXPECT_EQ(admin->request(req->id)->status, QStringLiteral("pending"));
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 3)->stage, Stage::Staging);
    EXPECT_EQ(db->rawScalar(decisions).toInt(), 0);
}

TEST_F(Roles, NobodyEditsTheAuditLog)
{
    // The database writes the log (schema v6): no login, the admin included, holds a write privilege on it.
    for (const char *user : {"randy", "alice", "rita", "dave", "ada"}) {
        const QString name = QString::fromLatin1(user);
        const QString reason = QStringLiteral("[42501] permission denied for table audit_log");
        EXPECT_TRUE(sqlRefused(name, QStringLiteral("UPDATE audit_log SET actor = 'mallory'"), reason,
                               QStringLiteral("audit_log")));
        EXPECT_TRUE(sqlRefused(name, QStringLiteral("DELETE FROM audit_log"), reason, QStringLiteral("audit_log")));
        EXPECT_TRUE(sqlRefused(name, QStringLiteral("TRUNCATE audit_log"), reason, QStringLiteral("audit_log")));
        EXPECT_TRUE(sqlRefused(name,
                               QStringLiteral("INSERT INTO audit_log (at, actor, action, object_type, object_key, "
                                              "details, prev_hash, hash) SELECT at, actor, action, object_type, "
                                              "object_key, details, hash, md5(hash) FROM audit_log ORDER BY id DESC "
                                              "LIMIT 1"),
                               reason, QStringLiteral("audit_log")));
    }
    // Nor may they call the function that appends entries.
    EXPECT_TRUE(sqlRefused(QStringLiteral("ada"),
                           QStringLiteral("SELECT modeldesk_record('approve', 'approval_request', 'fraud@v1', '{}', "
                                          "NULL, NULL, NULL)"),
                           QStringLiteral("[42501] permission denied for function modeldesk_record"),
                           QStringLiteral("audit_log")));
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
    ASSERT_EQ(req->requiredApprovals, 2);
    auto first = rita->decide(req->id, true, QStringLiteral("one of two"), {});
    ASSERT_TRUE(first) << first.error().message.toStdString();
    ASSERT_EQ(first->status, QStringLiteral("pending"));
    auto jumped = dave->promote(QStringLiteral("fraud"), 2, Stage::Production, {});
    ASSERT_FALSE(jumped);
    EXPECT_EQ(jumped.error().kind, Error::Kind::Conflict) << jumped.error().message.toStdString();
    EXPECT_TRUE(jumped.error().message.contains(QStringLiteral("request #%1 (still pending)").arg(req->id)))
        << jumped.error().message.toStdString();
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 2)->stage, Stage::Staging);
    EXPECT_TRUE(roleRefused(dave->registerVersion(sampleSpec(QStringLiteral("fraud")))));
    EXPECT_TRUE(sqlRefused(QStringLiteral("dave"),
                           QStringLiteral("UPDATE model_versions SET artifact_uri = 's3://evil'"),
                           QStringLiteral("[42501] permission denied for table model_versions"),
                           QStringLiteral("SELECT id, artifact_uri FROM model_versions")));
    // v1 -> Production (its request was made under the one-approval policy); the second approval of v2's
    // request promotes v2; the deployer rolls back to v1.
    ASSERT_TRUE(rita->decide(requestId, true, QStringLiteral("ok"), {}));
    ASSERT_EQ(admin->version(QStringLiteral("fraud"), 1)->stage, Stage::Production);
    auto rex = db->openAs(QStringLiteral("rex"), QStringLiteral("reviewer"));
    ASSERT_TRUE(rex);
    auto second = rex->decide(req->id, true, QStringLiteral("two of two"), {});
    ASSERT_TRUE(second) << second.error().message.toStdString();
    EXPECT_EQ(second->status, QStringLiteral("promoted"));
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 2)->stage, Stage::Production);
    auto rolledBack = dave->rollback(QStringLiteral("fraud"), 0, QStringLiteral("v2 misbehaves"));
    ASSERT_TRUE(rolledBack) << rolledBack.error().message.toStdString();
    EXPECT_EQ(rolledBack->version, 1);
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 1)->stage, Stage::Production);
    EXPECT_EQ(admin->version(QStringLiteral("fraud"), 2)->stage, Stage::Archived);
    // Only an admin (with CREATEROLE or ADMIN OPTION) can grant; dave stays a deployer.
    auto gr = dave->grantRole(QStringLiteral("admin"), QStringLiteral("dave"));
    EXPECT_TRUE(roleRefused(gr));
    EXPECT_FALSE(dave->roles()->contains(QStringLiteral("admin")));
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
    EXPECT_TRUE(err.contains(QLatin1String("Unknown role 'superuser'"))) << err.toStdString();
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT rolsuper FROM pg_roles WHERE rolname = 'newbie'")).toBool(), false);
    EXPECT_EQ(runModelctl({QStringLiteral("--registry"), db->url(), QStringLiteral("grant"), QStringLiteral("reader"),
                           QStringLiteral("x\"; DROP TABLE audit_log; --")},
                          &out, &err),
              2);
    EXPECT_TRUE(err.contains(QLatin1String("is not a valid PostgreSQL user name"))) << err.toStdString();
    EXPECT_EQ(db->rawError(QStringLiteral("SELECT count(*) FROM audit_log")), QString());
}
