// The promotion, approval and rollback dialogs driven with real clicks and typing, on SQLite (advisory
// actors; the app acts as the OS user) and on PostgreSQL (the app logs in as users with different roles).

#include "items/lifecycleclient.h"
#include "items/registryclient.h"
#include "testdb.h"
#include "views/approvaldialog.h"
#include "views/gatechecklist.h"
#include "views/productiontimeline.h"
#include "views/promotiondialog.h"
#include "views/rollbackdialog.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace md;
using namespace md::test;

namespace {

template <typename T> T *child(QWidget *parent, const char *name)
{
    T *w = parent->findChild<T *>(QLatin1String(name));
    EXPECT_TRUE(w) << "no widget " << name;
    return w;
}

const QString kModel = QStringLiteral("fraud");

} // namespace

class LifecycleDialogs : public ::testing::TestWithParam<Backend>
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(GetParam());
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        registry = db->open();
        ASSERT_TRUE(registry);
        alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
        bob = db->openAs(QStringLiteral("bob"), QStringLiteral("scientist"));
        rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
        dave = db->openAs(QStringLiteral("dave"), QStringLiteral("deployer"));
        ASSERT_TRUE(alice && bob && rita && dave);
    }
    void TearDown() override
    {
        lifecycle.reset();
        client.reset(); // closes the app's connection before the database is dropped
        alice.reset();
        bob.reset();
        rita.reset();
        dave.reset();
        registry.reset();
        db.reset();
    }

    bool sqlite() const { return GetParam() == Backend::Sqlite; }

    // The app's connection, as `user` with `role` on PostgreSQL; on SQLite always the OS user.
    QString connectApp(const QString &user, const QString &role)
    {
        QString url = db->url();
        QString actor = osUserName();
        if (!sqlite()) {
            EXPECT_TRUE(db->openAs(user, role));
            url = db->urlFor(user);
            actor = user;
        }
        client = std::make_unique<RegistryClient>();
        QSignalSpy opened(client.get(), &RegistryClient::opened);
        client->open(url, Registry::Open::ExistingOnly);
        EXPECT_TRUE(opened.wait(15000));
        lifecycle = std::make_unique<LifecycleClient>(client.get());
        return actor;
    }

    // alice registers a version with auc@test (higher is better) and latency_ms (lower is better).
    int registerVersion(double auc, double latency)
    {
        VersionSpec s = sampleSpec(kModel);
        s.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, auc},
                     Metric{QStringLiteral("latency_ms"), QStringLiteral("test"), {}, latency},
                     Metric{QStringLiteral("auc"), QStringLiteral("test"), QStringLiteral("country=DE"), auc - 0.02}};
        s.facts << Fact{QStringLiteral("code"), QStringLiteral("git_sha"), QStringLiteral("abc1234")}
                << Fact{QStringLiteral("data"), QStringLiteral("dataset_version"), QStringLiteral("clicks@2026-10")};
        auto r = alice->registerVersion(s);
        EXPECT_TRUE(r) << r.error().message.toStdString();
        return r ? r->version : 0;
    }

    qint64 request(Registry &by, int version)
    {
        auto staged = by.promote(kModel, version, Stage::Staging, QStringLiteral("try"));
        EXPECT_TRUE(staged) << staged.error().message.toStdString();
        auto req = by.requestPromotion(kModel, version, Stage::Production, QStringLiteral("better on DE traffic"));
        EXPECT_TRUE(req) << req.error().message.toStdString();
        return req ? req->id : 0;
    }

    void toProduction(int version)
    {
        const qint64 id = request(*bob, version);
        auto d = rita->decide(id, true, QStringLiteral("ok"), {});
        ASSERT_TRUE(d) << d.error().message.toStdString();
        ASSERT_EQ(d->status, QStringLiteral("promoted"));
    }

    Stage stageOf(int version)
    {
        auto v = registry->version(kModel, version);
        EXPECT_TRUE(v);
        return v ? v->stage : Stage::None;
    }

    void failingGate()
    {
        GatePolicies p;
        GateRule rule;
        rule.kind = GateRule::Kind::MetricMin;
        rule.metric = QStringLiteral("auc");
        rule.dataset = QStringLiteral("test");
        rule.threshold = 0.99;
        p.production.rules << rule;
        auto admin = db->openAs(QStringLiteral("ada"), QStringLiteral("admin"));
        ASSERT_TRUE(admin);
        auto s = admin->setGatePolicies(kModel, p);
        ASSERT_TRUE(s) << s.error().message.toStdString();
    }

    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry, alice, bob, rita, dave;
    std::unique_ptr<RegistryClient> client;
    std::unique_ptr<LifecycleClient> lifecycle;
};
MD_INSTANTIATE_BOTH(LifecycleDialogs);

TEST_P(LifecycleDialogs, RequestPromotionPreviewsGatesAndNeedsAReason)
{
    toProduction(registerVersion(0.90, 20));
    const int v2 = registerVersion(0.93, 18);
    ASSERT_TRUE(alice->promote(kModel, v2, Stage::Staging, QStringLiteral("try")));
    failingGate();
    connectApp(QStringLiteral("sam"), QStringLiteral("scientist"));

    PromotionDialog dialog(lifecycle.get(), kModel, v2, Stage::Staging);
    QSignalSpy previewed(&dialog, &PromotionDialog::previewLoaded);
    dialog.show();
    ASSERT_TRUE(previewed.wait(15000));
    EXPECT_EQ(dialog.target(), Stage::Production);
    // The live preview: the failing rule with actual vs expected, and the baseline.
    GateChecklist *gates = dialog.checklist();
    ASSERT_GE(gates->topLevelItemCount(), 1);
    EXPECT_EQ(gates->failingCount(), 1);
    EXPECT_TRUE(gates->topLevelItem(0)->text(0).contains(QStringLiteral("FAIL")));
    EXPECT_TRUE(gates->topLevelItem(0)->text(2).contains(QStringLiteral("0.93")));
    EXPECT_TRUE(gates->topLevelItem(0)->text(3).contains(QStringLiteral("0.99")));
    EXPECT_TRUE(child<QLabel>(&dialog, "baselineLabel")->text().contains(QStringLiteral("v1")));
    EXPECT_TRUE(child<QLabel>(&dialog, "verdictLabel")->text().contains(QStringLiteral("override")));

    auto *submit = child<QPushButton>(&dialog, "submitButton");
    EXPECT_FALSE(submit->isEnabled()); // no reason yet
    QTest::keyClicks(child<QPlainTextEdit>(&dialog, "reasonEdit"), QStringLiteral("lower latency for checkout"));
    ASSERT_TRUE(submit->isEnabled());
    QTest::mouseClick(submit, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));

    auto pending = registry->requests(true, kModel);
    ASSERT_TRUE(pending);
    ASSERT_EQ(pending->size(), 1);
    EXPECT_EQ(pending->first().version, v2);
    EXPECT_EQ(pending->first().reason, QStringLiteral("lower latency for checkout"));
    EXPECT_FALSE(pending->first().gatesPassed);
    EXPECT_EQ(pending->first().requestedBy, sqlite() ? osUserName() : QStringLiteral("sam"));
}

TEST_P(LifecycleDialogs, ApproveWithCommentPromotesAndShowsTheComparison)
{
    toProduction(registerVersion(0.90, 20));
    const int v2 = registerVersion(0.93, 25);
    const qint64 id = request(*bob, v2);
    const QString me = connectApp(QStringLiteral("rex"), QStringLiteral("reviewer"));

    ApprovalDialog dialog(lifecycle.get(), id);
    QSignalSpy loaded(&dialog, &ApprovalDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    // Candidate vs Production, with the direction of each change (latency: lower is better).
    EXPECT_TRUE(child<QLabel>(&dialog, "metricSummary")->text().contains(QStringLiteral("2 better")));
    EXPECT_TRUE(child<QLabel>(&dialog, "metricSummary")->text().contains(QStringLiteral("1 worse")));
    EXPECT_TRUE(child<QLabel>(&dialog, "peopleLabel")->text().contains(QStringLiteral("alice")));
    EXPECT_TRUE(child<QLabel>(&dialog, "peopleLabel")->text().contains(QStringLiteral("bob")));
    EXPECT_TRUE(child<QLabel>(&dialog, "provenanceLabel")->text().contains(QStringLiteral("abc1234")));
    EXPECT_TRUE(child<QLabel>(&dialog, "provenanceLabel")->text().contains(QStringLiteral("Environment: missing")));
    EXPECT_TRUE(child<QLabel>(&dialog, "identityLabel")->text().contains(me));
    EXPECT_FALSE(child<QLineEdit>(&dialog, "overrideEdit")->isVisible());

    auto *approve = child<QPushButton>(&dialog, "approveButton");
    EXPECT_FALSE(approve->isEnabled()); // a comment is required
    QTest::keyClicks(child<QPlainTextEdit>(&dialog, "commentEdit"), QStringLiteral("latency acceptable"));
    ASSERT_TRUE(approve->isEnabled());
    QTest::mouseClick(approve, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    EXPECT_TRUE(dialog.resultMessage().contains(QStringLiteral("Production")));
    EXPECT_EQ(stageOf(v2), Stage::Production);
    EXPECT_EQ(stageOf(1), Stage::Archived);
    auto req = registry->request(id);
    ASSERT_TRUE(req);
    ASSERT_EQ(req->decisions.size(), 1);
    EXPECT_EQ(req->decisions.first().actor, me);
    EXPECT_EQ(req->decisions.first().comment, QStringLiteral("latency acceptable"));
}

TEST_P(LifecycleDialogs, RejectWithComment)
{
    const int v1 = registerVersion(0.90, 20);
    const qint64 id = request(*bob, v1);
    connectApp(QStringLiteral("rex"), QStringLiteral("reviewer"));
    ApprovalDialog dialog(lifecycle.get(), id);
    QSignalSpy loaded(&dialog, &ApprovalDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    EXPECT_TRUE(child<QLabel>(&dialog, "metricSummary")->text().contains(QStringLiteral("no baseline")));
    auto *reject = child<QPushButton>(&dialog, "rejectButton");
    EXPECT_FALSE(reject->isEnabled());
    QTest::keyClicks(child<QPlainTextEdit>(&dialog, "commentEdit"), QStringLiteral("needs a fairness review"));
    QTest::mouseClick(reject, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    EXPECT_EQ(registry->request(id)->status, QStringLiteral("rejected"));
    EXPECT_EQ(stageOf(v1), Stage::Staging);
}

TEST_P(LifecycleDialogs, FourEyesRefusalIsShownAndNothingChanges)
{
    const int v1 = registerVersion(0.90, 20);
    // The app's own user requested the promotion (on PostgreSQL bob is also a reviewer).
    std::unique_ptr<Registry> requester;
    if (sqlite()) {
        requester = db->open();
    } else {
        requester = db->openAs(QStringLiteral("bob"), QStringLiteral("reviewer"));
    }
    ASSERT_TRUE(requester);
    const qint64 id = request(*requester, v1);
    connectApp(QStringLiteral("bob"), QStringLiteral("reviewer"));
    ApprovalDialog dialog(lifecycle.get(), id);
    QSignalSpy loaded(&dialog, &ApprovalDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    auto *blocked = child<QLabel>(&dialog, "blockedLabel");
    EXPECT_TRUE(blocked->isVisible());
    EXPECT_TRUE(blocked->text().contains(QStringLiteral("Four eyes"))) << blocked->text().toStdString();
    QTest::keyClicks(child<QPlainTextEdit>(&dialog, "commentEdit"), QStringLiteral("looks fine to me"));
    auto *approve = child<QPushButton>(&dialog, "approveButton");
    EXPECT_FALSE(approve->isEnabled());
    EXPECT_TRUE(approve->toolTip().contains(QStringLiteral("Four eyes")));
    QTest::mouseClick(approve, Qt::LeftButton);
    QTest::qWait(50);
    EXPECT_TRUE(dialog.isVisible());
    EXPECT_EQ(registry->request(id)->status, QStringLiteral("pending"));
    EXPECT_EQ(stageOf(v1), Stage::Staging);
}

TEST_P(LifecycleDialogs, ApprovingAFailingGateNeedsAnOverrideReason)
{
    toProduction(registerVersion(0.90, 20));
    failingGate();
    const int v2 = registerVersion(0.91, 19);
    const qint64 id = request(*bob, v2);
    connectApp(QStringLiteral("rex"), QStringLiteral("reviewer"));
    ApprovalDialog dialog(lifecycle.get(), id);
    QSignalSpy loaded(&dialog, &ApprovalDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    auto *overrideEdit = child<QLineEdit>(&dialog, "overrideEdit");
    EXPECT_TRUE(overrideEdit->isVisible());
    auto *approve = child<QPushButton>(&dialog, "approveButton");
    QTest::keyClicks(child<QPlainTextEdit>(&dialog, "commentEdit"), QStringLiteral("ship it"));
    EXPECT_FALSE(approve->isEnabled());
    EXPECT_TRUE(approve->toolTip().contains(QStringLiteral("override")));
    EXPECT_TRUE(child<QPushButton>(&dialog, "rejectButton")->isEnabled()); // rejecting needs no override
    QTest::keyClicks(overrideEdit, QStringLiteral("bar is being lowered in Q4"));
    ASSERT_TRUE(approve->isEnabled());
    QTest::mouseClick(approve, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    EXPECT_EQ(stageOf(v2), Stage::Production);
    EXPECT_EQ(registry->request(id)->decisions.first().overrideReason, QStringLiteral("bar is being lowered in Q4"));
}

TEST_P(LifecycleDialogs, RollBackToTheSuggestedTarget)
{
    toProduction(registerVersion(0.90, 20));
    toProduction(registerVersion(0.92, 19));
    toProduction(registerVersion(0.95, 18));
    const QString me = connectApp(QStringLiteral("olga"), QStringLiteral("deployer"));
    RollbackDialog dialog(lifecycle.get(), kModel);
    QSignalSpy loaded(&dialog, &RollbackDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    EXPECT_EQ(dialog.target(), 2);
    EXPECT_TRUE(child<QComboBox>(&dialog, "targetCombo")->currentText().contains(QStringLiteral("suggested")));
    const QString why = child<QLabel>(&dialog, "whyLabel")->text();
    EXPECT_TRUE(why.contains(QStringLiteral("Suggested"))) << why.toStdString();
    EXPECT_TRUE(why.contains(QStringLiteral("approved by</b> rita"))) << why.toStdString();
    EXPECT_TRUE(why.contains(QStringLiteral("0.92"))) << why.toStdString();
    auto *confirm = child<QPushButton>(&dialog, "confirmButton");
    EXPECT_FALSE(confirm->isEnabled());
    EXPECT_EQ(confirm->text(), QStringLiteral("Roll back to v2"));
    QTest::keyClicks(child<QLineEdit>(&dialog, "reasonEdit"), QStringLiteral("INC-42 false positives"));
    QTest::mouseClick(confirm, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    EXPECT_EQ(stageOf(2), Stage::Production);
    EXPECT_EQ(stageOf(3), Stage::Archived);
    AuditFilter f;
    f.action = QStringLiteral("stage_rollback");
    auto audit = registry->audit(f);
    ASSERT_TRUE(audit);
    // One entry for the version that left, one for the one that came back; both by the app's user.
    ASSERT_EQ(audit->size(), 2);
    for (const AuditEntry &e : *audit) {
        EXPECT_EQ(e.actor, me);
        EXPECT_TRUE(e.details.contains(QStringLiteral("INC-42")));
    }
    EXPECT_TRUE(registry->verifyAudit()->intact);
}

TEST_P(LifecycleDialogs, EnterInTheRollbackReasonConfirmsNothingCtrlEnterDoes)
{
    toProduction(registerVersion(0.90, 20));
    toProduction(registerVersion(0.92, 19));
    connectApp(QStringLiteral("olga"), QStringLiteral("deployer"));
    RollbackDialog dialog(lifecycle.get(), kModel);
    QSignalSpy loaded(&dialog, &RollbackDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    auto *reason = child<QLineEdit>(&dialog, "reasonEdit");
    QTest::keyClicks(reason, QStringLiteral("INC-7 latency"));
    ASSERT_TRUE(child<QPushButton>(&dialog, "confirmButton")->isEnabled());
    QTest::keyClick(reason, Qt::Key_Return);
    QTest::keyClick(reason, Qt::Key_Enter);
    QTest::qWait(300);
    EXPECT_TRUE(dialog.isVisible());
    EXPECT_EQ(dialog.result(), 0);
    EXPECT_EQ(stageOf(2), Stage::Production) << "Enter rolled back";
    EXPECT_EQ(reason->text(), QStringLiteral("INC-7 latency"));
    QTest::keyClick(reason, Qt::Key_Return, Qt::ControlModifier);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    EXPECT_EQ(stageOf(1), Stage::Production);
    EXPECT_EQ(stageOf(2), Stage::Archived);
}

TEST_P(LifecycleDialogs, RollBackToATargetPickedOnTheTimeline)
{
    toProduction(registerVersion(0.90, 20));
    toProduction(registerVersion(0.92, 19));
    toProduction(registerVersion(0.95, 18));
    connectApp(QStringLiteral("olga"), QStringLiteral("deployer"));
    RollbackDialog dialog(lifecycle.get(), kModel);
    QSignalSpy loaded(&dialog, &RollbackDialog::loaded);
    dialog.resize(1000, 640);
    dialog.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&dialog));
    ASSERT_TRUE(waitFor([&]() { return dialog.isLoaded(); }));
    ProductionTimeline *timeline = dialog.timeline();
    const QRect v1 = timeline->bandRect(1);
    ASSERT_FALSE(v1.isEmpty());
    EXPECT_TRUE(timeline->tooltipFor(1).contains(QStringLiteral("auc@test = 0.9")));
    // Clicking the current version's band picks nothing; v1's band picks v1.
    QTest::mouseClick(timeline, Qt::LeftButton, {}, timeline->bandRect(3).center());
    EXPECT_EQ(dialog.target(), 2);
    QTest::mouseClick(timeline, Qt::LeftButton, {}, v1.center());
    EXPECT_EQ(dialog.target(), 1);
    EXPECT_TRUE(child<QLabel>(&dialog, "whyLabel")->text().contains(QStringLiteral("Chosen by you")));
    QTest::keyClicks(child<QLineEdit>(&dialog, "reasonEdit"), QStringLiteral("v2 has the same bug"));
    QTest::mouseClick(child<QPushButton>(&dialog, "confirmButton"), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; }));
    EXPECT_EQ(stageOf(1), Stage::Production);
    EXPECT_EQ(stageOf(3), Stage::Archived);
}

// PostgreSQL: the roles of the login user decide what the dialogs allow, and say why not.
class LifecycleRoles : public LifecycleDialogs
{
};
INSTANTIATE_TEST_SUITE_P(Postgres, LifecycleRoles, ::testing::Values(Backend::Postgres), backendName);

TEST_P(LifecycleRoles, ReviewerCannotRollBackAndScientistCannotApprove)
{
    toProduction(registerVersion(0.90, 20));
    toProduction(registerVersion(0.92, 19));
    const qint64 id = request(*bob, registerVersion(0.93, 19));
    connectApp(QStringLiteral("rex"), QStringLiteral("reviewer"));
    {
        RollbackDialog dialog(lifecycle.get(), kModel);
        QSignalSpy loaded(&dialog, &RollbackDialog::loaded);
        dialog.show();
        ASSERT_TRUE(loaded.wait(15000));
        QTest::keyClicks(child<QLineEdit>(&dialog, "reasonEdit"), QStringLiteral("incident"));
        auto *confirm = child<QPushButton>(&dialog, "confirmButton");
        EXPECT_FALSE(confirm->isEnabled());
        EXPECT_TRUE(confirm->toolTip().contains(QStringLiteral("needs the role modeldesk_deployer")))
            << confirm->toolTip().toStdString();
        EXPECT_TRUE(child<QLabel>(&dialog, "errorLabel")->text().contains(QStringLiteral("rex")));
    }
    lifecycle.reset();
    connectApp(QStringLiteral("sam"), QStringLiteral("scientist"));
    ApprovalDialog dialog(lifecycle.get(), id);
    QSignalSpy loaded(&dialog, &ApprovalDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    EXPECT_TRUE(
        child<QLabel>(&dialog, "blockedLabel")->text().contains(QStringLiteral("needs the role modeldesk_reviewer")));
    QTest::keyClicks(child<QPlainTextEdit>(&dialog, "commentEdit"), QStringLiteral("fine"));
    EXPECT_FALSE(child<QPushButton>(&dialog, "approveButton")->isEnabled());
    EXPECT_EQ(stageOf(2), Stage::Production);
}
