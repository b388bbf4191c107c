#pragma once

#include "items/lifecycleclient.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTabWidget;
class QTableView;

namespace md {

class AuditLogModel;
class ProductionTimeline;

// Per model: the production timeline with Roll back…, and the model's history (every audit entry
// for it: registrations, requests, decisions, stage changes).
class ProductionPanel final : public QWidget
{
    Q_OBJECT
public:
    ProductionPanel(LifecycleClient *client, QWidget *parent = nullptr);

    void setModelName(const QString &name);
    QString modelName() const { return m_model; }
    void reload();
    const RollbackData &data() const { return m_data; }
    bool hasData() const { return m_loaded; }
    ProductionTimeline *timeline() const { return m_timeline; }
    QPushButton *rollbackButton() const { return m_rollback; }
    QTabWidget *tabs() const { return m_tabs; }
    QTableView *historyView() const { return m_historyView; }

signals:
    void rollbackRequested(const QString &modelName);
    void dataLoaded();

private:
    LifecycleClient *m_client;
    AuditLogModel *m_history;
    QString m_model;
    RollbackData m_data;
    bool m_loaded = false;
    quint64 m_generation = 0;
    QTabWidget *m_tabs;
    QLabel *m_summary;
    ProductionTimeline *m_timeline;
    QPushButton *m_rollback;
    QTableView *m_historyView;
};

} // namespace md
