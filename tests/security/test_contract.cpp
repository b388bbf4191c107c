// What the database decides on PostgreSQL (schema v6) whatever a client writes: timestamps from its own
// clock, approval requests that start pending with the database's gate report, and gate reports that agree
// with the C++ evaluation (models/registry/gates.cpp) that SQLite and the desktop app's previews use.

#include "testdb.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>

using namespace md;
using namespace md::test;

namespace {

class DatabaseContract : public ::testing::Test
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(Backend::Postgres);
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        owner = db->open();
        ASSERT_TRUE(owner);
        sci = db->openAs(QStringLiteral("ctr_sci"), QStringLiteral("scientist"));
        ASSERT_TRUE(sci);
    }
    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> owner;
    std::unique_ptr<Registry> sci;
};

TEST_F(DatabaseContract, TimestampsComeFromTheDatabaseClock)
{
    const QString start = QDateTime::currentDateTimeUtc().addSecs(-5).toString(Qt::ISODateWithMs);
    ASSERT_TRUE(sci->registerVersion(sampleSpec(QStringLiteral("clock"))));
    // A registration in plain SQL with forged times, committed.
    ASSERT_EQ(db->rawExecAs(QStringLiteral("ctr_sci"),
                            QStringLiteral("BEGIN; UPDATE registered_models SET last_version = last_version + 1; "
                                           "INSERT INTO model_versions (model_id, version, artifact_uri, created_at, "
                                           "created_by, stage_changed_at) SELECT id, last_version, 's3://x', "
                                           "'2001-01-01T00:00:00.000Z', 'ctr_sci', '2001-01-01T00:00:00.000Z' FROM "
                                           "registered_models; UPDATE model_versions SET sealed = 1 WHERE sealed = 0; "
                                           "COMMIT")),
              QString());
    const QStringList rows = db->rawRows(
        QStringLiteral("SELECT v.created_at >= '%1', v.stage_changed_at = v.created_at, t.at >= '%1', t.actor FROM "
                       "model_versions v JOIN stage_transitions t ON t.version_id = v.id AND t.kind = 'register' "
                       "WHERE v.version = 2")
            .arg(start));
    EXPECT_EQ(rows, QStringList{QStringLiteral("true|true|true|ctr_sci")});
    // Its audit entry was written by the database, in the login's name, at the database's time.
    EXPECT_EQ(db->rawRows(QStringLiteral("SELECT actor, at >= '%1' FROM audit_log WHERE action = 'register_version' "
                                         "AND object_key = 'clock@v2'")
                              .arg(start)),
              QStringList{QStringLiteral("ctr_sci|true")});
    // A stage change keeps its own time; an update that does not change the stage cannot move it.
    ASSERT_TRUE(sci->promote(QStringLiteral("clock"), 2, Stage::Staging, {}));
    const QString entered =
        db->rawScalar(QStringLiteral("SELECT stage_changed_at FROM model_versions WHERE version = 2")).toString();
    ASSERT_EQ(db->rawExec(QStringLiteral("UPDATE model_versions SET stage_changed_at = '2001-01-01T00:00:00.000Z' "
                                         "WHERE version = 2")),
              QString()); // the superuser may issue it; the guard keeps the stored time
    EXPECT_EQ(db->rawScalar(QStringLiteral("SELECT stage_changed_at FROM model_versions WHERE version = 2")).toString(),
              entered);
    EXPECT_TRUE(owner->verifyAudit()->intact);
}

TEST_F(DatabaseContract, ARequestStartsPendingWithTheDatabasesReportWhateverIsInserted)
{
    auto policies = parseGatePolicies(QJsonDocument::fromJson(R"({"production": {"rules": [
        {"kind": "metric_min", "metric": "auc", "dataset": "test", "threshold": 0.95}], "approvals": 2}})")
                                          .object());
    ASSERT_TRUE(policies);
    ASSERT_TRUE(sci->registerVersion(sampleSpec(QStringLiteral("req")))); // auc 0.9: fails the gate
    ASSERT_TRUE(owner->setGatePolicies(QStringLiteral("req"), *policies));
    ASSERT_TRUE(sci->promote(QStringLiteral("req"), 1, Stage::Staging, {}));
    // Even the superuser, who holds every privilege, cannot insert a request already approved with a
    // forged report, a forged time or fewer approvals: the row starts pending with the database's values.
    ASSERT_EQ(db->rawExec(QStringLiteral(
                  "INSERT INTO approval_requests (version_id, to_stage, requested_by, requested_at, reason, status, "
                  "gates_passed, gate_report, baseline_version, required_approvals, decided_at) SELECT id, "
                  "'Production', session_user, '2001-01-01', 'forged', 'approved', 1, '{\"passed\": true}', 7, 1, "
                  "'2001-01-02' FROM model_versions")),
              QString());
    const QStringList stored = db->rawRows(QStringLiteral(
        "SELECT status, gates_passed, required_approvals, baseline_version IS NULL, decided_at IS NULL, "
        "requested_at > '2002', gate_report::jsonb -> 'results' -> 0 ->> 'actual' FROM approval_requests"));
    EXPECT_EQ(stored, QStringList{QStringLiteral("pending|0|2|true|true|true|0.9")});
    // The request the client asks for gets the same report.
    auto listed = owner->requests(true);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1);
    EXPECT_FALSE(listed->first().gatesPassed);
    EXPECT_EQ(listed->first().requiredApprovals, 2);
    // A version whose staging gates fail cannot be moved to Staging through the write function either.
    auto strict = parseGatePolicies(QJsonDocument::fromJson(R"({"staging": {"rules": [
        {"kind": "required_facts", "facts": ["code.git_sha"]}]}})")
                                        .object());
    ASSERT_TRUE(strict);
    ASSERT_TRUE(owner->setGatePolicies(QStringLiteral("req"), *strict));
    ASSERT_TRUE(sci->registerVersion(sampleSpec(QStringLiteral("req"))));
    EXPECT_TRUE(refusedUnchanged(*db,
                                 QStringLiteral("SELECT modeldesk_change_stage(id, 'None', 'Staging', 'promote', '', "
                                                "NULL) FROM model_versions WHERE version = 2"),
                                 QStringLiteral("[23000] modeldesk: req@v2 was not moved to Staging because its gates "
                                                "failed: provenance facts present: code.git_sha (actual missing "
                                                "code.git_sha)"),
                                 QStringLiteral("SELECT version, stage FROM model_versions"),
                                 QStringLiteral("ctr_sci")));
}

// Random policies over random versions: the database's report and the C++ report agree rule by rule,
// texts included (values are given with at most six significant digits, as both print them).
TEST_F(DatabaseContract, GateReportsAgreeWithTheCppEvaluationOnGeneratedCases)
{
    QRandomGenerator rng(20261202);
    const QString m = QStringLiteral("gates");
    const QStringList metrics{QStringLiteral("auc"), QStringLiteral("val_loss"), QStringLiteral("p99LatencyMs")};
    for (int v = 1; v <= 6; ++v) {
        VersionSpec spec = sampleSpec(m);
        spec.metrics.clear();
        for (const QString &name : metrics)
            if (name == metrics.first() || rng.bounded(4) != 0) // a version has one metric at least
                spec.metrics << Metric{name, QStringLiteral("test"), {}, rng.bounded(1000) / 1000.0};
        if (rng.bounded(2))
            spec.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")};
        if (rng.bounded(2))
            spec.tags.insert(QStringLiteral("reviewed"), QStringLiteral("yes"));
        auto registered = sci->registerVersion(spec);
        ASSERT_TRUE(registered) << registered.error().message.toStdString();
    }
    // v1 serves in Production (the baseline); v2-v4 wait in Staging; v5, v6 stay in None.
    auto rev = db->openAs(QStringLiteral("ctr_rev"), QStringLiteral("reviewer"));
    ASSERT_TRUE(rev);
    for (int v = 1; v <= 4; ++v)
        ASSERT_TRUE(sci->promote(m, v, Stage::Staging, {}));
    auto r = sci->requestPromotion(m, 1, Stage::Production, QStringLiteral("baseline"));
    ASSERT_TRUE(r);
    ASSERT_TRUE(rev->decide(r->id, true, QStringLiteral("ok"), r->gatesPassed ? QString() : QStringLiteral("o")));
    int compared = 0;
    for (int round = 0; round < 60; ++round) {
        QJsonArray rules;
        const int n = 1 + rng.bounded(4);
        for (int i = 0; i < n; ++i) {
            const QString metric = metrics.at(rng.bounded(metrics.size()));
            switch (rng.bounded(5)) {
            case 0:
            case 1:
                rules << QJsonObject{{QStringLiteral("kind"),
                                      rng.bounded(2) ? QStringLiteral("metric_min") : QStringLiteral("metric_max")},
                                     {QStringLiteral("metric"), metric},
                                     {QStringLiteral("dataset"), QStringLiteral("test")},
                                     {QStringLiteral("threshold"), rng.bounded(100) / 100.0}};
                break;
            case 2:
                rules << QJsonObject{{QStringLiteral("kind"), QStringLiteral("no_regression")},
                                     {QStringLiteral("metric"), metric},
                                     {QStringLiteral("dataset"), QStringLiteral("test")},
                                     {QStringLiteral("tolerance"), rng.bounded(20) / 100.0}};
                break;
            case 3:
                rules << QJsonObject{{QStringLiteral("kind"), rng.bounded(2) ? QStringLiteral("required_facts")
                                                                             : QStringLiteral("required_tags")},
                                     {rng.bounded(2) ? QStringLiteral("facts") : QStringLiteral("tags"),
                                      QJsonArray{QStringLiteral("code.git_sha"), QStringLiteral("reviewed")}}};
                break;
            default:
                rules << QJsonObject{{QStringLiteral("kind"), QStringLiteral("min_staging_hours")},
                                     {QStringLiteral("hours"), rng.bounded(2) ? 0.0 : 24.0}};
            }
        }
        // Keys a rule does not know make the policy invalid: keep each rule's own keys only.
        for (int i = 0; i < rules.size(); ++i) {
            QJsonObject o = rules.at(i).toObject();
            const QString kind = o.value(QStringLiteral("kind")).toString();
            if (kind == QLatin1String("required_facts"))
                o = {{QStringLiteral("kind"), kind},
                     {QStringLiteral("facts"), QJsonArray{QStringLiteral("code.git_sha")}}};
            if (kind == QLatin1String("required_tags"))
                o = {{QStringLiteral("kind"), kind}, {QStringLiteral("tags"), QJsonArray{QStringLiteral("reviewed")}}};
            rules[i] = o;
        }
        auto policy = parseGatePolicies(QJsonObject{
            {QStringLiteral("production"),
             QJsonObject{{QStringLiteral("rules"), rules}, {QStringLiteral("approvals"), 1 + rng.bounded(3)}}}});
        ASSERT_TRUE(policy) << policy.error().message.toStdString();
        ASSERT_TRUE(owner->setGatePolicies(m, *policy));
        if (round % 7 == 3) { // a stored direction overrides the name's
            ASSERT_TRUE(owner->setMetricDirection(m, QStringLiteral("val_loss"),
                                                  rng.bounded(2) ? MetricDirection::HigherIsBetter
                                                                 : MetricDirection::LowerIsBetter));
        }
        for (int v = 1; v <= 6; ++v) {
            auto cpp = owner->evaluateGatesFor(m, v, Stage::Production);
            ASSERT_TRUE(cpp) << cpp.error().message.toStdString();
            const QString json =
                db->rawScalar(
                      QStringLiteral("SELECT modeldesk_gate_report(v.id, 'production')::text FROM model_versions "
                                     "v JOIN registered_models g ON g.id = v.model_id WHERE g.name = 'gates' AND "
                                     "v.version = %1")
                          .arg(v))
                    .toString();
            auto sql = gateReportFromJson(QJsonDocument::fromJson(json.toUtf8()).object());
            ASSERT_TRUE(sql) << json.toStdString();
            const std::string where = QStringLiteral("round %1, v%2: %3").arg(round).arg(v).arg(json).toStdString();
            EXPECT_EQ(sql->passed, cpp->passed) << where;
            EXPECT_EQ(sql->baselineVersion, cpp->baselineVersion) << where;
            EXPECT_EQ(sql->approvalsRequired, cpp->approvalsRequired) << where;
            ASSERT_EQ(sql->results.size(), cpp->results.size()) << where;
            for (qsizetype i = 0; i < sql->results.size(); ++i) {
                EXPECT_EQ(sql->results[i].passed, cpp->results[i].passed) << where << " rule " << i;
                EXPECT_EQ(sql->results[i].rule, cpp->results[i].rule) << where;
                EXPECT_EQ(sql->results[i].actual, cpp->results[i].actual) << where;
                EXPECT_EQ(sql->results[i].expected, cpp->results[i].expected) << where;
            }
            ++compared;
        }
    }
    EXPECT_EQ(compared, 360);
}

} // namespace
