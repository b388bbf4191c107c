#pragma once

#include "registry/types.h"

#include <QAbstractItemModel>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace md {

class RegistryClient;

// Namespaces (teams) with their models: name, Production version(s), number of versions.
class ModelTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column
    {
        NameColumn,
        ProductionColumn,
        VersionsColumn,
        ColumnCount
    };
    enum Role
    {
        ModelNameRole = Qt::UserRole + 1, // full name "payments/fraud-detector"; empty on namespace rows
        NamespaceRole,
        IsNamespaceRole,
        VersionCountRole,
        ProductionVersionsRole, // QList<int>
        DescriptionRole,
        SortRole, // numbers for number columns, text otherwise
        RoleCount
    };

    explicit ModelTreeModel(QObject *parent = nullptr);

    // Loads from the client's registry now and on reload(); without a client, setModels() fills it.
    void setClient(RegistryClient *client);
    void reload();
    void setModels(const QList<RegisteredModel> &models);
    void clear();

    int modelCount() const;
    QModelIndex indexOfModel(const QString &fullName) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void loaded();
    void loadFailed(const QString &message);

private:
    struct Namespace
    {
        QString name;
        QList<RegisteredModel> models;
    };
    static QList<Namespace> group(const QList<RegisteredModel> &models);

    QPointer<RegistryClient> m_client;
    QList<Namespace> m_namespaces;
    quint64 m_generation = 0;
};

// Filters the model tree by a text (case-insensitive, matching model or namespace names) and sorts it.
class ModelTreeFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit ModelTreeFilterProxy(QObject *parent = nullptr);
    void setFilterText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    QString m_text;
};

} // namespace md
