#pragma once

#include "registry/search.h"

#include <QAbstractTableModel>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace md {

class RegistryClient;

// Versions across all models that match a search filter, in the search order (model name, newest version
// first). The search runs once on the worker thread and returns the ids of all matching versions in
// order (up to maxRows; 8 bytes each) with the first page of rows; further pages of kPageSize rows are
// read by id when a view asks through canFetchMore()/fetchMore(), i.e. when it is scrolled to the end.
// So a search matching 75,000 versions shows its first rows at once, holds only the rows scrolled to,
// and each further page costs the same however many versions match (re-running the filter per page
// cost 200 ms a page on SQLite). Every search bumps a generation; pages of an older search are dropped.
// The metrics, params, tags and facts the filter names are columns too (one statement per field and page).
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

    static constexpr int kPageSize = kDefaultSearchLimit;
    static constexpr int kMaxRows = 200000;

    explicit SearchResultsModel(QObject *parent = nullptr);

    void setClient(RegistryClient *client);
    // Checks the filter at once (a syntax error is reported without touching the database), then loads
    // the first page on the worker thread. Results of an older search are dropped. At most maxRows rows
    // are ever loaded.
    void search(const QString &filter, int maxRows = kMaxRows);
    void setHits(const QList<SearchHit> &hits, const QList<FilterField> &fields = {});
    void clear();
    QString filter() const { return m_filter; }
    // The metrics, params, tags and facts the filter names: columns after Author, in the order written.
    QList<FilterField> fieldColumns() const { return m_fields; }
    // More versions match than the rows loaded (whether or not they can still be fetched).
    bool isTruncated() const { return m_truncated || m_hits.size() < m_ids.size(); }
    // How many versions matched (all of them, or maxRows when more did), loaded as rows or not.
    int matchCount() const { return int(std::max(m_ids.size(), m_hits.size())); }
    // More versions matched than maxRows: not all of them can be shown.
    bool exceedsMaxRows() const { return m_truncated; }
    // A page is being loaded.
    bool isFetching() const { return m_fetching; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    // True while more matching versions can be loaded (below maxRows).
    bool canFetchMore(const QModelIndex &parent) const override;
    // Loads the next page on the worker thread (rows are appended when it arrives); does nothing while
    // a page is on its way.
    void fetchMore(const QModelIndex &parent) override;

signals:
    // The first page arrived: count rows; truncated: more versions match.
    void searchFinished(int count, bool truncated, qint64 milliseconds);
    // A further page arrived; count is the number of rows now loaded.
    void moreFetched(int count, bool truncated);
    void searchFailed(const md::FilterError &error); // position and length are set for filter errors

private:
    void loadPage(bool first);

    QPointer<RegistryClient> m_client;
    QList<SearchHit> m_hits;
    QList<FilterField> m_fields;
    QList<qint64> m_ids; // every matching version, in order (up to m_maxRows)
    QString m_filter;
    int m_maxRows = kMaxRows;
    bool m_truncated = false; // more than m_maxRows matched
    bool m_more = false;      // ids not loaded as rows yet
    bool m_fetching = false;
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
