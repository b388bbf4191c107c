#pragma once

#include "search.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace md {

class RegistryClient;

// Versions across all models that match a search filter.
class SearchResultsModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        ModelColumn,
        VersionColumn,
        StageColumn,
        CreatedColumn,
        AuthorColumn,
        ColumnCount
    };
    enum Role
    {
        ModelNameRole = Qt::UserRole + 1,
        VersionRole,
        StageRole, // int(md::Stage)
        ArtifactUriRole,
        SortRole,
        RoleCount
    };

    explicit SearchResultsModel(QObject *parent = nullptr);

    void setClient(RegistryClient *client);
    // Checks the filter at once (a syntax error is reported without touching the database), then runs
    // it on the worker thread. Results of an older search are dropped.
    void search(const QString &filter, int limit = kDefaultSearchLimit);
    void setHits(const QList<SearchHit> &hits);
    void clear();
    QString filter() const { return m_filter; }
    bool isTruncated() const { return m_truncated; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void searchFinished(int count, bool truncated, qint64 milliseconds);
    void searchFailed(const md::FilterError &error); // position and length are set for filter errors

private:
    QPointer<RegistryClient> m_client;
    QList<SearchHit> m_hits;
    QString m_filter;
    bool m_truncated = false;
    quint64 m_generation = 0;
};

// Sorts search results by the SortRole (numbers as numbers).
class SearchResultsProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit SearchResultsProxy(QObject *parent = nullptr);

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
};

} // namespace md
