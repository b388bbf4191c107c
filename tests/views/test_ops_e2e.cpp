// End to end, as an on-call engineer at 2 a.m.: start the app on the demo registry, pick a model,
// Roll back…, type a reason, confirm (four interactions), then check the registry and the audit log.
// Also: the approval queue lists the demo's pending requests and a reviewer decides one from it, and
// Verify integrity reports an intact audit chain.

#include "items/approvalqueuemodel.h"
#include "items/modeltreemodel.h"
#include "registry/demo.h"
#include "testdb.h"
#include "views/approvalqueuepanel.h"
#include "views/auditpanel.h"
#include "views/hintviews.h"
#include "views/lifecycleui.h"
#include "views/mainwindow.h"
#include "views/modeltreepanel.h"
#include "views/outcomenotice.h"
#include "views/productionpanel.h"
#include "views/rollbackdialog.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

using namespace md;
using namespace md::test;

namespace {

QModelIndex findModel(QAbstractItemModel *tree, const QString &name)
{
    for (int i = 0; i < tree->rowCount(); ++i) {
        const QModelIndex team = tree->index(i, 0);
        for (int j = 0; j < tree->rowCount(team); ++j) {
            const QModelIndex m = tree->index(j, 0, team);
            if (m.data(ModelTreeModel::ModelNameRole).toString() == name)
                return m;
        }
    }
    return {};
}

} // namespace

class OpsEndToEnd : public ::testing::Test
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(Backend::Sqlite);
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        registry = db->open();
        ASSERT_TRUE(registry);
        ASSERT_TRUE(fillDemoRegistry(*registry, 42));
        window = std::make_unique<MainWindow>();
        window->resize(1280, 800);
        window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy opened(window.get(), &MainWindow::registryOpened);
        window->openRegistry(db->url());
        ASSERT_TRUE(opened.wait(15000));
        ASSERT_TRUE(waitFor([&]() { return window->treePanel()->view()->model()->rowCount() > 0; }));
    }
    void TearDown() override
    {
        window.reset();
        registry.reset();
        db.reset();
    }

    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
    std::unique_ptr<MainWindow> window;
};

TEST_F(OpsEndToEnd, RollBackAModelInFourInteractions)
{
    // A demo model in Production with a suggested rollback target.
    QString model;
    int current = 0, suggested = 0;
    auto models = registry->models();
    ASSERT_TRUE(models);
    for (const RegisteredModel &m : *models) {
        auto target = registry->suggestedRollbackTarget(m.name);
        if (!m.productionVersions.isEmpty() && target) {
            model = m.name;
            current = m.productionVersions.first();
            suggested = *target;
            break;
        }
    }
    ASSERT_FALSE(model.isEmpty());
    LifecycleUi *ui = window->lifecycle();
    QTreeView *tree = window->treePanel()->view();
    const QModelIndex index = findModel(tree->model(), model);
    ASSERT_TRUE(index.isValid());

    // 1: pick the model.
    tree->scrollTo(index);
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualRect(index).center());
    ASSERT_TRUE(waitFor([&]() { return ui->rollbackAction()->isEnabled(); }));
    EXPECT_EQ(ui->productionPanel()->data().current, current);

    // 2: Roll back… on the toolbar; 3: type the reason; 4: confirm. The dialog is modal.
    auto *bar = window->findChild<QToolBar *>(QStringLiteral("lifecycleToolBar"));
    ASSERT_TRUE(bar);
    QWidget *button = bar->widgetForAction(ui->rollbackAction());
    ASSERT_TRUE(button);
    bool sawDialog = false;
    QTimer::singleShot(0, [&]() {
        auto *dialog = qobject_cast<RollbackDialog *>(QApplication::activeModalWidget());
        if (!waitFor([&]() {
                dialog = qobject_cast<RollbackDialog *>(QApplication::activeModalWidget());
                return dialog && dialog->isLoaded();
            }))
            return;
        sawDialog = true;
        EXPECT_EQ(dialog->target(), suggested);
        // The reason field has the focus: the user just types.
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("INC-2231 alert storm after release"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("confirmButton")), Qt::LeftButton);
    });
    QTest::mouseClick(button, Qt::LeftButton);
    ASSERT_TRUE(sawDialog);

    // The outcome, without a modal box: what serves now, the aliases that moved, what runs outside Production.
    auto *notice = window->findChild<OutcomeNotice *>(QStringLiteral("outcomeNotice"));
    ASSERT_TRUE(notice);
    EXPECT_TRUE(notice->isVisible());
    EXPECT_TRUE(notice->text().contains(QStringLiteral("v%1 is in Production again").arg(suggested)))
        << notice->text().toStdString();
    auto deployments = registry->deployments(model);
    ASSERT_TRUE(deployments);
    int shadows = 0;
    for (const Deployment &d : *deployments) {
        if (!d.shadow)
            continue;
        ++shadows;
        ASSERT_TRUE(waitFor([&]() {
            return notice->text().contains(
                QStringLiteral("%1 (%2) runs v%3").arg(d.service, d.environment).arg(d.version));
        })) << notice->text().toStdString();
    }
    // The demo's services of this model ran the version rolled back from: they are shadows now.
    EXPECT_GE(shadows, 1) << "no service of " << model.toStdString() << " runs outside Production";
    QTest::mouseClick(notice->findChild<QToolButton *>(QStringLiteral("outcomeClose")), Qt::LeftButton);
    EXPECT_FALSE(notice->isVisible());

    // The registry: the suggested version serves, the bad one is archived and never suggested again.
    auto prod = registry->production(model);
    ASSERT_TRUE(prod);
    ASSERT_EQ(prod->size(), 1);
    EXPECT_EQ(prod->first().version, suggested);
    auto old = registry->version(model, current);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->stage, Stage::Archived);
    EXPECT_TRUE(old->rollbackExcluded);
    // The audit log: who, what, why; the chain is intact.
    AuditFilter f;
    f.action = QStringLiteral("stage_rollback");
    f.objectKeyPrefix = model;
    auto audit = registry->audit(f);
    ASSERT_TRUE(audit);
    ASSERT_FALSE(audit->isEmpty());
    const AuditEntry &last = *std::max_element(audit->begin(), audit->end(),
                                               [](const AuditEntry &a, const AuditEntry &b) { return a.id < b.id; });
    EXPECT_EQ(last.actor, osUserName());
    EXPECT_EQ(last.objectKey, QStringLiteral("%1@v%2").arg(model).arg(suggested));
    EXPECT_TRUE(last.details.contains(QStringLiteral("INC-2231")));
    EXPECT_TRUE(registry->verifyAudit()->intact);

    // The timeline updated at once, and the status bar says what happened.
    ASSERT_TRUE(waitFor([&]() { return ui->productionPanel()->data().current == suggested; }));
    EXPECT_FALSE(ui->productionPanel()->data().eligible.contains(suggested));

    // The history tab of the model shows the rollback; Verify integrity says intact.
    QTableView *history = ui->productionPanel()->historyView();
    // Newest first: champion (it follows Production) moved to the target in the same transaction, after the
    // two stage changes of the rollback.
    ASSERT_TRUE(waitFor([&]() {
        return history->model()->rowCount() > 2 &&
               history->model()->index(0, 2).data().toString() == QStringLiteral("move_alias") &&
               history->model()->index(1, 2).data().toString() == QStringLiteral("stage_rollback");
    }));
    auto aliases = registry->aliases(model);
    ASSERT_TRUE(aliases);
    auto champion = std::find_if(aliases->begin(), aliases->end(),
                                 [](const Alias &a) { return a.alias == QLatin1String("champion"); });
    ASSERT_NE(champion, aliases->end());
    EXPECT_TRUE(champion->followsProduction);
    EXPECT_EQ(champion->version, suggested);
    // The audit log view filtered by model and action lists the rollback's two entries, by us.
    AuditPanel *auditPanel = ui->auditPanel();
    QTest::keyClicks(auditPanel->modelEdit(), model);
    auditPanel->actionCombo()->setCurrentIndex(auditPanel->actionCombo()->findData(QStringLiteral("stage_rollback")));
    QTest::mouseClick(auditPanel->findChild<QPushButton *>(QStringLiteral("auditFilterButton")), Qt::LeftButton);
    QAbstractItemModel *auditRows = auditPanel->view()->model();
    auto onlyRollbacksOfModel = [&]() {
        for (int r = 0; r < auditRows->rowCount(); ++r)
            if (auditRows->index(r, 2).data().toString() != QStringLiteral("stage_rollback") ||
                !auditRows->index(r, 3).data().toString().startsWith(model))
                return false;
        return auditRows->rowCount() >= 2;
    };
    ASSERT_TRUE(waitFor(onlyRollbacksOfModel));
    EXPECT_EQ(auditRows->index(0, 1).data().toString(), osUserName()); // newest first: ours
    EXPECT_TRUE(auditRows->index(0, 4).data().toString().contains(QStringLiteral("INC-2231")));
    QTest::mouseClick(ui->auditPanel()->verifyButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return ui->auditPanel()->verifyLabel()->text().contains(QStringLiteral("Intact")); }));
}

TEST_F(OpsEndToEnd, QueueListsPendingRequestsAndAReviewerDecidesOne)
{
    auto pending = registry->requests(true);
    ASSERT_TRUE(pending);
    ASSERT_FALSE(pending->isEmpty());
    LifecycleUi *ui = window->lifecycle();
    QTableView *queue = ui->queuePanel()->view();
    ASSERT_TRUE(waitFor([&]() { return queue->model()->rowCount() == pending->size(); }));
    // The demo's requests were made by people other than the OS user, so we may decide. Pick one whose
    // gates pass (no override is needed) and that our approval completes (it then promotes the version).
    int row = -1;
    ApprovalRequest chosen;
    for (int r = 0; r < queue->model()->rowCount(); ++r) {
        if (!queue->model()->index(r, 0).data(ApprovalQueueModel::GatesPassedRole).toBool())
            continue;
        auto req = registry->request(queue->model()->index(r, 0).data(ApprovalQueueModel::RequestIdRole).toLongLong());
        ASSERT_TRUE(req);
        const auto approvals = std::count_if(req->decisions.begin(), req->decisions.end(),
                                             [](const auto &d) { return d.decision == QLatin1String("approve"); });
        if (req->requiredApprovals - approvals == 1) {
            row = r;
            chosen = *req;
        }
    }
    ASSERT_GE(row, 0);
    const qint64 id = chosen.id;
    ASSERT_EQ(registry->version(chosen.modelName, chosen.version)->stage, Stage::Staging);
    QTest::mouseClick(queue->viewport(), Qt::LeftButton, {}, queue->visualRect(queue->model()->index(row, 0)).center());
    bool sawDialog = false;
    QTimer::singleShot(0, [&]() {
        QWidget *dialog = nullptr;
        if (!waitFor([&]() {
                dialog = QApplication::activeModalWidget();
                auto *approve = dialog ? dialog->findChild<QPushButton *>(QStringLiteral("approveButton")) : nullptr;
                auto *blocked = dialog ? dialog->findChild<QLabel *>(QStringLiteral("blockedLabel")) : nullptr;
                auto *title = dialog ? dialog->findChild<QLabel *>(QStringLiteral("titleLabel")) : nullptr;
                return approve && blocked && title && title->text().contains(QStringLiteral("Request #"));
            }))
            return;
        sawDialog = true;
        QTest::keyClicks(dialog->findChild<QPlainTextEdit *>(QStringLiteral("commentEdit")),
                         QStringLiteral("reviewed the slices"));
        QTest::mouseClick(dialog->findChild<QPushButton *>(QStringLiteral("approveButton")), Qt::LeftButton);
    });
    QTest::mouseClick(ui->queuePanel()->reviewButton(), Qt::LeftButton);
    ASSERT_TRUE(sawDialog);
    auto decided = registry->request(id);
    ASSERT_TRUE(decided);
    // Approved, and the approval that completed the request promoted the version.
    EXPECT_EQ(decided->status, QStringLiteral("promoted"));
    ASSERT_FALSE(decided->decisions.isEmpty());
    EXPECT_EQ(decided->decisions.last().actor, osUserName());
    EXPECT_EQ(decided->decisions.last().decision, QStringLiteral("approve"));
    EXPECT_EQ(decided->decisions.last().comment, QStringLiteral("reviewed the slices"));
    EXPECT_EQ(registry->version(chosen.modelName, chosen.version)->stage, Stage::Production);
    auto prod = registry->production(chosen.modelName);
    ASSERT_TRUE(prod);
    EXPECT_TRUE(std::any_of(prod->begin(), prod->end(), [&](const auto &p) { return p.version == chosen.version; }));
    ASSERT_TRUE(waitFor([&]() { return queue->model()->rowCount() == pending->size() - 1; }));
}

TEST_F(OpsEndToEnd, VersionActionsAreEnabledByStateAndSayWhyNot)
{
    // The newest Staging version with a pending request: a second request is refused, and the tooltip
    // names the pending one.
    auto pending = registry->requests(true);
    ASSERT_TRUE(pending);
    ASSERT_FALSE(pending->isEmpty());
    const ApprovalRequest &q = pending->first();
    LifecycleUi *ui = window->lifecycle();
    window->openVersion(q.modelName, q.version);
    ASSERT_TRUE(waitFor(
        [&]() { return ui->versionStateLoaded() && ui->requestAction()->toolTip().contains(QStringLiteral("#")); }));
    EXPECT_FALSE(ui->requestAction()->isEnabled());
    EXPECT_TRUE(ui->requestAction()->toolTip().contains(QStringLiteral("open request (#%1)").arg(q.id)))
        << ui->requestAction()->toolTip().toStdString();
    // On SQLite the OS user holds every (advisory) role: archiving a Staging version is allowed, and so is
    // reviewing the request (the OS user neither registered nor requested it). There is no separate
    // "promote approved" step: the approval that completes the request promotes.
    EXPECT_TRUE(ui->archiveAction()->isEnabled());
    QAction *review = ui->actionFor(VersionAction::Approve);
    ASSERT_NE(review, nullptr);
    EXPECT_TRUE(review->isEnabled()) << review->toolTip().toStdString();
    EXPECT_TRUE(review->toolTip().startsWith(QStringLiteral("Approve request #%1").arg(q.id)))
        << review->toolTip().toStdString();
    EXPECT_EQ(review->text(), QStringLiteral("Re&view Request #%1…").arg(q.id));
    EXPECT_EQ(window->findChild<QAction *>(QStringLiteral("promoteAction")), nullptr);
}

// The GUI's actions are exactly what `modelctl actions` says, for every version of the demo registry:
// same allowed state, same reason, for every action.
TEST_F(OpsEndToEnd, GuiActionsAgreeWithModelctlActionsForEveryDemoVersion)
{
    LifecycleUi *ui = window->lifecycle();
    auto models = registry->models();
    ASSERT_TRUE(models);
    int compared = 0;
    for (const RegisteredModel &m : *models) {
        for (int v = 1; v <= m.latestVersion; ++v) {
            window->openVersion(m.name, v);
            ASSERT_TRUE(waitFor([&]() {
                return ui->versionStateLoaded() && ui->versionActions().model == m.name &&
                       ui->versionActions().version == v;
            })) << m.name.toStdString()
                << " v" << v;
            const QStringList args{QStringLiteral("--json"), QStringLiteral("actions"), m.name, QString::number(v)};
            QProcess p;
            p.start(QStringLiteral(MODELCTL_PATH), QStringList{QStringLiteral("--registry"), db->url()} + args);
            ASSERT_TRUE(p.waitForFinished(30000));
            ASSERT_EQ(p.exitCode(), 0) << p.readAllStandardError().toStdString();
            const QJsonArray cli =
                QJsonDocument::fromJson(p.readAllStandardOutput()).object().value(QStringLiteral("actions")).toArray();
            ASSERT_EQ(cli.size(), allVersionActions().size());
            for (const QJsonValue &entry : cli) {
                const QJsonObject o = entry.toObject();
                const auto action = parseVersionAction(o.value(QStringLiteral("action")).toString());
                ASSERT_TRUE(action.has_value());
                QAction *gui = ui->actionFor(*action);
                ASSERT_NE(gui, nullptr);
                const std::string where = m.name.toStdString() + " v" + std::to_string(v) + " " +
                                          o.value(QStringLiteral("action")).toString().toStdString();
                EXPECT_EQ(gui->isEnabled(), o.value(QStringLiteral("allowed")).toBool()) << where;
                if (*action != VersionAction::Reject) { // Review shows the approve verdict
                    EXPECT_EQ(gui->toolTip(), o.value(QStringLiteral("reason")).toString()) << where;
                }
                ++compared;
            }
        }
    }
    auto total = registry->search(QStringLiteral("version > 0"), 100000);
    ASSERT_TRUE(total);
    EXPECT_EQ(compared, int(total->hits.size() * allVersionActions().size())); // every version, every action
}

namespace {
// Runs `fill` on the modal dialog that `trigger` opens, once it is shown (and `ready` says it is loaded).
template <typename D>
bool onModal(
    const std::function<void()> &trigger, const std::function<void(D *)> &fill,
    const std::function<bool(D *)> &ready = [](D *) { return true; })
{
    bool seen = false;
    QTimer::singleShot(0, [&]() {
        D *dialog = nullptr;
        if (!waitFor([&]() {
                dialog = qobject_cast<D *>(QApplication::activeModalWidget());
                return dialog && ready(dialog);
            }))
            return;
        seen = true;
        fill(dialog);
    });
    trigger();
    return seen;
}
} // namespace

// The rollback dialog says which aliases move and offers to move a pinned one too; checking the box
// moves it in the same transaction.
TEST_F(OpsEndToEnd, RollbackDialogMovesAPinnedAliasWhenAsked)
{
    QString model;
    int current = 0, target = 0;
    auto models = registry->models();
    ASSERT_TRUE(models);
    for (const RegisteredModel &m : std::as_const(*models)) {
        auto t = registry->suggestedRollbackTarget(m.name);
        if (!m.productionVersions.isEmpty() && t) {
            model = m.name;
            current = m.productionVersions.first();
            target = *t;
            break;
        }
    }
    ASSERT_FALSE(model.isEmpty());
    ASSERT_TRUE(registry->setAlias(model, QStringLiteral("stable"), current, false));
    LifecycleUi *ui = window->lifecycle();
    const bool seen = onModal<RollbackDialog>(
        [&]() { ui->rollBack(model); },
        [&](RollbackDialog *d) {
            const QString aliases = d->aliasesLabel()->text();
            EXPECT_TRUE(aliases.contains(
                QStringLiteral("<b>champion</b> follows Production: moves from v%1 to v%2").arg(current).arg(target)))
                << aliases.toStdString();
            EXPECT_TRUE(aliases.contains(QStringLiteral("<b>stable</b> is pinned to v%1").arg(current)))
                << aliases.toStdString();
            EXPECT_TRUE(d->moveAliasesBox()->isVisible());
            EXPECT_EQ(d->moveAliasesBox()->text(), QStringLiteral("Also move stable to v%1").arg(target));
            QTest::mouseClick(d->moveAliasesBox(), Qt::LeftButton, {}, QPoint(5, d->moveAliasesBox()->height() / 2));
            EXPECT_TRUE(d->moveAliasesBox()->isChecked());
            QTest::keyClicks(d->findChild<QLineEdit *>(QStringLiteral("reasonEdit")), QStringLiteral("INC-9"));
            QTest::mouseClick(d->findChild<QPushButton *>(QStringLiteral("confirmButton")), Qt::LeftButton);
        },
        [](RollbackDialog *d) { return d->isLoaded(); });
    ASSERT_TRUE(seen);
    ASSERT_TRUE(waitFor([&]() { return registry->production(model)->first().version == target; }));
    auto aliases = registry->aliases(model);
    ASSERT_TRUE(aliases);
    int checked = 0;
    for (const Alias &a : std::as_const(*aliases)) {
        if (a.alias == QLatin1String("stable") || a.alias == QLatin1String("champion")) {
            EXPECT_EQ(a.version, target) << a.alias.toStdString();
            ++checked;
        }
    }
    EXPECT_EQ(checked, 2);
}

// Set Alias… from the Lifecycle menu: a following alias on the Production version.
TEST_F(OpsEndToEnd, SetAliasActionCreatesAFollowingAlias)
{
    auto models = registry->models();
    const RegisteredModel *m = nullptr;
    for (const RegisteredModel &x : *models)
        if (!x.productionVersions.isEmpty()) {
            m = &x;
            break;
        }
    ASSERT_TRUE(m);
    const int v = m->productionVersions.first();
    LifecycleUi *ui = window->lifecycle();
    window->openVersion(m->name, v);
    ASSERT_TRUE(waitFor([&]() { return ui->versionStateLoaded() && ui->versionActions().version == v; }));
    QAction *set = ui->actionFor(VersionAction::SetAlias);
    ASSERT_TRUE(set->isEnabled()) << set->toolTip().toStdString();
    QSignalSpy finished(ui, &LifecycleUi::actionFinished);
    ASSERT_TRUE(onModal<QDialog>([&]() { set->trigger(); },
                                 [&](QDialog *d) {
                                     auto *name = d->findChild<QLineEdit *>(QStringLiteral("aliasNameEdit"));
                                     auto *follows = d->findChild<QCheckBox *>(QStringLiteral("followsBox"));
                                     auto *ok = d->findChild<QPushButton *>(QStringLiteral("okButton"));
                                     ASSERT_TRUE(name && follows && ok);
                                     EXPECT_TRUE(follows->isChecked()); // a Production version: follow by default
                                     EXPECT_FALSE(ok->isEnabled());
                                     QTest::keyClicks(name, QStringLiteral("Serving A")); // upper case and space
                                     EXPECT_EQ(name->text(), QStringLiteral("erving"));   // refused as typed
                                     name->clear();
                                     QTest::keyClicks(name, QStringLiteral("serving"));
                                     EXPECT_TRUE(ok->isEnabled());
                                     QTest::mouseClick(ok, Qt::LeftButton);
                                 }));
    ASSERT_TRUE(finished.wait(15000));
    EXPECT_EQ(finished.first().first().toString(),
              QStringLiteral("Alias serving of %1 follows Production.").arg(m->name));
    bool found = false;
    auto aliases = registry->aliases(m->name);
    ASSERT_TRUE(aliases);
    for (const Alias &a : std::as_const(*aliases))
        if (a.alias == QLatin1String("serving")) {
            found = true;
            EXPECT_TRUE(a.followsProduction);
            EXPECT_EQ(a.version, v);
        }
    EXPECT_TRUE(found);
}

// Withdraw Request… by its requester: the request is cancelled, the version stays in Staging.
TEST_F(OpsEndToEnd, WithdrawActionCancelsTheOpenRequest)
{
    auto pending = registry->requests(true);
    ASSERT_TRUE(pending);
    ASSERT_FALSE(pending->isEmpty());
    const ApprovalRequest q = pending->first();
    // On SQLite the window acts as the OS user; only the requester (or an admin) may withdraw, and on SQLite
    // every role is held, so the action is allowed with the admin role.
    LifecycleUi *ui = window->lifecycle();
    window->openVersion(q.modelName, q.version);
    ASSERT_TRUE(waitFor([&]() { return ui->versionStateLoaded() && ui->versionActions().version == q.version; }));
    QAction *withdraw = ui->actionFor(VersionAction::WithdrawRequest);
    ASSERT_TRUE(withdraw->isEnabled()) << withdraw->toolTip().toStdString();
    QSignalSpy finished(ui, &LifecycleUi::actionFinished);
    ASSERT_TRUE(onModal<QInputDialog>([&]() { withdraw->trigger(); },
                                      [&](QInputDialog *d) {
                                          d->setTextValue(QStringLiteral("superseded by a retrain"));
                                          d->accept();
                                      }));
    ASSERT_TRUE(finished.wait(15000));
    EXPECT_EQ(
        finished.first().first().toString(),
        QStringLiteral("Request #%1 is withdrawn; %2 v%3 stays in Staging.").arg(q.id).arg(q.modelName).arg(q.version));
    EXPECT_EQ(registry->request(q.id)->status, QStringLiteral("cancelled"));
    EXPECT_EQ(registry->version(q.modelName, q.version)->stage, Stage::Staging);
}

// A registry whose guards were dropped opens with a red banner that says so.
TEST(GuardsBanner, TheAppSaysWhenTheRegistrysTriggersWereChanged)
{
    TestDatabase db(Backend::Sqlite);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    auto registry = db.open();
    ASSERT_TRUE(registry);
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/guarded"))));
    ASSERT_EQ(db.rawExec(QStringLiteral("DROP TRIGGER audit_log_no_delete")), QString());
    MainWindow window;
    window.resize(1024, 640);
    window.show();
    QSignalSpy opened(&window, &MainWindow::registryOpened);
    window.openRegistry(db.url());
    ASSERT_TRUE(opened.wait(15000));
    auto *banner = window.findChild<QLabel *>(QStringLiteral("banner"));
    ASSERT_TRUE(banner);
    ASSERT_TRUE(waitFor([&]() { return banner->isVisible(); }));
    EXPECT_TRUE(banner->text().startsWith(QStringLiteral("The registry's guards were changed outside ModelDesk")))
        << banner->text().toStdString();
    EXPECT_TRUE(banner->text().contains(QStringLiteral("missing: trigger audit_log.audit_log_no_delete")))
        << banner->text().toStdString();
}

namespace {
// Deletes the newest `n` audit entries the way only the file's owner can (guards lifted and put back
// exactly): the chain that remains is valid, the guards fingerprint unchanged.
void deleteNewestAuditEntries(TestDatabase &db, int n)
{
    QStringList restore;
    for (const char *t : {"audit_log_no_delete", "audit_log_delete_through_modeldesk"}) {
        restore << db.rawScalar(QStringLiteral("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '%1'")
                                    .arg(QLatin1String(t)))
                       .toString();
        ASSERT_EQ(db.rawExec(QStringLiteral("DROP TRIGGER %1").arg(QLatin1String(t))), QString());
    }
    ASSERT_EQ(
        db.rawExec(QStringLiteral("DELETE FROM audit_log WHERE id > (SELECT max(id) - %1 FROM audit_log)").arg(n)),
        QString());
    for (const QString &sql : restore)
        ASSERT_EQ(db.rawExec(sql), QString());
}
} // namespace

// Verify integrity keeps the head it saw for this registry and compares the next check against it: the
// newest entries deleted in between are reported, and the label says which checkpoint it compared with.
TEST_F(OpsEndToEnd, VerifyComparesAgainstTheCheckpointOfTheLastCheck)
{
    AuditPanel *panel = window->lifecycle()->auditPanel();
    QLabel *label = panel->verifyLabel();
    QTest::mouseClick(panel->verifyButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return label->text().contains(QStringLiteral("Intact")); }))
        << label->text().toStdString();
    EXPECT_TRUE(label->text().contains(QStringLiteral("No earlier checkpoint"))) << label->text().toStdString();
    auto head = registry->auditCheckpoint();
    ASSERT_TRUE(head);
    auto saved = panel->savedCheckpoint();
    ASSERT_TRUE(saved);
    EXPECT_EQ(saved->token(), head->token());
    // A second check compares against the first one's head.
    label->clear();
    QTest::mouseClick(panel->verifyButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return label->text().contains(QStringLiteral("Intact")); }))
        << label->text().toStdString();
    EXPECT_TRUE(
        label->text().contains(QStringLiteral("%1 entries, head %2").arg(head->entries).arg(head->hash.left(12))))
        << label->text().toStdString();
    // The newest entries are deleted behind the app's back: the next check says so.
    deleteNewestAuditEntries(*db, 3);
    label->clear();
    QTest::mouseClick(panel->verifyButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return label->text().contains(QStringLiteral("Broken")); }))
        << label->text().toStdString();
    EXPECT_TRUE(label->text().contains(QStringLiteral("fewer than the %1 of the checkpoint").arg(head->entries)))
        << label->text().toStdString();
    // A broken log does not replace the checkpoint: the evidence stays.
    EXPECT_EQ(panel->savedCheckpoint()->token(), head->token());
}
