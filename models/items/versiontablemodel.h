#pragma once

#include "rows.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <functional>

namespace md {

class RegistryClient;

// The versions of one model. Opening a model with 10,000 versions is instant: the worker first reads
// the order of all versions (one integer each), then rows load in pages of kPageSize on the worker
// thread with keyset pagination, only for rows a view asks for. Rows not loaded yet show a placeholder
// ("…", LoadedRole false). Loaded rows live in a bounded cache keyed by version number, so a refresh or
// a re-sort keeps showing them until fresh values arrive. Every reload bumps a generation; pages of an
// older generation are dropped when they arrive.
//
// Sorting happens in the database (sort()); selection and persistent indexes follow the versions.
class VersionTableModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    // Logical columns. The metric columns the user chose sit between AuthorColumn and DataVersionColumn;
    // use columnKind() / sectionOf() to map view sections.
    enum Column
    {
        VersionColumn,
        StageColumn,
        AliasesColumn,
        CreatedColumn,
        AuthorColumn,
        DataVersionColumn,
        GitShaColumn,
        TagsColumn,
        ColumnCount,
        MetricColumnKind = ColumnCount // what columnKind() returns for a metric section
    };
    enum Role
    {
        VersionRole = Qt::UserRole + 1,
        ModelNameRole,
        StageRole,       // int(md::Stage)
        ArtifactUriRole, // empty until the row is loaded
        LoadedRole,
        MetricKeyRole, // headerData: "auc@test" for metric sections
        SortableRole,  // headerData: whether sort() can order by this section
        SortValueRole,
        RoleCount
    };
    static constexpr int kPageSize = 100;
    static constexpr int kMaxCachedRows = 3000;

    explicit VersionTableModel(QObject *parent = nullptr);

    void setClient(RegistryClient *client);
    // Shows the versions of a model (empty: none). withDefaultColumns: when no metric columns are set, the first load
    // chooses defaultMetricColumns() itself and loads the first page with them (one load instead of two).
    void setModelName(const QString &name, bool withDefaultColumns = false);
    QString modelName() const { return m_modelName; }
    // Re-reads the order and the loaded rows; selection and scroll position stay.
    void refresh();

    void setMetricColumns(const QStringList &keys);
    QStringList metricColumns() const;
    // Overall metrics of the newest version of the model, for the column chooser.
    QStringList availableMetrics() const;
    // The columns a first look at this model shows: the metrics its gates check (those its newest version has),
    // then its other metrics, at least three and at most five in all.
    QStringList defaultMetricColumns() const;
    static QList<MetricColumn> defaultMetricColumns(const VersionKeys &keys);

    int columnKind(int section) const;
    int sectionOf(Column column) const;
    int rowOfVersion(int version) const;
    bool isLoading() const { return m_loadingKeys || !m_pendingPages.isEmpty(); }
    int cachedRowCount() const { return int(m_cache.size()); }
    void setMaxCachedRows(int rows) { m_maxCachedRows = std::max(kPageSize, rows); }
    QString lastError() const { return m_lastError; }

    // Every row as display text (loaded on the worker thread, not through the cache), for CSV export.
    void collectAllRows(QObject *receiver, std::function<void(QStringList header, QList<QStringList> rows)> done);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

signals:
    void keysLoaded(); // the row count and order are known
    void pageLoaded(int firstRow, int rowCount);
    void loadFailed(const QString &message);
    void loadingChanged(bool loading);

private:
    void loadKeys(bool keepRows);
    void applyKeys(VersionKeys keys, bool keepRows);
    void issueRequests();
    void receivePage(quint64 generation, int page, QList<VersionRow> rows);
    void evictIfNeeded();
    QString displayText(const VersionRow &row, int section) const;
    QVariant sortValueOf(const VersionRow &row, int section) const;

    QPointer<RegistryClient> m_client;
    QString m_modelName;
    VersionSort m_sort;
    QList<MetricColumn> m_columns;
    VersionKeys m_keys;
    QHash<int, int> m_rowOfVersion;
    QHash<int, VersionRow> m_cache;        // version -> row
    mutable QHash<int, quint64> m_lastUse; // version -> use tick, for evicting the least recently shown rows
    mutable quint64 m_tick = 0;
    QSet<int> m_freshPages;          // pages loaded for the current generation
    mutable QSet<int> m_wantedPages; // asked for by data(), requested on the next event loop turn
    QSet<int> m_pendingPages;
    mutable QTimer m_requestTimer;
    quint64 m_generation = 0;
    bool m_loadingKeys = false;
    bool m_chooseDefaultColumns = false;
    int m_maxCachedRows = kMaxCachedRows;
    QString m_lastError;
};

} // namespace md
