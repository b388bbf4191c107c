// Lifecycle item models and the rules that enable actions, each model checked by QAbstractItemModelTester.

#include "items/approvalqueuemodel.h"
#include "items/auditlogmodel.h"
#include "items/lifecycleclient.h"
#include "items/metricdeltamodel.h"
#include "modeltester.h"

#include <QBrush>

using namespace md;
using namespace md::test;

namespace {

ModelVersion version(int number, Stage stage, QList<Metric> metrics)
{
    ModelVersion v;
    v.modelName = QStringLiteral("fraud");
    v.version = number;
    v.stage = stage;
    v.metrics = std::move(metrics);
    return v;
}

Metric metric(const char *name, double value, const char *slice = "")
{
    return Metric{QLatin1String(name), QStringLiteral("test"), QLatin1String(slice), value};
}

} // namespace

TEST(MetricDelta, ColoursByDirectionAndListsSubgroupsAfterOverall)
{
    MetricDeltaModel model;
    CheckedModel checked(&model);
    const ModelVersion candidate = version(
        2, Stage::Staging,
        {metric("auc", 0.91, "country=DE"), metric("auc", 0.93), metric("latency_ms", 25), metric("recall", 0.5)});
    const ModelVersion baseline = version(
        1, Stage::Production,
        {metric("auc", 0.90), metric("auc", 0.92, "country=DE"), metric("latency_ms", 20), metric("precision", 0.7)});
    model.setVersions(candidate, &baseline);
    ASSERT_EQ(model.rowCount(), 5); // auc, latency_ms, precision, recall, then auc[country=DE]
    auto row = [&](const QString &key) {
        for (int r = 0; r < model.rowCount(); ++r)
            if (model.index(r, 0).data(MetricDeltaModel::MetricKeyRole).toString() == key)
                return r;
        return -1;
    };
    const int auc = row(QStringLiteral("auc@test"));
    const int latency = row(QStringLiteral("latency_ms@test"));
    const int de = row(QStringLiteral("auc@test[country=DE]"));
    const int recall = row(QStringLiteral("recall@test"));
    EXPECT_EQ(de, 4);
    EXPECT_TRUE(model.index(de, 0).data(MetricDeltaModel::IsSubgroupRole).toBool());
    EXPECT_EQ(model.index(auc, 0).data(MetricDeltaModel::VerdictRole).toInt(), 1);
    EXPECT_EQ(model.index(latency, 0).data(MetricDeltaModel::VerdictRole).toInt(), -1); // lower is better
    EXPECT_EQ(model.index(de, 0).data(MetricDeltaModel::VerdictRole).toInt(), -1);
    EXPECT_EQ(model.index(recall, 0).data(MetricDeltaModel::VerdictRole).toInt(), 0); // no baseline value
    EXPECT_EQ(model.index(recall, MetricDeltaModel::BaselineColumn).data().toString(), QStringLiteral("—"));
    EXPECT_TRUE(
        model.index(latency, MetricDeltaModel::DeltaColumn).data().toString().contains(QStringLiteral("worse")));
    EXPECT_EQ(model.index(auc, MetricDeltaModel::DeltaColumn).data(Qt::ForegroundRole).value<QBrush>().color(),
              QColor(0x1b, 0x5e, 0x20));
    EXPECT_EQ(model.betterCount(), 1);
    EXPECT_EQ(model.worseCount(), 2);
    EXPECT_EQ(model.headerData(MetricDeltaModel::BaselineColumn, Qt::Horizontal).toString(),
              QStringLiteral("Production v1"));
    model.setVersions(candidate, nullptr);
    EXPECT_EQ(model.rowCount(), 4);
    EXPECT_EQ(model.worseCount(), 0);
}

TEST(ApprovalQueue, OldestFirstWithAgeGatesAndApprovals)
{
    ApprovalQueueModel model;
    CheckedModel checked(&model);
    model.setNow(QDateTime(QDate(2026, 11, 26), QTime(12, 0), Qt::UTC));
    ApprovalRequest a;
    a.id = 7;
    a.modelName = QStringLiteral("fraud");
    a.version = 3;
    a.requestedAt = QStringLiteral("2026-11-26T09:00:00Z");
    a.gatesPassed = false;
    a.requiredApprovals = 2;
    a.decisions << ApprovalDecision{1, QStringLiteral("rita"), QStringLiteral("approve"), {}, {}, {}};
    ApprovalRequest b = a;
    b.id = 5;
    b.requestedAt = QStringLiteral("2026-11-23T11:30:00Z");
    b.gatesPassed = true;
    b.decisions.clear();
    model.setRequests({a, b});
    ASSERT_EQ(model.rowCount(), 2);
    EXPECT_EQ(model.index(0, 0).data(ApprovalQueueModel::RequestIdRole).toLongLong(), 5);
    EXPECT_EQ(model.index(0, ApprovalQueueModel::AgeColumn).data().toString(), QStringLiteral("3 d 0 h"));
    EXPECT_EQ(model.index(1, ApprovalQueueModel::AgeColumn).data().toString(), QStringLiteral("3 h"));
    EXPECT_EQ(model.index(1, ApprovalQueueModel::GatesColumn).data().toString(), QStringLiteral("FAILING"));
    EXPECT_EQ(model.index(1, ApprovalQueueModel::ApprovalsColumn).data().toString(), QStringLiteral("1 / 2"));
}

TEST(VersionActions, DisabledActionsSayWhy)
{
    VersionFacts f;
    f.model = QStringLiteral("team/m");
    f.version = 4;
    f.stage = Stage::Staging;
    f.registeredBy = QStringLiteral("ada");
    f.actor = QStringLiteral("rex");
    f.roles = {Role::Reader, Role::Reviewer};
    auto of = [&](VersionAction a) { return policy::versionActions(f).of(a); };
    // A reviewer may not request or archive; the missing role is named.
    EXPECT_FALSE(of(VersionAction::RequestPromotion).allowed);
    EXPECT_TRUE(of(VersionAction::RequestPromotion).reason.contains(QStringLiteral("modeldesk_scientist")));
    EXPECT_FALSE(of(VersionAction::Archive).allowed);
    EXPECT_TRUE(of(VersionAction::Archive).reason.contains(QStringLiteral("modeldesk_deployer")));
    // Approving needs an open request, then four eyes.
    EXPECT_FALSE(of(VersionAction::Approve).allowed);
    EXPECT_EQ(of(VersionAction::Approve).reason, QStringLiteral("v4 has no open request to decide on."));
    f.openRequest = 9;
    f.requestedBy = QStringLiteral("rex");
    EXPECT_FALSE(of(VersionAction::Approve).allowed);
    EXPECT_TRUE(of(VersionAction::Approve).reason.startsWith(QStringLiteral("Four eyes: rex requested #9")));
    f.requestedBy = QStringLiteral("bob");
    f.requestGatesPassed = false;
    EXPECT_TRUE(of(VersionAction::Approve).allowed);
    EXPECT_TRUE(of(VersionAction::Approve).needsOverride);
    // A scientist requests once; the open request blocks a second one and may be withdrawn by its requester.
    f.roles = {Role::Scientist};
    EXPECT_FALSE(of(VersionAction::RequestPromotion).allowed);
    EXPECT_TRUE(of(VersionAction::RequestPromotion).reason.contains(QStringLiteral("#9")));
    EXPECT_FALSE(of(VersionAction::WithdrawRequest).allowed);
    f.actor = QStringLiteral("bob");
    EXPECT_TRUE(of(VersionAction::WithdrawRequest).allowed);
    f.openRequest = 0;
    EXPECT_TRUE(of(VersionAction::RequestPromotion).allowed);
    // A version in None is promoted to Staging, never archived (no such move in the table).
    f.stage = Stage::None;
    EXPECT_TRUE(of(VersionAction::PromoteToStaging).allowed);
    f.roles = {Role::Deployer};
    EXPECT_FALSE(of(VersionAction::Archive).allowed);
    EXPECT_TRUE(of(VersionAction::Archive).reason.startsWith(QStringLiteral("v4 is in None")));
    // A read-only registry refuses everything with its reason.
    f.readOnlyReason = QStringLiteral("written by a newer ModelDesk");
    EXPECT_FALSE(of(VersionAction::PromoteToStaging).allowed);
    EXPECT_EQ(of(VersionAction::PromoteToStaging).reason, QStringLiteral("written by a newer ModelDesk"));
}
