// Stages, gates, approvals, rollback, aliases and deployments (both dialects). Actors are different
// people: on SQLite advisory names, on PostgreSQL real login users with ModelDesk roles.

#include "testdb.h"

#include <QJsonDocument>
#include <QProcess>

using namespace md;
using namespace md::test;

class Lifecycle : public BothDialects
{
protected:
    void SetUp() override
    {
        BothDialects::SetUp();
        alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
        bob = db->openAs(QStringLiteral("bob"), QStringLiteral("scientist"));
        rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
        rex = db->openAs(QStringLiteral("rex"), QStringLiteral("reviewer"));
        dave = db->openAs(QStringLiteral("dave"), QStringLiteral("deployer"));
        ada = db->openAs(QStringLiteral("ada"), QStringLiteral("admin"));
        ASSERT_TRUE(alice && bob && rita && rex && dave && ada);
    }

    // alice registers a version of `fraud` with the given auc@test.
    int registerVersion(double auc)
    {
        VersionSpec s = sampleSpec(QStringLiteral("fraud"));
        s.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, auc}};
        s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
        auto r = alice->registerVersion(s);
        EXPECT_TRUE(r) << r.error().message.toStdString();
        return r ? r->version : 0;
    }

    // Staging, request by alice, approval by rita: the version reaches Production.
    void toProduction(int version)
    {
        auto staged = alice->promote(QStringLiteral("fraud"), version, Stage::Staging, {});
        ASSERT_TRUE(staged) << staged.error().message.toStdString();
        auto req =
            alice->requestPromotion(QStringLiteral("fraud"), version, Stage::Production, QStringLiteral("better"));
        ASSERT_TRUE(req) << req.error().message.toStdString();
        auto decided = rita->decide(req->id, true, QStringLiteral("ok"),
                                    req->gatesPassed ? QString() : QStringLiteral("accepted"));
        ASSERT_TRUE(decided) << decided.error().message.toStdString();
        ASSERT_EQ(decided->status, QStringLiteral("promoted"));
    }

    Stage stageOf(int version)
    {
        auto v = registry->version(QStringLiteral("fraud"), version);
        EXPECT_TRUE(v);
        return v ? v->stage : Stage::None;
    }

    int count(const QString &sql) { return db->rawScalar(sql).toInt(); }

    std::unique_ptr<Registry> alice, bob, rita, rex, dave, ada;
};
MD_INSTANTIATE_BOTH(Lifecycle);

TEST_P(Lifecycle, OnlyAllowedMovesAndTheRefusalNamesThem)
{
    const int v = registerVersion(0.9);
    auto direct = dave->promote(QStringLiteral("fraud"), v, Stage::Production, {});
    ASSERT_FALSE(direct);
    EXPECT_EQ(direct.error().kind, Error::Kind::Conflict);
    EXPECT_TRUE(direct.error().message.contains(QLatin1String("reaches Production through an approved request")))
        << direct.error().message.toStdString();
    EXPECT_TRUE(refusedAs(dave->archive(QStringLiteral("fraud"), v, {}), Error::Kind::Invalid,
                          QStringLiteral("Give a reason (--reason)")));
    auto archived = dave->archive(QStringLiteral("fraud"), v, QStringLiteral("never mind"));
    ASSERT_FALSE(archived);
    EXPECT_TRUE(archived.error().message.contains(QLatin1String("Allowed moves")));
    EXPECT_TRUE(
        archived.error().message.contains(QLatin1String("only Staging and Production versions can be archived")));
    EXPECT_EQ(stageOf(v), Stage::None);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, QStringLiteral("try it")));
    EXPECT_EQ(stageOf(v), Stage::Staging);
    ASSERT_TRUE(alice->demote(QStringLiteral("fraud"), v, QStringLiteral("not yet")));
    EXPECT_EQ(stageOf(v), Stage::None);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}));
    ASSERT_TRUE(dave->archive(QStringLiteral("fraud"), v, QStringLiteral("abandoned")));
    EXPECT_EQ(stageOf(v), Stage::Archived);
    EXPECT_TRUE(
        refusedAs(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}), Error::Kind::Conflict,
                  QStringLiteral("fraud@v%1 is in Archived and cannot move to Staging: only a version in None can be "
                                 "promoted to Staging")
                      .arg(v)));
    EXPECT_EQ(stageOf(v), Stage::Archived);
    // Every transition is recorded with its kind, actor and reason.
    auto full = registry->version(QStringLiteral("fraud"), v);
    ASSERT_TRUE(full);
    ASSERT_EQ(full->transitions.size(), 5);
    EXPECT_EQ(full->transitions.at(2).kind, QStringLiteral("demote"));
    EXPECT_EQ(full->transitions.at(2).actor, QStringLiteral("alice"));
    EXPECT_EQ(full->transitions.at(2).reason, QStringLiteral("not yet"));
    EXPECT_EQ(full->transitions.at(4).kind, QStringLiteral("archive"));
    EXPECT_EQ(full->transitions.at(4).actor, QStringLiteral("dave"));
    // One event per stage change, whoever writes it (the database on PostgreSQL, the client on SQLite).
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM outbox_events WHERE event_type = 'version.stage_changed'")),
              4);
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

TEST_P(Lifecycle, StagingGatesRunAutomaticallyAndRefuseWithTheReport)
{
    GatePolicies policies;
    GateRule minAuc;
    minAuc.kind = GateRule::Kind::MetricMin;
    minAuc.metric = QStringLiteral("auc");
    minAuc.dataset = QStringLiteral("test");
    minAuc.threshold = 0.85;
    policies.staging.rules << minAuc;
    GateRule facts;
    facts.kind = GateRule::Kind::RequiredFacts;
    facts.names = {QStringLiteral("code.git_sha"), QStringLiteral("data.dataset_version")};
    policies.staging.rules << facts;
    ASSERT_TRUE(ada->setGatePolicies({}, policies));
    const int weak = registerVersion(0.80);
    auto refused = alice->promote(QStringLiteral("fraud"), weak, Stage::Staging, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, Error::Kind::Conflict);
    const std::string msg = refused.error().message.toStdString();
    EXPECT_NE(msg.find("auc@test >= 0.85"), std::string::npos) << msg;
    EXPECT_NE(msg.find("actual 0.8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing data.dataset_version"), std::string::npos) << msg;
    EXPECT_EQ(stageOf(weak), Stage::None);
    // A model policy overrides the default for that model.
    GatePolicies lenient;
    ASSERT_TRUE(ada->setGatePolicies(QStringLiteral("fraud"), lenient));
    auto effective = registry->gatePolicies(QStringLiteral("fraud"));
    ASSERT_TRUE(effective);
    EXPECT_EQ(effective->source, QStringLiteral("model"));
    EXPECT_TRUE(alice->promote(QStringLiteral("fraud"), weak, Stage::Staging, {}));
}

TEST_P(Lifecycle, ProductionNeedsAnApprovedRequestAndApprovalPromotes)
{
    const int v = registerVersion(0.9);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}));
    auto early = dave->promote(QStringLiteral("fraud"), v, Stage::Production, {});
    ASSERT_FALSE(early);
    EXPECT_TRUE(early.error().message.contains(QLatin1String("modelctl request fraud")));
    EXPECT_EQ(stageOf(v), Stage::Staging);
    EXPECT_TRUE(refusedAs(alice->requestPromotion(QStringLiteral("fraud"), v, Stage::Production, QString()),
                          Error::Kind::Invalid, QStringLiteral("Give a reason (--reason)")));
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM approval_requests")), 0);
    auto req = alice->requestPromotion(QStringLiteral("fraud"), v, Stage::Production, QStringLiteral("beats baseline"));
    ASSERT_TRUE(req) << req.error().message.toStdString();
    EXPECT_EQ(req->status, QStringLiteral("pending"));
    EXPECT_TRUE(req->gatesPassed);
    auto pending = dave->promote(QStringLiteral("fraud"), v, Stage::Production, {});
    ASSERT_FALSE(pending);
    EXPECT_TRUE(pending.error().message.contains(QStringLiteral("request #%1 (still pending)").arg(req->id)))
        << pending.error().message.toStdString();
    EXPECT_EQ(stageOf(v), Stage::Staging);
    auto queue = registry->requests(true);
    ASSERT_TRUE(queue);
    ASSERT_EQ(queue->size(), 1);
    TransitionOutcome outcome;
    auto approved = rita->decide(req->id, true, QStringLiteral("metrics look right"), {}, &outcome);
    ASSERT_TRUE(approved) << approved.error().message.toStdString();
    EXPECT_EQ(approved->status, QStringLiteral("promoted"));
    EXPECT_EQ(outcome.toStage, QStringLiteral("Production"));
    EXPECT_EQ(stageOf(v), Stage::Production);
    EXPECT_TRUE(registry->requests(true)->isEmpty());
    auto history = registry->productionHistory(QStringLiteral("fraud"));
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 1);
    EXPECT_EQ(history->first().approvers, QStringList{QStringLiteral("rita")});
    EXPECT_EQ(history->first().approvalId, req->id);
    EXPECT_TRUE(history->first().to.isEmpty());
}

TEST_P(Lifecycle, FourEyesRefusesRequesterAndRegistrant)
{
    const int v = registerVersion(0.9); // registered by alice
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}));
    auto req = bob->requestPromotion(QStringLiteral("fraud"), v, Stage::Production, QStringLiteral("go"));
    ASSERT_TRUE(req) << req.error().message.toStdString();
    auto self = bob->decide(req->id, true, QStringLiteral("mine"), {});
    ASSERT_FALSE(self);
    EXPECT_TRUE(self.error().message.contains(QLatin1String("Four eyes")));
    if (GetParam() == Backend::Sqlite) {
        // The registrant (alice) may not approve either. (On PostgreSQL alice is a scientist and has
        // no right to approve at all; the role tests cover that.)
        auto registrant = alice->decide(req->id, true, QStringLiteral("mine too"), {});
        ASSERT_FALSE(registrant);
        EXPECT_TRUE(registrant.error().message.contains(QLatin1String("registered")));
    }
    EXPECT_EQ(stageOf(v), Stage::Staging);
    ASSERT_TRUE(rita->decide(req->id, true, QStringLiteral("ok"), {}));
    EXPECT_EQ(stageOf(v), Stage::Production);
}

TEST_P(Lifecycle, FailingGatesCanOnlyBeApprovedWithARecordedOverride)
{
    toProduction(registerVersion(0.9));
    GatePolicies policies;
    GateRule noRegression;
    noRegression.kind = GateRule::Kind::NoRegression;
    noRegression.metric = QStringLiteral("auc");
    noRegression.dataset = QStringLiteral("test");
    noRegression.tolerance = 0.01;
    policies.production.rules << noRegression;
    ASSERT_TRUE(ada->setGatePolicies(QStringLiteral("fraud"), policies));
    const int worse = registerVersion(0.85);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), worse, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("fraud"), worse, Stage::Production, QStringLiteral("faster"));
    ASSERT_TRUE(req);
    EXPECT_FALSE(req->gatesPassed);
    EXPECT_EQ(req->baselineVersion, 1);
    EXPECT_TRUE(req->gateReport.contains(QLatin1String("v1 has 0.9"))) << req->gateReport.toStdString();
    auto plain = rita->decide(req->id, true, QStringLiteral("fine"), {});
    ASSERT_FALSE(plain);
    EXPECT_TRUE(plain.error().message.contains(QLatin1String("override")));
    EXPECT_EQ(stageOf(worse), Stage::Staging);
    auto overridden = rita->decide(req->id, true, QStringLiteral("fine"), QStringLiteral("latency matters more"));
    ASSERT_TRUE(overridden) << overridden.error().message.toStdString();
    EXPECT_EQ(overridden->decisions.first().overrideReason, QStringLiteral("latency matters more"));
    EXPECT_EQ(stageOf(worse), Stage::Production);
    EXPECT_EQ(stageOf(1), Stage::Archived);
}

TEST_P(Lifecycle, SeveralApprovalsAndRejection)
{
    GatePolicies policies;
    policies.production.approvals = 2;
    ASSERT_TRUE(ada->setGatePolicies({}, policies));
    const int v = registerVersion(0.9);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("fraud"), v, Stage::Production, QStringLiteral("go"));
    ASSERT_TRUE(req);
    EXPECT_EQ(req->requiredApprovals, 2);
    auto first = rita->decide(req->id, true, QStringLiteral("ok"), {});
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, QStringLiteral("pending"));
    EXPECT_TRUE(refusedAs(rita->decide(req->id, true, QStringLiteral("again"), {}), Error::Kind::Conflict,
                          QStringLiteral("rita already decided on request #%1").arg(req->id)));
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM approval_decisions")), 1);
    auto second = rex->decide(req->id, true, QStringLiteral("ok too"), {});
    ASSERT_TRUE(second) << second.error().message.toStdString();
    EXPECT_EQ(second->status, QStringLiteral("promoted"));

    const int w = registerVersion(0.95);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), w, Stage::Staging, {}));
    auto req2 = alice->requestPromotion(QStringLiteral("fraud"), w, Stage::Production, QStringLiteral("newer"));
    ASSERT_TRUE(req2);
    EXPECT_TRUE(refusedAs(rita->decide(req2->id, false, QString(), {}), Error::Kind::Invalid,
                          QStringLiteral("A decision needs a comment")));
    EXPECT_EQ(registry->request(req2->id)->status, QStringLiteral("pending"));
    auto rejected = rita->decide(req2->id, false, QStringLiteral("wrong data window"), {});
    ASSERT_TRUE(rejected);
    EXPECT_EQ(rejected->status, QStringLiteral("rejected"));
    EXPECT_EQ(stageOf(w), Stage::Staging);
    EXPECT_TRUE(refusedAs(rex->decide(req2->id, true, QStringLiteral("late"), {}), Error::Kind::Conflict,
                          QStringLiteral("Request #%1 is rejected, not pending").arg(req2->id)));
    EXPECT_EQ(stageOf(w), Stage::Staging);
    // A new request can be made after a rejection.
    EXPECT_TRUE(alice->requestPromotion(QStringLiteral("fraud"), w, Stage::Production, QStringLiteral("fixed window")));
}

TEST_P(Lifecycle, PromotionSupersedesUpToMaxProduction)
{
    toProduction(registerVersion(0.90));
    toProduction(registerVersion(0.91));
    EXPECT_EQ(stageOf(1), Stage::Archived);
    auto v1 = registry->version(QStringLiteral("fraud"), 1);
    EXPECT_EQ(v1->transitions.last().reason, QStringLiteral("superseded by v2"));
    ASSERT_TRUE(ada->setMaxProduction(QStringLiteral("fraud"), 2));
    toProduction(registerVersion(0.92));
    EXPECT_EQ(stageOf(2), Stage::Production);
    EXPECT_EQ(stageOf(3), Stage::Production);
    auto lowered = ada->setMaxProduction(QStringLiteral("fraud"), 1);
    ASSERT_FALSE(lowered);
    EXPECT_TRUE(lowered.error().message.contains(QLatin1String("archive some")));
    toProduction(registerVersion(0.93));
    EXPECT_EQ(stageOf(2), Stage::Archived); // the oldest holder goes
    EXPECT_EQ(stageOf(3), Stage::Production);
    EXPECT_EQ(stageOf(4), Stage::Production);
}

TEST_P(Lifecycle, RollbackPicksTheLastGoodVersionAndNeverSuggestsARolledBackOne)
{
    toProduction(registerVersion(0.90));        // v1
    toProduction(registerVersion(0.91));        // v2
    toProduction(registerVersion(0.92));        // v3
    const int neverProd = registerVersion(0.5); // v4
    EXPECT_EQ(*registry->suggestedRollbackTarget(QStringLiteral("fraud")), 2);
    EXPECT_TRUE(refusedAs(dave->rollback(QStringLiteral("fraud"), 0, QString()), Error::Kind::Invalid,
                          QStringLiteral("Give a reason (--reason)")));
    EXPECT_EQ(stageOf(3), Stage::Production);
    auto bad = dave->rollback(QStringLiteral("fraud"), neverProd, QStringLiteral("x"));
    ASSERT_FALSE(bad);
    EXPECT_TRUE(bad.error().message.contains(QLatin1String("never in Production")));
    auto r = dave->rollback(QStringLiteral("fraud"), 0, QStringLiteral("v3 broke checkout"));
    ASSERT_TRUE(r) << r.error().message.toStdString();
    EXPECT_EQ(r->version, 2);
    EXPECT_EQ(stageOf(2), Stage::Production);
    EXPECT_EQ(stageOf(3), Stage::Archived);
    EXPECT_TRUE(registry->version(QStringLiteral("fraud"), 3)->rollbackExcluded);
    // v3 was rolled back from: the next suggestion is v1, not v3.
    EXPECT_EQ(*registry->suggestedRollbackTarget(QStringLiteral("fraud")), 1);
    // An explicit target may still be chosen; clearing the mark makes v3 a candidate again.
    ASSERT_TRUE(dave->rollback(QStringLiteral("fraud"), 1, QStringLiteral("v2 also bad")));
    EXPECT_EQ(stageOf(1), Stage::Production);
    ASSERT_TRUE(dave->clearRollbackMark(QStringLiteral("fraud"), 3));
    EXPECT_EQ(*registry->suggestedRollbackTarget(QStringLiteral("fraud")), 3);
    auto history = registry->productionHistory(QStringLiteral("fraud"));
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 5);
    EXPECT_EQ(history->at(2).leftKind, QStringLiteral("rollback"));
    EXPECT_EQ(history->at(3).enteredKind, QStringLiteral("rollback"));
    EXPECT_EQ(history->at(3).enteredBy, QStringLiteral("dave"));
    EXPECT_EQ(history->at(3).enteredReason, QStringLiteral("v3 broke checkout"));
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

TEST_P(Lifecycle, DirectSqlCannotPutAVersionInProduction)
{
    const int v = registerVersion(0.9);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}));
    const QString stages = QStringLiteral("SELECT id, stage, stage_changed_at FROM model_versions");
    const QString transitions = QStringLiteral("stage_transitions");
    EXPECT_TRUE(refusedUnchanged(
        *db, QStringLiteral("UPDATE model_versions SET stage = 'Production' WHERE version = %1").arg(v),
        QStringLiteral("modeldesk: stage changes go through the registry (a matching stage_transitions row must be "
                       "written first)"),
        stages));
    // A forged transition row without an approved request is refused too. (On PostgreSQL the actor must be
    // the session user, so the row names the test's connection user and the stage guard is what refuses it.)
    const QString actor = GetParam() == Backend::Postgres ? QStringLiteral("postgres") : QStringLiteral("mallory");
    EXPECT_TRUE(refusedUnchanged(
        *db,
        QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason) "
                       "SELECT id, 'Staging', 'Production', 'promote', '%1', 'x', '' FROM model_versions WHERE "
                       "version = %2")
            .arg(actor)
            .arg(v),
        QStringLiteral("modeldesk: Staging->Production needs an approved approval request for this version"),
        transitions));
    // Staging->Production is no rollback move (a rollback returns from Archived).
    EXPECT_TRUE(refusedUnchanged(
        *db,
        QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason) "
                       "SELECT id, 'Staging', 'Production', 'rollback', '%1', 'x', '' FROM model_versions WHERE "
                       "version = %2")
            .arg(actor)
            .arg(v),
        QStringLiteral("modeldesk: stage move not allowed"), transitions));
    EXPECT_EQ(stageOf(v), Stage::Staging);
    // A forged rollback (an allowed move, Archived -> Production) to a version that never served is refused
    // by the rollback guard.
    const int never = registerVersion(0.8);
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), never, Stage::Staging, {}));
    ASSERT_TRUE(dave->archive(QStringLiteral("fraud"), never, QStringLiteral("abandoned")));
    EXPECT_TRUE(refusedUnchanged(
        *db,
        QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, reason) "
                       "SELECT id, 'Archived', 'Production', 'rollback', '%1', 'x', '' FROM model_versions WHERE "
                       "version = %2")
            .arg(actor)
            .arg(never),
        QStringLiteral("modeldesk: a rollback can only return to a version that was in Production before"),
        transitions));
    EXPECT_EQ(stageOf(never), Stage::Archived);
    // Nor can a version be inserted straight into Production (or pre-sealed), even with the next number
    // taken the way registering takes it; a number out of sequence is refused before that.
    EXPECT_TRUE(refusedUnchanged(
        *db,
        QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, created_at, created_by, stage, "
                       "stage_changed_at) SELECT model_id, 99, 's3://evil', 'x', '%1', 'Production', 'x' FROM "
                       "model_versions WHERE version = %2")
            .arg(actor)
            .arg(v),
        // Both guards refuse it; which speaks first is the order each dialect fires its triggers in.
        GetParam() == Backend::Sqlite ? QStringLiteral("modeldesk: the version is out of sequence")
                                      : QStringLiteral("modeldesk: a new version starts in stage None and unsealed"),
        stages));
    const QString takeNumber = QStringLiteral("UPDATE registered_models SET last_version = last_version + 1");
    for (const QString &forged : {QStringLiteral("'Production', 0"), QStringLiteral("'None', 1")}) {
        const QString inserted = db->rawTrial(
            {takeNumber,
             QStringLiteral("INSERT INTO model_versions (model_id, version, artifact_uri, created_at, created_by, "
                            "stage, sealed, stage_changed_at) SELECT id, last_version, 's3://evil', 'x', '%1', %2, "
                            "'x' FROM registered_models")
                 .arg(actor, forged)});
        EXPECT_TRUE(inserted.contains(QLatin1String("modeldesk: a new version starts in stage None and unsealed")))
            << forged.toStdString() << ": " << inserted.toStdString();
    }
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM model_versions WHERE stage = 'Production'")), 0);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM model_versions")), 2);
    // An approval cannot be faked by flipping the request status either.
    auto req = alice->requestPromotion(QStringLiteral("fraud"), v, Stage::Production, QStringLiteral("go"));
    ASSERT_TRUE(req);
    EXPECT_TRUE(refusedUnchanged(
        *db, QStringLiteral("UPDATE approval_requests SET status = 'approved' WHERE id = %1").arg(req->id),
        QStringLiteral("modeldesk: a request is approved only when enough approvals were given"),
        QStringLiteral("approval_requests")));
    EXPECT_EQ(registry->request(req->id)->status, QStringLiteral("pending"));
    EXPECT_EQ(stageOf(v), Stage::Staging);
}

TEST_P(Lifecycle, ConcurrentPromotionsKeepOneProductionVersionAndRecordEverything)
{
    constexpr int kVersions = 8;
    QList<qint64> requestIds;
    for (int i = 0; i < kVersions; ++i) {
        const int v = registerVersion(0.8 + i * 0.01);
        ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), v, Stage::Staging, {}));
        auto req = alice->requestPromotion(QStringLiteral("fraud"), v, Stage::Production, QStringLiteral("race"));
        ASSERT_TRUE(req);
        requestIds << req->id;
    }
    // 8 processes each approve one request at the same time; each approval promotes its version.
    QList<QProcess *> procs;
    for (qint64 id : requestIds) {
        auto *p = new QProcess;
        QStringList args{QStringLiteral("--registry"), db->urlFor(QStringLiteral("rita"))};
        if (GetParam() == Backend::Sqlite)
            args << QStringLiteral("--as") << QStringLiteral("rita");
        args << QStringLiteral("approve") << QString::number(id) << QStringLiteral("--comment") << QStringLiteral("go");
        p->start(QStringLiteral(MODELCTL_PATH), args);
        procs << p;
    }
    for (QProcess *p : procs) {
        ASSERT_TRUE(p->waitForFinished(120000));
        EXPECT_EQ(p->exitCode(), 0) << p->readAllStandardError().toStdString();
        delete p;
    }
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM model_versions WHERE stage = 'Production'")), 1);
    EXPECT_EQ(count(QStringLiteral(
                  "SELECT count(*) FROM stage_transitions WHERE to_stage = 'Production' AND kind = 'promote'")),
              kVersions);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM stage_transitions WHERE from_stage = 'Production' AND "
                                   "to_stage = 'Archived'")),
              kVersions - 1);
    EXPECT_EQ(count(QStringLiteral("SELECT count(*) FROM approval_requests WHERE status = 'promoted'")), kVersions);
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

TEST_P(Lifecycle, AliasesAreAuditedAndProtectedOnesNeedADeployer)
{
    registerVersion(0.9);
    registerVersion(0.91);
    ASSERT_TRUE(alice->setAlias(QStringLiteral("fraud"), QStringLiteral("challenger"), 2, false));
    ASSERT_TRUE(dave->setAlias(QStringLiteral("fraud"), QStringLiteral("champion"), 1, true));
    ASSERT_TRUE(alice->setAlias(QStringLiteral("fraud"), QStringLiteral("challenger"), 1, false));
    auto list = registry->aliases(QStringLiteral("fraud"));
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2);
    EXPECT_EQ(list->at(0).alias, QStringLiteral("challenger"));
    EXPECT_EQ(list->at(0).version, 1);
    EXPECT_TRUE(list->at(1).isProtected);
    EXPECT_TRUE(refusedAs(alice->setAlias(QStringLiteral("fraud"), QStringLiteral("Bad Alias"), 1, false),
                          Error::Kind::Invalid, QStringLiteral("The alias 'Bad Alias' is not valid")));
    EXPECT_TRUE(refusedAs(alice->setAlias(QStringLiteral("fraud"), QStringLiteral("x"), 99, false),
                          Error::Kind::NotFound, QStringLiteral("no version 99")));
    EXPECT_EQ(registry->aliases(QStringLiteral("fraud"))->size(), 2);
    if (GetParam() == Backend::Postgres) {
        auto moved = alice->setAlias(QStringLiteral("fraud"), QStringLiteral("champion"), 2, true);
        ASSERT_FALSE(moved);
        EXPECT_EQ(moved.error().kind, Error::Kind::Permission) << moved.error().message.toStdString();
        EXPECT_TRUE(refusedAs(alice->removeAlias(QStringLiteral("fraud"), QStringLiteral("champion")),
                              Error::Kind::Permission,
                              QStringLiteral("protected aliases can only be moved by deployers")));
        EXPECT_EQ(registry->aliases(QStringLiteral("fraud"))->at(1).version, 1);
    }
    ASSERT_TRUE(dave->removeAlias(QStringLiteral("fraud"), QStringLiteral("champion")));
    AuditFilter f;
    f.action = QStringLiteral("set_alias");
    EXPECT_EQ(registry->audit(f)->size(), 3);
}

TEST_P(Lifecycle, DeploymentsFlagShadowModels)
{
    toProduction(registerVersion(0.9));
    registerVersion(0.95);
    ASSERT_TRUE(
        dave->reportDeployment(QStringLiteral("fraud-api"), QStringLiteral("prod-eu"), QStringLiteral("fraud"), 1));
    ASSERT_TRUE(
        dave->reportDeployment(QStringLiteral("fraud-api"), QStringLiteral("prod-us"), QStringLiteral("fraud"), 2));
    EXPECT_TRUE(refusedAs(
        dave->reportDeployment(QStringLiteral("Fraud API"), QStringLiteral("prod"), QStringLiteral("fraud"), 1),
        Error::Kind::Invalid, QStringLiteral("The service name 'Fraud API' is not valid")));
    auto list = registry->deployments(QStringLiteral("fraud"));
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 2);
    EXPECT_FALSE(list->at(0).shadow);
    EXPECT_TRUE(list->at(1).shadow);
    EXPECT_EQ(list->at(1).version, 2);
    // A newer report for the same service and environment replaces the old one.
    ASSERT_TRUE(
        dave->reportDeployment(QStringLiteral("fraud-api"), QStringLiteral("prod-us"), QStringLiteral("fraud"), 1));
    list = registry->deployments();
    ASSERT_TRUE(list);
    EXPECT_FALSE(list->at(1).shadow);
}
