// The read side of the lifecycle policy: what the current user may do with a version (one batched
// read, then policy::versionActions), the user's roles, and the metric directions of a model.

#include "registry.h"

#include "database.h"
#include "sqlparts.h"
#include "validation.h"

#include <QJsonObject>
#include <QRegularExpression>

namespace md {

Result<QStringList> Registry::roles()
{
    QStringList names;
    if (dialect() == Dialect::Sqlite) {
        for (Role r : allRoles())
            names << roleName(r);
        return names;
    }
    auto csv = m_db->scalar(QStringLiteral("SELECT ") + sql::sessionRoles(dialect()));
    if (!csv)
        return csv.error();
    for (Role r : sql::parseSessionRoles(dialect(), csv->toString()))
        names << roleName(r);
    return names;
}

Result<VersionActions> Registry::versionActions(const QString &modelName, int number)
{
    const ReadScope reads(*this);
    // Statement 1: the version, its model's Production state, the rollback suggestion and (PostgreSQL)
    // the user's roles. Statement 2: the version's open request with who decided on it.
    auto q = m_db->exec(
        QStringLiteral(
            "SELECT v.id, v.stage, v.created_by, v.rollback_excluded, "
            "EXISTS (SELECT 1 FROM stage_transitions t WHERE t.version_id = v.id AND t.to_stage = 'Production'), "
            "(SELECT count(*) FROM model_versions p WHERE p.model_id = v.model_id AND p.stage = 'Production'), "
            "(SELECT p.version FROM model_versions p WHERE p.model_id = v.model_id AND p.stage = 'Production' "
            " ORDER BY p.stage_changed_at DESC, p.version DESC LIMIT 1), ") +
            sql::suggestedRollbackTarget(QStringLiteral("v.model_id")) + QStringLiteral(", ") +
            sql::sessionRoles(dialect()) +
            QStringLiteral(" FROM model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.name = ? AND "
                           "v.version = ?"),
        {modelName, number});
    if (!q)
        return q.error();
    if (!q->next())
        return Error::notFound(QStringLiteral("The model '%1' has no version %2. `modelctl versions %1` lists its "
                                              "versions.")
                                   .arg(modelName)
                                   .arg(number));
    VersionFacts f;
    f.model = modelName;
    f.version = number;
    const qint64 vid = q->value(0).toLongLong();
    parseStage(q->value(1).toString(), &f.stage);
    f.registeredBy = q->value(2).toString();
    f.rollbackExcluded = q->value(3).toInt() != 0;
    f.wasInProduction = q->value(4).toBool();
    f.productionCount = q->value(5).toInt();
    f.newestProduction = q->value(6).toInt();
    f.suggestedTarget = q->value(7).toInt();
    f.roles = sql::parseSessionRoles(dialect(), q->value(8).toString());
    q->finish();
    f.actor = m_actor;
    f.readOnlyReason = m_readOnlyReason;
    auto r = m_db->exec(QStringLiteral("SELECT r.id, r.requested_by, r.gates_passed, d.actor FROM approval_requests r "
                                       "LEFT JOIN approval_decisions d ON d.request_id = r.id WHERE r.version_id = ? "
                                       "AND r.status IN (?, ?) ORDER BY d.id"),
                        {vid, requestStatusName(RequestStatus::Pending), requestStatusName(RequestStatus::Approved)});
    if (!r)
        return r.error();
    while (r->next()) {
        f.openRequest = r->value(0).toLongLong();
        f.requestedBy = r->value(1).toString();
        f.requestGatesPassed = r->value(2).toInt() != 0;
        if (!r->value(3).isNull())
            f.deciders << r->value(3).toString();
    }
    return policy::versionActions(f);
}

Result<MetricDirections> Registry::metricDirections(const QString &modelName)
{
    const ReadScope reads(*this);
    qint64 mid = 0;
    if (!modelName.isEmpty()) {
        auto id = modelId(modelName);
        if (!id)
            return id.error();
        mid = *id;
    }
    return metricDirectionsOf(mid);
}

Result<MetricDirections> Registry::metricDirectionsOf(qint64 mid)
{
    auto q = m_db->exec(
        QStringLiteral("SELECT model_id, metric, direction FROM metric_directions WHERE model_id IN (?, 0)"), {mid});
    if (!q)
        return q.error();
    MetricDirections d;
    while (q->next()) {
        const auto direction = parseMetricDirection(q->value(2).toString());
        if (!direction)
            continue; // the column's CHECK allows only the two
        (q->value(0).toLongLong() == 0 ? d.registry : d.model).insert(q->value(1).toString(), *direction);
    }
    return d;
}

Status Registry::writeMetricDirection(qint64 modelId, const QString &modelName, const QString &metric,
                                      std::optional<MetricDirection> direction)
{
    if (dialect() == Dialect::Postgres) {
        if (auto q = m_db->exec(
                QStringLiteral("SELECT modeldesk_set_metric_direction(?, ?, ?)"),
                {modelId, metric,
                 direction ? QVariant(metricDirectionName(*direction)) : QVariant(QMetaType(QMetaType::QString))});
            !q)
            return q.error();
        return {};
    }
    if (!direction) {
        auto q = m_db->execWrite(QStringLiteral("DELETE FROM metric_directions WHERE model_id = ? AND metric = ?"),
                                 {modelId, metric});
        if (!q)
            return q.error();
    } else {
        auto q = m_db->exec(QStringLiteral("INSERT INTO metric_directions (model_id, metric, direction, updated_at, "
                                           "updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT (model_id, metric) DO "
                                           "UPDATE SET direction = excluded.direction, updated_at = "
                                           "excluded.updated_at, updated_by = excluded.updated_by"),
                            {modelId, metric, metricDirectionName(*direction), nowUtc(), m_actor});
        if (!q)
            return q.error();
    }
    return appendAudit(*m_db, m_actor, QStringLiteral("set_metric_direction"), QStringLiteral("metric_direction"),
                       (modelName.isEmpty() ? QStringLiteral("*") : modelName) + QLatin1Char('#') + metric,
                       QJsonObject{{QStringLiteral("direction"),
                                    direction ? metricDirectionName(*direction) : QStringLiteral("default")}});
}

Status Registry::setMetricDirection(const QString &modelName, const QString &metric,
                                    std::optional<MetricDirection> direction)
{
    static const QRegularExpression metricRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}\\z"));
    if (!metricRe.match(metric).hasMatch())
        return Error::invalid(QStringLiteral("'%1' is not a metric name: name the metric without dataset or slice "
                                             "(e.g. logloss, not logloss@test).")
                                  .arg(metric));
    if (auto s = checkWritable(); !s)
        return s;
    return m_db->writeTransaction([&]() -> Status {
        qint64 mid = 0;
        if (!modelName.isEmpty()) {
            auto id = modelId(modelName);
            if (!id)
                return id.error();
            mid = *id;
        }
        return writeMetricDirection(mid, modelName, metric, direction);
    });
}

} // namespace md
