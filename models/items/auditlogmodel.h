#pragma once

#include "registry/audit.h"

#include <QAbstractTableModel>

namespace md {

class LifecycleClient;

// Audit log entries matching a filter, newest first.
class AuditLogModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        AtColumn,
        ActorColumn,
        ActionColumn,
        ObjectColumn,
        DetailsColumn,
        ColumnCount
    };
    enum Role
    {
        EntryIdRole = Qt::UserRole + 1,
        ActionRole,
        RoleCount
    };

    explicit AuditLogModel(QObject *parent = nullptr);
    void setClient(LifecycleClient *client);
    void setFilter(const AuditFilter &filter);
    AuditFilter filter() const { return m_filter; }
    void reload();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void loaded(int count);
    void loadFailed(const QString &message);

private:
    LifecycleClient *m_client = nullptr;
    AuditFilter m_filter;
    QList<AuditEntry> m_rows;
    quint64 m_generation = 0;
};

} // namespace md
