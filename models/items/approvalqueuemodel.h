#pragma once

#include "registry/types.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace md {

class LifecycleClient;

// Pending promotion requests across all models, oldest first, with their age and gate status.
class ApprovalQueueModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        ModelColumn,
        VersionColumn,
        AgeColumn,
        GatesColumn,
        ApprovalsColumn,
        RequestedByColumn,
        ReasonColumn,
        ColumnCount
    };
    enum Role
    {
        RequestIdRole = Qt::UserRole + 1,
        ModelNameRole,
        VersionRole,
        GatesPassedRole,
        RoleCount
    };

    explicit ApprovalQueueModel(QObject *parent = nullptr);
    void setClient(LifecycleClient *client);
    void reload();
    void setRequests(const QList<ApprovalRequest> &requests);
    void setNow(const QDateTime &now) { m_now = now; } // tests: a fixed clock for the age column

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void loaded(int count);
    void loadFailed(const QString &message);

private:
    LifecycleClient *m_client = nullptr;
    QList<ApprovalRequest> m_rows;
    quint64 m_generation = 0;
    QDateTime m_now;
};

} // namespace md
