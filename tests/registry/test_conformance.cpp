// The database's guards and the C++ policy agree: every combination of from-stage, to-stage, kind,
// approval (none, or an approved request of the version / of another version of the model), whether
// the version served in Production before, and (PostgreSQL) the role of the login, is tried in raw
// SQL, as a psql or sqlite3 user would (PostgreSQL: through the write function modeldesk_change_stage, the
// only way a login changes a stage), inside a transaction that is rolled back. The database must allow
// exactly what policy::moves() allows, and refuse everything else.

#include "testdb.h"

#include <QSet>

using namespace md;
using namespace md::test;

namespace {

class Conformance : public BothDialects
{
protected:
    // v1 None, v2 Staging (pending request #reqOwn), v3 Staging (pending request #reqOther),
    // v4 Production, v5 Archived after serving, v6 Archived without ever serving.
    void SetUp() override
    {
        BothDialects::SetUp();
        const QString m = QStringLiteral("conf");
        for (int i = 0; i < 6; ++i) {
            auto r = registry->registerVersion(sampleSpec(m));
            ASSERT_TRUE(r) << r.error().message.toStdString();
        }
        ASSERT_TRUE(registry->setMaxProduction(m, 100)); // the move table, not the Production limit, is tested
        auto reviewer = db->openAs(QStringLiteral("conf_rita"), QStringLiteral("reviewer"));
        ASSERT_TRUE(reviewer);
        auto toProduction = [&](int v) {
            ASSERT_TRUE(registry->promote(m, v, Stage::Staging, {}));
            auto q = registry->requestPromotion(m, v, Stage::Production, QStringLiteral("serve"));
            ASSERT_TRUE(q) << q.error().message.toStdString();
            auto d =
                reviewer->decide(q->id, true, QStringLiteral("ok"), q->gatesPassed ? QString() : QStringLiteral("o"));
            ASSERT_TRUE(d) << d.error().message.toStdString();
        };
        toProduction(5);
        ASSERT_TRUE(registry->archive(m, 5, QStringLiteral("retired")));
        toProduction(4);
        ASSERT_TRUE(registry->promote(m, 6, Stage::Staging, {}));
        ASSERT_TRUE(registry->archive(m, 6, QStringLiteral("never shipped")));
        for (int v : {2, 3}) {
            ASSERT_TRUE(registry->promote(m, v, Stage::Staging, {}));
            auto q = registry->requestPromotion(m, v, Stage::Production, QStringLiteral("candidate"));
            ASSERT_TRUE(q) << q.error().message.toStdString();
            (v == 2 ? reqOwn : reqOther) = q->id;
        }
        for (int v = 1; v <= 6; ++v)
            ids[v] =
                db->rawScalar(QStringLiteral("SELECT v.id FROM model_versions v JOIN registered_models m ON m.id = "
                                             "v.model_id WHERE m.name = 'conf' AND v.version = %1")
                                  .arg(v))
                    .toLongLong();
    }

    struct Case
    {
        int version;
        Stage from;
        bool served;
    };

    // The version standing for each starting point.
    QList<Case> cases() const
    {
        return {{1, Stage::None, false},
                {2, Stage::Staging, false},
                {4, Stage::Production, true},
                {5, Stage::Archived, true},
                {6, Stage::Archived, false}};
    }

    // The raw statements of one attempt: optionally approve a request (own: of this version; other: of
    // another version of the model), then the stage change. SQLite: the transition row and the stage
    // update, as a sqlite3 user would write them. PostgreSQL (schema v6): logins write stages only through
    // modeldesk_change_stage, so the superuser prepares the approval with the triggers off, becomes the
    // login (SET SESSION AUTHORIZATION changes session_user, which every guard checks) and calls it.
    QStringList attempt(const Case &c, Stage to, TransitionKind kind, int approval, const QString &login) const
    {
        QStringList sql;
        const bool pg = GetParam() == Backend::Postgres;
        const QString me = pg ? QStringLiteral("'%1'").arg(login) : QStringLiteral("'conf_checker'");
        if (pg)
            sql << QStringLiteral("SET LOCAL session_replication_role = replica");
        qint64 request = 0;
        if (approval != 0) {
            request = approval == 1 ? reqOwn : reqOther;
            // The request of v2 stands for the version's own when the version is v2; for other versions
            // "own" uses a request made for them here (only v2 and v3 are in Staging).
            if (approval == 1 && c.version != 2) {
                sql << QStringLiteral("INSERT INTO approval_requests (id, version_id, to_stage, requested_by, "
                                      "requested_at, reason, status, gates_passed, gate_report, required_approvals) "
                                      "VALUES (9001, %1, 'Production', 'conf_requester', '2026-01-01T00:00:00.000Z', "
                                      "'r', 'pending', 1, '{}', 1)")
                           .arg(ids.value(c.version));
                request = 9001;
            }
            sql << QStringLiteral("INSERT INTO approval_decisions (request_id, actor, decision, comment, "
                                  "override_reason, at) VALUES (%1, %2, 'approve', 'ok', 'o', "
                                  "'2026-01-01T00:00:00.000Z')")
                       .arg(request)
                       .arg(me);
            sql << QStringLiteral("UPDATE approval_requests SET status = 'approved' WHERE id = %1").arg(request);
        }
        if (pg) {
            sql << QStringLiteral("SET LOCAL session_replication_role = origin")
                << QStringLiteral("SET LOCAL SESSION AUTHORIZATION %1").arg(login)
                << QStringLiteral("SELECT modeldesk_change_stage(%1, '%2', '%3', '%4', 'conformance', %5)")
                       .arg(ids.value(c.version))
                       .arg(stageName(c.from), stageName(to), transitionKindName(kind),
                            request ? QString::number(request) : QStringLiteral("NULL"));
            return sql;
        }
        sql << QStringLiteral("INSERT INTO stage_transitions (version_id, from_stage, to_stage, kind, actor, at, "
                              "reason, approval_id) VALUES (%1, '%2', '%3', '%4', %5, '2026-01-02T00:00:00.000Z', "
                              "'conformance', %6)")
                   .arg(ids.value(c.version))
                   .arg(stageName(c.from), stageName(to), transitionKindName(kind), me,
                        request ? QString::number(request) : QStringLiteral("NULL"));
        sql << QStringLiteral("UPDATE model_versions SET stage = '%1', stage_changed_at = '2026-01-02T00:00:00.000Z' "
                              "WHERE id = %2")
                   .arg(stageName(to))
                   .arg(ids.value(c.version));
        return sql;
    }

    // What the policy says of the same attempt.
    static bool policyAllows(const Case &c, Stage to, TransitionKind kind, int approval, const QList<Role> &held)
    {
        const policy::Move *m = policy::findMove(c.from, to, kind, approval != 0);
        if (!m)
            return false;
        if (m->needsApprovedRequest) {
            // A promotion needs the version's own request; a supersede another version's.
            const bool right = m->to == Stage::Production ? approval == 1 : approval == 2;
            if (!right)
                return false;
        }
        if (m->needsEarlierProduction && !c.served)
            return false;
        return policy::mayMake(*m, held, /*ownApproval=*/approval != 0);
    }

    qint64 reqOwn = 0;
    qint64 reqOther = 0;
    QHash<int, qint64> ids;
};

MD_INSTANTIATE_BOTH(Conformance);

TEST_P(Conformance, TriggersAllowExactlyThePolicyTable)
{
    const bool pg = GetParam() == Backend::Postgres;
    struct Login
    {
        QString user; // empty: the table owner (SQLite: whoever has the file)
        QList<Role> held;
    };
    QList<Login> logins;
    if (pg) {
        const QList<std::pair<QString, QList<Role>>> roles{
            {QStringLiteral("reader"), {Role::Reader}},
            {QStringLiteral("scientist"), {Role::Reader, Role::Scientist}},
            {QStringLiteral("reviewer"), {Role::Reader, Role::Reviewer}},
            {QStringLiteral("deployer"), {Role::Reader, Role::Deployer}},
            {QStringLiteral("admin"), allRoles()}};
        for (const auto &[role, held] : roles) {
            const QString user = QStringLiteral("conf_") + role;
            ASSERT_TRUE(db->openAs(user, role)) << user.toStdString();
            logins << Login{user, held};
        }
    } else {
        logins << Login{QString(), allRoles()}; // SQLite has no roles: only the move table applies
    }
    const QList<Stage> stages{Stage::None, Stage::Staging, Stage::Production, Stage::Archived};
    const QList<TransitionKind> kinds{TransitionKind::Promote, TransitionKind::Demote, TransitionKind::Archive,
                                      TransitionKind::Rollback, TransitionKind::Import};
    int allowed = 0, refused = 0;
    QSet<const policy::Move *> exercised;
    for (const Login &login : logins)
        for (const Case &c : cases())
            for (Stage to : stages)
                for (TransitionKind kind : kinds)
                    for (int approval : {0, 1, 2}) {
                        if (to == c.from)
                            continue;
                        const bool expected = policyAllows(c, to, kind, approval, login.held);
                        const QString error = db->rawTrial(attempt(c, to, kind, approval, login.user));
                        const std::string where = QStringLiteral("%1: v%2 %3->%4 %5 approval=%6")
                                                      .arg(login.user.isEmpty() ? QStringLiteral("owner") : login.user)
                                                      .arg(c.version)
                                                      .arg(stageName(c.from), stageName(to), transitionKindName(kind))
                                                      .arg(approval)
                                                      .toStdString();
                        EXPECT_EQ(error.isEmpty(), expected) << where << " database: " << error.toStdString();
                        if (expected) {
                            ++allowed;
                            exercised.insert(policy::findMove(c.from, to, kind, approval != 0));
                        } else {
                            ++refused;
                            // A refusal is the database's own: a ModelDesk guard or a missing privilege.
                            EXPECT_TRUE(error.contains(QStringLiteral("modeldesk:")) ||
                                        error.startsWith(QStringLiteral("[42501]")))
                                << where << ": " << error.toStdString();
                        }
                    }
    // Every move of the table was allowed at least once, and the stages are as they were.
    EXPECT_EQ(exercised.size(), policy::moves().size());
    EXPECT_GT(refused, allowed);
    EXPECT_EQ(
        db->rawRows(QStringLiteral("SELECT v.version, v.stage FROM model_versions v ORDER BY v.version")),
        (QStringList{QStringLiteral("1|None"), QStringLiteral("2|Staging"), QStringLiteral("3|Staging"),
                     QStringLiteral("4|Production"), QStringLiteral("5|Archived"), QStringLiteral("6|Archived")}));
}

TEST(Policy, OneRowPerMoveAndTheRulesReadTheTable)
{
    // No (from, to, kind, viaApproval) twice; the allowed-moves text names every pair once.
    QSet<QString> keys;
    for (const policy::Move &m : policy::moves()) {
        const QString key = QStringLiteral("%1>%2>%3>%4")
                                .arg(stageName(m.from), stageName(m.to), transitionKindName(m.kind))
                                .arg(m.viaApproval);
        EXPECT_FALSE(keys.contains(key)) << key.toStdString();
        keys.insert(key);
    }
    EXPECT_FALSE(policy::findMove(Stage::None, Stage::Archived, TransitionKind::Archive));
    EXPECT_FALSE(policy::findMove(Stage::Staging, Stage::Production, TransitionKind::Promote, false));
    EXPECT_TRUE(policy::findMove(Stage::Staging, Stage::Production, TransitionKind::Promote, true));
    EXPECT_EQ(policy::allowedMovesText(),
              QStringLiteral("Allowed moves: None->Staging, Staging->None, Staging->Production (by the approval that "
                             "completes a request), Staging->Archived, Production->Archived, Archived->Production "
                             "(rollback only)."));
    // Metric direction by whole words of the name, not substrings.
    EXPECT_EQ(policy::defaultMetricDirection(QStringLiteral("uptime")), MetricDirection::HigherIsBetter);
    EXPECT_EQ(policy::defaultMetricDirection(QStringLiteral("val_loss")), MetricDirection::LowerIsBetter);
    EXPECT_EQ(policy::defaultMetricDirection(QStringLiteral("p99LatencyMs")), MetricDirection::LowerIsBetter);
    EXPECT_EQ(policy::defaultMetricDirection(QStringLiteral("error_rate")), MetricDirection::LowerIsBetter);
    EXPECT_EQ(policy::defaultMetricDirection(QStringLiteral("maestro_score")), MetricDirection::HigherIsBetter);
    // Four eyes.
    EXPECT_EQ(policy::fourEyesRefusal(QStringLiteral("ann"), QStringLiteral("ann"), QStringLiteral("bo"), {}, 3, 7),
              QStringLiteral("Four eyes: ann requested #3 and cannot decide on it; another reviewer must."));
    EXPECT_EQ(policy::fourEyesRefusal(QStringLiteral("bo"), QStringLiteral("ann"), QStringLiteral("bo"), {}, 3, 7),
              QStringLiteral("Four eyes: bo registered v7 and cannot decide on its request; another reviewer must."));
    EXPECT_EQ(policy::fourEyesRefusal(QStringLiteral("cy"), QStringLiteral("ann"), QStringLiteral("bo"),
                                      {QStringLiteral("cy")}, 3, 7),
              QStringLiteral("cy already decided on request #3."));
    EXPECT_FALSE(policy::fourEyesRefusal(QStringLiteral("cy"), QStringLiteral("ann"), QStringLiteral("bo"), {}, 3, 7));
}

} // namespace
