#pragma once

#include "items/lifecycleclient.h"

#include <QObject>

class QAction;
class QDockWidget;

namespace md {

class ApprovalQueueModel;
class ApprovalQueuePanel;
class AuditLogModel;
class AuditPanel;
class MainWindow;
class ProductionPanel;

// The lifecycle part of the main window: promotion actions on versions (enabled by role, with a tooltip
// saying why not), the approval queue, the production timeline and history of the selected model, the
// audit log, and the approval and rollback dialogs. It adds its own docks, menu and toolbar to the
// window and follows the window's model and version selection.
class OutcomeNotice;

class LifecycleUi final : public QObject
{
    Q_OBJECT
public:
    explicit LifecycleUi(MainWindow *window);

    // Reloads everything it shows (after a change here or by another client).
    void refresh();
    void requestPromotion();
    void reviewRequest(qint64 requestId);
    void rollBack(const QString &modelName);
    void promoteToStaging();
    void reviewSelected();
    void withdraw();
    void demote();
    void archive();
    void rollBackSelected();
    void setAlias();

    LifecycleClient *client() const { return m_client; }
    ApprovalQueuePanel *queuePanel() const { return m_queuePanel; }
    ProductionPanel *productionPanel() const { return m_productionPanel; }
    AuditPanel *auditPanel() const { return m_auditPanel; }
    QAction *requestAction() const { return m_request; }
    QAction *stagingAction() const { return m_staging; }
    QAction *demoteAction() const { return m_demote; }
    QAction *archiveAction() const { return m_archive; }
    QAction *rollbackAction() const { return m_rollback; }
    // The QAction of the selected version that carries `action` (approve and reject share Review).
    QAction *actionFor(VersionAction action) const;
    // What Registry::versionActions said for the selected version (the actions show exactly this).
    const VersionActions &versionActions() const { return m_actions; }
    bool versionStateLoaded() const { return m_contextLoaded; }

signals:
    void registryChanged();     // this window changed the registry
    void versionStateUpdated(); // the actions' enabled state and tooltips are current
    void actionFinished(const QString &message);

private:
    void onModelSelected(const QString &name);
    void onVersionSelected(const QString &model, int version);
    void loadVersionState();
    void applyRollbackState();
    void setAction(QAction *action, const ActionVerdict &verdict);
    QList<QAction *> versionActionList() const;
    void finished(const QString &message);
    // After a change made in a dialog: the status bar and the outcome notice, with the services of `model` that now
    // run a version not in Production.
    void announce(const QString &message, const QString &model);
    QString askReason(const QString &title, const QString &prompt);

    MainWindow *m_window;
    OutcomeNotice *m_notice = nullptr;
    LifecycleClient *m_client;
    ApprovalQueueModel *m_queue;
    AuditLogModel *m_audit;
    ApprovalQueuePanel *m_queuePanel;
    ProductionPanel *m_productionPanel;
    AuditPanel *m_auditPanel;
    QDockWidget *m_queueDock;
    QDockWidget *m_productionDock;
    QDockWidget *m_auditDock;
    QAction *m_request;
    QAction *m_staging;
    QAction *m_review;
    QAction *m_withdraw;
    QAction *m_rollbackVersion;
    QAction *m_setAlias;
    QAction *m_demote;
    QAction *m_archive;
    QAction *m_rollback;
    QString m_model;
    int m_version = -1;
    VersionActions m_actions;
    bool m_contextLoaded = false;
    quint64 m_contextGeneration = 0;
};

} // namespace md
