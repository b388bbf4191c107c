#include "browse.h"

#include "database.h"

#include <QSqlQuery>

namespace md {

MetricColumn MetricColumn::fromKey(const QString &key)
{
    const qsizetype at = key.indexOf(QLatin1Char('@'));
    if (at < 0)
        return {key, {}};
    return {key.left(at), key.mid(at + 1)};
}

namespace {

// The sort expression over `model_versions v` and its bound values. Text keys use byte order on both
// dialects, so the order (and keyset comparisons) agree; a missing metric sorts as the lowest value.
struct SortExpr
{
    QString sql;
    QVariantList binds;
    bool singleKey = false; // sorting by version alone
};

SortExpr sortExpr(const VersionSort &sort, Dialect dialect)
{
    const QString collate = dialect == Dialect::Postgres ? QStringLiteral(" COLLATE \"C\"") : QString();
    switch (sort.key) {
    case VersionSort::Key::Version:
        return {QStringLiteral("v.version"), {}, true};
    case VersionSort::Key::Created:
        return {QStringLiteral("v.created_at") + collate, {}, false};
    case VersionSort::Key::Stage:
        return {QStringLiteral("v.stage") + collate, {}, false};
    case VersionSort::Key::Author:
        return {QStringLiteral("v.created_by") + collate, {}, false};
    case VersionSort::Key::Metric:
        return {QStringLiteral("COALESCE((SELECT x.value FROM metrics x WHERE x.version_id = v.id AND x.name = ? "
                               "AND x.dataset = ? AND x.slice = ''), -1e300)"),
                {sort.metric.name, sort.metric.dataset},
                false};
    }
    return {QStringLiteral("v.version"), {}, true};
}

QString placeholders(qsizetype n)
{
    QString s;
    s.reserve(n * 3);
    for (qsizetype i = 0; i < n; ++i)
        s += i == 0 ? QStringLiteral("?") : QStringLiteral(", ?");
    return s;
}

} // namespace

Result<VersionKeys> loadVersionKeys(Database &db, const QString &modelName, const VersionSort &sort)
{
    VersionKeys keys;
    keys.modelName = modelName;
    auto id = db.scalar(QStringLiteral("SELECT id FROM registered_models WHERE name = ?"), {modelName});
    if (!id)
        return id.error();
    if (id->isNull())
        return Error::notFound(QStringLiteral("There is no model named '%1' (any more).").arg(modelName));
    keys.modelId = id->toLongLong();

    const SortExpr e = sortExpr(sort, db.dialect());
    const QString dir = sort.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    QString sql;
    QVariantList binds;
    if (e.singleKey) {
        sql = QStringLiteral(
                  "SELECT v.version, v.version FROM model_versions v WHERE v.model_id = ? ORDER BY v.version") +
              dir;
        binds << keys.modelId;
    } else {
        sql = QStringLiteral("SELECT v.version, ") + e.sql +
              QStringLiteral(" FROM model_versions v WHERE v.model_id = ? ORDER BY ") + e.sql + dir +
              QStringLiteral(", v.version") + dir;
        binds << e.binds << keys.modelId << e.binds;
    }
    auto q = db.exec(sql, binds);
    if (!q)
        return q.error();
    while (q->next()) {
        keys.versions << q->value(0).toInt();
        keys.sortValues << q->value(1);
    }
    q->finish();

    auto metrics =
        db.exec(QStringLiteral("SELECT DISTINCT name, dataset FROM metrics WHERE slice = '' AND version_id = "
                               "(SELECT id FROM model_versions WHERE model_id = ? ORDER BY version DESC "
                               "LIMIT 1) ORDER BY name, dataset"),
                {keys.modelId});
    if (!metrics)
        return metrics.error();
    while (metrics->next())
        keys.availableMetrics << MetricColumn{metrics->value(0).toString(), metrics->value(1).toString()};
    return keys;
}

Result<QList<VersionRow>> loadVersionPage(Database &db, qint64 modelId, const VersionSort &sort,
                                          const QVariant &afterSortValue, int afterVersion, int count,
                                          const QList<MetricColumn> &columns)
{
    if (count < 1)
        return QList<VersionRow>{};
    const SortExpr e = sortExpr(sort, db.dialect());
    const QString dir = sort.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    const QString after = sort.descending ? QStringLiteral(" < ") : QStringLiteral(" > ");
    QString sql = QStringLiteral("SELECT v.id, v.version, v.stage, v.created_at, v.created_by, v.artifact_uri "
                                 "FROM model_versions v WHERE v.model_id = ?");
    QVariantList binds{modelId};
    if (afterVersion > 0) {
        if (e.singleKey) {
            sql += QStringLiteral(" AND v.version") + after + QStringLiteral("?");
            binds << afterVersion;
        } else {
            // Row values: (key, version) after (k0, v0), the keyset condition without OFFSET.
            sql += QStringLiteral(" AND (") + e.sql + QStringLiteral(", v.version)") + after + QStringLiteral("(?, ?)");
            binds << e.binds << afterSortValue << afterVersion;
        }
    }
    if (e.singleKey) {
        sql += QStringLiteral(" ORDER BY v.version") + dir;
    } else {
        sql += QStringLiteral(" ORDER BY ") + e.sql + dir + QStringLiteral(", v.version") + dir;
        binds << e.binds;
    }
    sql += QStringLiteral(" LIMIT ?");
    binds << count;

    QList<VersionRow> rows;
    QHash<qint64, qsizetype> byId;
    {
        auto q = db.exec(sql, binds);
        if (!q)
            return q.error();
        while (q->next()) {
            VersionRow r;
            r.id = q->value(0).toLongLong();
            r.version = q->value(1).toInt();
            parseStage(q->value(2).toString(), &r.stage);
            r.createdAt = q->value(3).toString();
            r.createdBy = q->value(4).toString();
            r.artifactUri = q->value(5).toString();
            byId.insert(r.id, rows.size());
            rows << r;
        }
    }
    if (rows.isEmpty())
        return rows;
    QVariantList ids;
    for (const VersionRow &r : rows)
        ids << r.id;
    const QString in = QStringLiteral(" IN (") + placeholders(ids.size()) + QLatin1Char(')');

    if (!columns.isEmpty()) {
        QStringList names;
        for (const MetricColumn &c : columns)
            if (!names.contains(c.name))
                names << c.name;
        QVariantList mb = ids;
        for (const QString &n : names)
            mb << n;
        auto q =
            db.exec(QStringLiteral("SELECT version_id, name, dataset, value FROM metrics WHERE version_id") + in +
                        QStringLiteral(" AND slice = '' AND name IN (") + placeholders(names.size()) + QLatin1Char(')'),
                    mb);
        if (!q)
            return q.error();
        while (q->next()) {
            const MetricColumn c{q->value(1).toString(), q->value(2).toString()};
            if (columns.contains(c))
                rows[byId.value(q->value(0).toLongLong())].metrics.insert(c.key(), q->value(3).toDouble());
        }
    }
    {
        auto q = db.exec(QStringLiteral("SELECT version_id, category, name, value FROM facts WHERE version_id") + in +
                             QStringLiteral(" AND ((category = 'data' AND name = 'dataset_version') OR "
                                            "(category = 'code' AND name = 'git_sha'))"),
                         ids);
        if (!q)
            return q.error();
        while (q->next()) {
            VersionRow &r = rows[byId.value(q->value(0).toLongLong())];
            if (q->value(1).toString() == QLatin1String("data"))
                r.dataVersion = q->value(3).toString();
            else
                r.gitSha = q->value(3).toString();
        }
    }
    {
        auto q = db.exec(QStringLiteral("SELECT version_id, alias FROM aliases WHERE version_id") + in +
                             QStringLiteral(" ORDER BY alias"),
                         ids);
        if (!q)
            return q.error();
        while (q->next())
            rows[byId.value(q->value(0).toLongLong())].aliases << q->value(1).toString();
    }
    {
        auto q = db.exec(QStringLiteral("SELECT version_id, key, value FROM version_tags WHERE version_id") + in, ids);
        if (!q)
            return q.error();
        while (q->next())
            rows[byId.value(q->value(0).toLongLong())].tags.insert(q->value(1).toString(), q->value(2).toString());
    }
    return rows;
}

} // namespace md
