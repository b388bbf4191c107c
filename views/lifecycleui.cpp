#include "lifecycleui.h"

#include "icons.h"

#include "outcomenotice.h"

#include "aliasdialog.h"
#include "approvaldialog.h"
#include "approvalqueuepanel.h"
#include "auditpanel.h"
#include "items/approvalqueuemodel.h"
#include "items/auditlogmodel.h"
#include "items/registryclient.h"
#include "mainwindow.h"
#include "modeltreepanel.h"
#include "productionpanel.h"
#include "promotiondialog.h"
#include "rollbackdialog.h"
#include "versiontableview.h"

#include <QAction>
#include <QDockWidget>
#include <QInputDialog>
#include <QMenu>
#include <QMenuBar>
#include <QPointer>
#include <QPushButton>
#include <QStatusBar>
#include <QToolBar>

namespace md {

LifecycleUi::LifecycleUi(MainWindow *window)
    : QObject(window), m_window(window), m_client(new LifecycleClient(window->client(), this)),
      m_queue(new ApprovalQueueModel(this)), m_audit(new AuditLogModel(this))
{
    setObjectName(QStringLiteral("lifecycleUi"));
    m_queue->setClient(m_client);
    m_audit->setClient(m_client);

    m_queuePanel = new ApprovalQueuePanel(m_queue);
    m_queueDock = new QDockWidget(tr("Approval queue"), window);
    m_queueDock->setObjectName(QStringLiteral("approvalQueueDock"));
    m_queueDock->setWidget(m_queuePanel);
    m_productionPanel = new ProductionPanel(m_client);
    m_productionDock = new QDockWidget(tr("Production"), window);
    m_productionDock->setObjectName(QStringLiteral("productionDock"));
    m_productionDock->setWidget(m_productionPanel);
    m_auditPanel = new AuditPanel(m_client, m_audit);
    m_auditDock = new QDockWidget(tr("Audit log"), window);
    m_auditDock->setObjectName(QStringLiteral("auditDock"));
    m_auditDock->setWidget(m_auditPanel);
    // The tabs of the tabbed docks show these.
    m_queueDock->setWindowIcon(icon(QStringLiteral("panels/approval-queue")));
    m_productionDock->setWindowIcon(icon(QStringLiteral("panels/production")));
    m_auditDock->setWindowIcon(icon(QStringLiteral("panels/audit-log")));
    window->addDockWidget(Qt::BottomDockWidgetArea, m_productionDock);
    window->addDockWidget(Qt::BottomDockWidgetArea, m_queueDock);
    window->addDockWidget(Qt::BottomDockWidgetArea, m_auditDock);
    // One tabbed dock (Production first): side by side, three docks took half of a laptop screen's height and left
    // the version table one and a half rows.
    window->tabifyDockWidget(m_productionDock, m_queueDock);
    window->tabifyDockWidget(m_queueDock, m_auditDock);
    m_productionDock->raise();

    m_staging = new QAction(icon(QStringLiteral("actions/promote-staging")), tr("Promote to &Staging…"), this);
    m_staging->setObjectName(QStringLiteral("stagingAction"));
    m_request = new QAction(icon(QStringLiteral("actions/request-promotion")), tr("Request &Promotion…"), this);
    m_request->setObjectName(QStringLiteral("requestPromotionAction"));
    m_request->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    m_review = new QAction(icon(QStringLiteral("actions/review")), tr("Re&view Request…"), this);
    m_review->setObjectName(QStringLiteral("reviewAction"));
    m_withdraw = new QAction(icon(QStringLiteral("actions/withdraw")), tr("&Withdraw Request…"), this);
    m_withdraw->setObjectName(QStringLiteral("withdrawAction"));
    m_demote = new QAction(icon(QStringLiteral("actions/demote")), tr("&Demote…"), this);
    m_demote->setObjectName(QStringLiteral("demoteAction"));
    m_archive = new QAction(icon(QStringLiteral("actions/archive")), tr("&Archive…"), this);
    m_archive->setObjectName(QStringLiteral("archiveAction"));
    m_rollbackVersion = new QAction(icon(QStringLiteral("actions/rollback")), tr("Roll Back &Here…"), this);
    m_rollbackVersion->setObjectName(QStringLiteral("rollbackVersionAction"));
    m_setAlias = new QAction(icon(QStringLiteral("actions/set-alias")), tr("Set A&lias…"), this);
    m_setAlias->setObjectName(QStringLiteral("setAliasAction"));
    m_rollback = new QAction(icon(QStringLiteral("actions/rollback")), tr("&Roll Back…"), this);
    m_rollback->setObjectName(QStringLiteral("rollbackAction"));
    m_rollback->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    for (QAction *a : versionActionList()) {
        a->setEnabled(false);
        a->setToolTip(tr("Select a version first."));
    }
    m_rollback->setEnabled(false);
    m_rollback->setToolTip(tr("Select a model in Production first."));
    connect(m_staging, &QAction::triggered, this, &LifecycleUi::promoteToStaging);
    connect(m_request, &QAction::triggered, this, &LifecycleUi::requestPromotion);
    connect(m_review, &QAction::triggered, this, &LifecycleUi::reviewSelected);
    connect(m_withdraw, &QAction::triggered, this, &LifecycleUi::withdraw);
    connect(m_demote, &QAction::triggered, this, &LifecycleUi::demote);
    connect(m_archive, &QAction::triggered, this, &LifecycleUi::archive);
    connect(m_rollbackVersion, &QAction::triggered, this, &LifecycleUi::rollBackSelected);
    connect(m_setAlias, &QAction::triggered, this, &LifecycleUi::setAlias);
    connect(m_rollback, &QAction::triggered, this, [this]() { rollBack(m_model); });

    QMenu *menu = new QMenu(tr("&Lifecycle"), window);
    menu->setToolTipsVisible(true);
    menu->addActions({m_staging, m_request, m_review, m_withdraw});
    menu->addSeparator();
    menu->addActions({m_demote, m_archive, m_rollbackVersion, m_setAlias});
    menu->addSeparator();
    menu->addAction(m_rollback);
    menu->addSeparator();
    menu->addAction(m_queueDock->toggleViewAction());
    menu->addAction(m_productionDock->toggleViewAction());
    menu->addAction(m_auditDock->toggleViewAction());
    menu->addAction(icon(QStringLiteral("actions/verify-audit")), tr("&Verify Audit Integrity"), this, [this]() {
        m_auditDock->show();
        m_auditDock->raise();
        m_auditPanel->verify();
    });
    QList<QAction *> menus = window->menuBar()->actions();
    window->menuBar()->insertMenu(menus.size() > 1 ? menus.last() : nullptr, menu); // before Help
    QToolBar *bar = window->addToolBar(tr("Lifecycle"));
    bar->setObjectName(QStringLiteral("lifecycleToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addActions({m_staging, m_request, m_review, m_archive});
    bar->addSeparator();
    bar->addAction(m_rollback);
    window->versionView()->setLifecycleActions(versionActionList());

    connect(window->treePanel(), &ModelTreePanel::modelSelected, this, &LifecycleUi::onModelSelected);
    connect(window->versionView(), &VersionTableView::versionSelected, this, &LifecycleUi::onVersionSelected);
    connect(window->client(), &RegistryClient::opened, this, [this]() {
        m_model.clear();
        m_version = -1;
        m_productionPanel->setModelName({});
        refresh();
    });
    connect(m_client, &LifecycleClient::changed, this, &LifecycleUi::registryChanged);
    connect(m_queuePanel, &ApprovalQueuePanel::reviewRequested, this, &LifecycleUi::reviewRequest);
    connect(m_productionPanel, &ProductionPanel::rollbackRequested, this, &LifecycleUi::rollBack);
    connect(m_productionPanel, &ProductionPanel::dataLoaded, this, &LifecycleUi::applyRollbackState);
    connect(m_queue, &ApprovalQueueModel::loaded, this, [this](int n) {
        m_queueDock->setWindowTitle(n ? tr("Approval queue (%1)").arg(n) : tr("Approval queue"));
    });
}

void LifecycleUi::refresh()
{
    if (!m_window->client()->isOpen())
        return;
    m_queue->reload();
    m_productionPanel->reload();
    m_auditPanel->applyFilter();
    loadVersionState();
}

void LifecycleUi::onModelSelected(const QString &name)
{
    if (name.isEmpty() || name == m_model)
        return;
    m_model = name;
    m_version = -1;
    m_rollback->setEnabled(false);
    m_productionPanel->setModelName(name);
    loadVersionState();
}

void LifecycleUi::onVersionSelected(const QString &model, int version)
{
    if (!model.isEmpty() && model != m_model)
        onModelSelected(model);
    m_version = version;
    loadVersionState();
}

QList<QAction *> LifecycleUi::versionActionList() const
{
    return {m_staging, m_request, m_review, m_withdraw, m_demote, m_archive, m_rollbackVersion, m_setAlias};
}

QAction *LifecycleUi::actionFor(VersionAction action) const
{
    switch (action) {
    case VersionAction::RequestPromotion:
        return m_request;
    case VersionAction::PromoteToStaging:
        return m_staging;
    case VersionAction::Approve:
    case VersionAction::Reject:
        return m_review;
    case VersionAction::WithdrawRequest:
        return m_withdraw;
    case VersionAction::Archive:
        return m_archive;
    case VersionAction::Demote:
        return m_demote;
    case VersionAction::Rollback:
        return m_rollbackVersion;
    case VersionAction::SetAlias:
        return m_setAlias;
    }
    return nullptr;
}

void LifecycleUi::setAction(QAction *action, const ActionVerdict &verdict)
{
    action->setEnabled(verdict.allowed);
    action->setToolTip(verdict.reason);
    action->setStatusTip(verdict.reason);
}

void LifecycleUi::loadVersionState()
{
    const quint64 generation = ++m_contextGeneration;
    m_contextLoaded = false;
    if (m_model.isEmpty() || m_version <= 0 || !m_window->client()->isOpen()) {
        for (QAction *a : versionActionList()) {
            a->setEnabled(false);
            a->setToolTip(tr("Select a version first."));
        }
        return;
    }
    m_client->loadVersionActions(m_model, m_version, this, [this, generation](Result<VersionActions> r) {
        if (generation != m_contextGeneration)
            return;
        if (!r) {
            for (QAction *a : versionActionList()) {
                a->setEnabled(false);
                a->setToolTip(r.error().message);
            }
            return;
        }
        m_actions = *r;
        m_contextLoaded = true;
        // Every action shows the policy's verdict; approve and reject share the Review action.
        for (VersionAction action : allVersionActions())
            if (action != VersionAction::Reject)
                setAction(actionFor(action), m_actions.of(action));
        const ActionVerdict &approve = m_actions.of(VersionAction::Approve);
        m_review->setText(approve.requestId > 0 ? tr("Re&view Request #%1…").arg(approve.requestId)
                                                : tr("Re&view Request…"));
        emit versionStateUpdated();
    });
}

void LifecycleUi::applyRollbackState()
{
    const RollbackData &d = m_productionPanel->data();
    if (d.modelName != m_model)
        return;
    m_rollback->setEnabled(d.rollback.enabled);
    m_rollback->setToolTip(d.rollback.enabled ? tr("Roll %1 back to an earlier Production version").arg(m_model)
                                              : d.rollback.why);
}

void LifecycleUi::finished(const QString &message)
{
    if (!message.isEmpty())
        m_window->statusBar()->showMessage(message, 10000);
    emit actionFinished(message);
}

void LifecycleUi::announce(const QString &message, const QString &model)
{
    finished(message);
    if (message.isEmpty())
        return;
    if (!m_notice)
        m_notice = new OutcomeNotice(m_window);
    m_notice->present(message);
    QPointer<OutcomeNotice> notice(m_notice);
    m_client->loadDeployments(model, m_notice, [notice, message](Result<QList<Deployment>> r) {
        if (!notice || !r)
            return;
        QStringList shadow;
        for (const Deployment &d : *r)
            if (d.shadow)
                shadow
                    << tr("%1 (%2) runs v%3, %4").arg(d.service, d.environment).arg(d.version).arg(stageName(d.stage));
        if (!shadow.isEmpty() && notice->text() == message)
            notice->present(
                message + QLatin1Char('\n') +
                tr("Serving a version that is not in Production: %1.").arg(shadow.join(QStringLiteral("; "))));
    });
}

void LifecycleUi::requestPromotion()
{
    if (!m_contextLoaded || !m_actions.of(VersionAction::RequestPromotion).allowed)
        return;
    PromotionDialog dialog(m_client, m_model, m_version, m_actions.stage, m_window);
    if (dialog.exec() == QDialog::Accepted)
        announce(dialog.resultMessage(), m_model);
}

void LifecycleUi::promoteToStaging()
{
    if (!m_contextLoaded || !m_actions.of(VersionAction::PromoteToStaging).allowed)
        return;
    PromotionDialog dialog(m_client, m_model, m_version, m_actions.stage, m_window);
    if (dialog.exec() == QDialog::Accepted)
        announce(dialog.resultMessage(), m_model);
}

void LifecycleUi::reviewSelected()
{
    if (m_contextLoaded)
        reviewRequest(m_actions.of(VersionAction::Approve).requestId);
}

void LifecycleUi::rollBackSelected()
{
    const ActionVerdict &v = m_actions.of(VersionAction::Rollback);
    if (!m_contextLoaded || !v.allowed)
        return;
    RollbackDialog dialog(m_client, m_model, m_window, v.target);
    if (dialog.exec() == QDialog::Accepted)
        announce(dialog.resultMessage(), m_model);
}

void LifecycleUi::reviewRequest(qint64 requestId)
{
    if (requestId <= 0)
        return;
    ApprovalDialog dialog(m_client, requestId, m_window);
    if (dialog.exec() == QDialog::Accepted)
        announce(dialog.resultMessage(), m_model);
}

void LifecycleUi::rollBack(const QString &modelName)
{
    if (modelName.isEmpty())
        return;
    RollbackDialog dialog(m_client, modelName, m_window);
    if (dialog.exec() == QDialog::Accepted)
        announce(dialog.resultMessage(), modelName);
}

QString LifecycleUi::askReason(const QString &title, const QString &prompt)
{
    QInputDialog dialog(m_window);
    dialog.setObjectName(QStringLiteral("reasonDialog"));
    dialog.setWindowTitle(title);
    dialog.setLabelText(prompt);
    dialog.setInputMode(QInputDialog::TextInput);
    if (dialog.exec() != QDialog::Accepted)
        return {};
    return dialog.textValue().trimmed();
}

void LifecycleUi::demote()
{
    const QString model = m_model;
    const int version = m_version;
    const bool required = m_actions.of(VersionAction::Demote).needsReason;
    const QString reason = askReason(tr("Demote %1 v%2").arg(model).arg(version),
                                     required ? tr("Reason for sending v%1 back from Staging (required):").arg(version)
                                              : tr("Reason for sending v%1 back from Staging:").arg(version));
    if (reason.isEmpty() && required)
        return;
    m_client->demote(model, version, reason, this, [this](Result<TransitionOutcome> r) {
        finished(r ? tr("%1 v%2 is back in None.").arg(r->modelName).arg(r->version) : r.error().message);
    });
}

void LifecycleUi::archive()
{
    const QString model = m_model;
    const int version = m_version;
    const bool required = m_actions.of(VersionAction::Archive).needsReason;
    const QString reason = askReason(tr("Archive %1 v%2").arg(model).arg(version),
                                     required ? tr("Reason for archiving v%1 (required):").arg(version)
                                              : tr("Reason for archiving v%1:").arg(version));
    if (reason.isEmpty() && required)
        return;
    m_client->archive(model, version, reason, this, [this](Result<TransitionOutcome> r) {
        if (!r) {
            finished(r.error().message);
            return;
        }
        QString message = tr("%1 v%2 is Archived.").arg(r->modelName).arg(r->version);
        for (const Alias &a : r->aliasesLeft)
            message += QLatin1Char(' ') + tr("Alias %1 still points at v%2.").arg(a.alias).arg(a.version);
        finished(message);
    });
}

void LifecycleUi::withdraw()
{
    const ActionVerdict &v = m_actions.of(VersionAction::WithdrawRequest);
    if (!m_contextLoaded || !v.allowed)
        return;
    const QString reason = askReason(tr("Withdraw request #%1").arg(v.requestId),
                                     tr("Reason for withdrawing request #%1 (required):").arg(v.requestId));
    if (reason.isEmpty())
        return;
    m_client->withdraw(v.requestId, reason, this, [this](Result<ApprovalRequest> r) {
        finished(
            r ? tr("Request #%1 is withdrawn; %2 v%3 stays in Staging.").arg(r->id).arg(r->modelName).arg(r->version)
              : r.error().message);
    });
}

void LifecycleUi::setAlias()
{
    if (!m_contextLoaded || !m_actions.of(VersionAction::SetAlias).allowed)
        return;
    AliasDialog dialog(m_model, m_version, m_actions.stage == Stage::Production, m_window);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const QString model = m_model;
    const int version = m_version;
    m_client->setAlias(model, dialog.alias(), version, dialog.isProtected(), dialog.followsProduction(), this,
                       [this, model, version, alias = dialog.alias(), follows = dialog.followsProduction()](Status s) {
                           finished(!s        ? s.error().message
                                    : follows ? tr("Alias %1 of %2 follows Production.").arg(alias, model)
                                              : tr("Alias %1 of %2 points at v%3.").arg(alias, model).arg(version));
                       });
}

} // namespace md
