#pragma once

// Reading the versions of one model page by page, for the version table (GUI) and benchmarks.
// The order of all versions is read first as a cheap key list; pages are then read with keyset
// pagination: "the rows after (sort value, version) in this order", never OFFSET.

#include "location.h"
#include "types.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace md {

class Database; // database.h: the registry core's own

// A metric column of the version table: the overall value (empty slice) of a metric on a dataset.
struct MetricColumn
{
    QString name;
    QString dataset;

    QString key() const { return dataset.isEmpty() ? name : name + QLatin1Char('@') + dataset; }
    static MetricColumn fromKey(const QString &key);
    friend bool operator==(const MetricColumn &, const MetricColumn &) = default;
};

// How the version table is ordered. The database sorts; rows arrive in pages.
struct VersionSort
{
    enum class Key
    {
        Version,
        Created,
        Stage,
        Author,
        Metric
    };
    Key key = Key::Version;
    MetricColumn metric; // when key == Metric
    bool descending = true;
};

// One row of the version table.
struct VersionRow
{
    qint64 id = 0;
    int version = 0;
    Stage stage = Stage::None;
    QString createdAt;
    QString createdBy;
    QString artifactUri;
    QString dataVersion;
    QString gitSha;
    QMap<QString, QString> tags;
    QStringList aliases;           // e.g. "champion", pointing at this version
    QMap<QString, double> metrics; // MetricColumn::key() -> value
};

// The order of all versions of a model for one sort: version numbers, first row first. Loading this
// list is cheap (one integer per version) and tells the row count before any page is loaded.
struct VersionKeys
{
    QString modelName;
    qint64 modelId = 0;
    QList<int> versions;
    QList<QVariant> sortValues;           // the sort key of each row (for keyset paging), parallel to versions
    QList<MetricColumn> availableMetrics; // overall metrics of the newest version
    QList<MetricColumn> gatedMetrics;     // the overall metrics the model's gate policies check, in rule order
};

// Reads the order of all versions of a model, and the overall metrics of its newest version.
Result<VersionKeys> loadVersionKeys(Database &db, const QString &modelName, const VersionSort &sort);

// Reads up to `count` rows that follow the row with (afterSortValue, afterVersion) in the sort order;
// afterVersion 0 starts at the first row. Metric values are read for `columns` only.
Result<QList<VersionRow>> loadVersionPage(Database &db, qint64 modelId, const VersionSort &sort,
                                          const QVariant &afterSortValue, int afterVersion, int count,
                                          const QList<MetricColumn> &columns);

} // namespace md
