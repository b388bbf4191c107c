#include "bulkgen.h"

#include <QDateTime>
#include <QRandomGenerator>

namespace md {

namespace {

const QStringList kTeams = {
    QStringLiteral("payments"),  QStringLiteral("ads"),      QStringLiteral("recsys"),   QStringLiteral("search"),
    QStringLiteral("risk"),      QStringLiteral("support"),  QStringLiteral("growth"),   QStringLiteral("pricing"),
    QStringLiteral("logistics"), QStringLiteral("identity"), QStringLiteral("content"),  QStringLiteral("maps"),
    QStringLiteral("voice"),     QStringLiteral("vision"),   QStringLiteral("security"), QStringLiteral("finance"),
    QStringLiteral("hr"),        QStringLiteral("legal"),    QStringLiteral("sales"),    QStringLiteral("platform")};

const QStringList kMetricNames = {QStringLiteral("auc"),        QStringLiteral("f1"),      QStringLiteral("precision"),
                                  QStringLiteral("recall"),     QStringLiteral("logloss"), QStringLiteral("accuracy"),
                                  QStringLiteral("latency_ms"), QStringLiteral("ndcg"),    QStringLiteral("mrr"),
                                  QStringLiteral("brier")};

// Collects rows and writes them with multi-row INSERT statements of bound values.
class Inserter
{
public:
    Inserter(Database &db, QString table, QStringList columns)
        : m_db(db), m_table(std::move(table)), m_columns(std::move(columns))
    {
        QStringList marks;
        for (qsizetype i = 0; i < m_columns.size(); ++i)
            marks << QStringLiteral("?");
        m_tuple = QLatin1Char('(') + marks.join(QStringLiteral(", ")) + QLatin1Char(')');
        m_rowsPerStatement = int(std::max<qsizetype>(1, 2000 / m_columns.size()));
    }

    Status add(const QVariantList &row)
    {
        m_binds << row;
        ++m_rows;
        if (m_rows == m_rowsPerStatement)
            return flush();
        return {};
    }

    Status flush()
    {
        if (m_rows == 0)
            return {};
        QString sql = QStringLiteral("INSERT INTO ") + m_table + QStringLiteral(" (") +
                      m_columns.join(QStringLiteral(", ")) + QStringLiteral(") VALUES ");
        for (int i = 0; i < m_rows; ++i)
            sql += (i == 0 ? QString() : QStringLiteral(", ")) + m_tuple;
        auto q = m_db.exec(sql, m_binds);
        m_binds.clear();
        m_rows = 0;
        if (!q)
            return q.error();
        return {};
    }

private:
    Database &m_db;
    QString m_table;
    QStringList m_columns;
    QString m_tuple;
    QVariantList m_binds;
    int m_rows = 0;
    int m_rowsPerStatement = 1;
};

Result<qint64> nextId(Database &db, const QString &table)
{
    auto v = db.scalar(QStringLiteral("SELECT COALESCE(max(id), 0) + 1 FROM ") + table);
    if (!v)
        return v.error();
    return v->toLongLong();
}

} // namespace

QString describeBulkSpec(const BulkSpec &spec)
{
    return QStringLiteral("models=%1 versions=%2 metrics=%3 params=%4 facts=%5 seed=%6")
        .arg(spec.models)
        .arg(spec.versionsPerModel)
        .arg(spec.metricsPerVersion)
        .arg(spec.paramsPerVersion)
        .arg(spec.factsPerVersion)
        .arg(spec.seed);
}

Result<BulkSummary> generateBulkRegistry(Registry &registry, const BulkSpec &spec,
                                         const std::function<void(qint64, qint64)> &progress)
{
    if (spec.models < 1 || spec.versionsPerModel < 1 || spec.metricsPerVersion < 1 || spec.paramsPerVersion < 0 ||
        spec.factsPerVersion < 0)
        return Error::invalid(QStringLiteral("A bulk registry needs at least one model, version and metric."));
    if (registry.isReadOnly())
        return Error{Error::Kind::NewerSchema, registry.readOnlyReason(), {}};
    Database &db = registry.database();
    auto existing = db.scalar(QStringLiteral("SELECT count(*) FROM registered_models"));
    if (!existing)
        return existing.error();
    if (existing->toLongLong() > 0)
        return Error::conflict(QStringLiteral("The registry already holds models; bulk data goes into an empty one."));

    const QString actor = registry.actor();
    return db.writeTransaction([&]() -> Result<BulkSummary> {
        BulkSummary summary;
        QRandomGenerator rng(spec.seed);
        if (db.dialect() == Dialect::Postgres) {
            // Row triggers (immutability checks) cost more than the inserts; a superuser may skip them
            // for this one transaction. Others keep them and wait longer.
            auto super = db.scalar(QStringLiteral("SELECT rolsuper FROM pg_roles WHERE rolname = session_user"));
            if (super && super->toBool())
                if (auto q = db.exec(QStringLiteral("SET LOCAL session_replication_role = replica")); !q)
                    return q.error();
        }
        // Generated versions are written directly in their final stage (test data, not history), which the
        // insert guard forbids; it is lifted for this transaction only and restored before commit.
        QString guardSql;
        bool guardDisabled = false;
        if (db.dialect() == Dialect::Sqlite) {
            auto sql = db.scalar(QStringLiteral("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = "
                                                "'model_versions_insert_as_none'"));
            if (!sql)
                return sql.error();
            guardSql = sql->toString();
            if (!guardSql.isEmpty())
                if (auto q = db.exec(QStringLiteral("DROP TRIGGER model_versions_insert_as_none")); !q)
                    return q.error();
        } else {
            if (auto q =
                    db.exec(QStringLiteral("ALTER TABLE model_versions DISABLE TRIGGER model_versions_insert_as_none"));
                !q)
                return q.error();
            guardDisabled = true;
        }
        auto restoreGuard = [&]() -> Status {
            if (!guardSql.isEmpty())
                if (auto q = db.exec(guardSql); !q)
                    return q.error();
            if (guardDisabled)
                if (auto q = db.exec(
                        QStringLiteral("ALTER TABLE model_versions ENABLE TRIGGER model_versions_insert_as_none"));
                    !q)
                    return q.error();
            return {};
        };
        auto nsId = nextId(db, QStringLiteral("namespaces"));
        auto modelId = nextId(db, QStringLiteral("registered_models"));
        auto versionId = nextId(db, QStringLiteral("model_versions"));
        auto nodeId = nextId(db, QStringLiteral("lineage_nodes"));
        for (const auto *r : {&nsId, &modelId, &versionId, &nodeId})
            if (!*r)
                return r->error();
        const QString now = nowUtc();
        const QDateTime start = QDateTime::fromString(QStringLiteral("2025-01-01T00:00:00Z"), Qt::ISODate);

        Inserter namespaces(db, QStringLiteral("namespaces"),
                            {QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("created_at")});
        const int teamCount = int(std::min<qsizetype>(kTeams.size(), std::max(1, spec.models)));
        QList<qint64> teamIds;
        for (int t = 0; t < teamCount; ++t) {
            // A team that already exists keeps its row.
            auto id = db.scalar(QStringLiteral("SELECT id FROM namespaces WHERE name = ?"), {kTeams[t]});
            if (!id)
                return id.error();
            if (!id->isNull()) {
                teamIds << id->toLongLong();
                continue;
            }
            teamIds << *nsId;
            if (auto s = namespaces.add({*nsId, kTeams[t], now}); !s)
                return s.error();
            ++*nsId;
        }
        if (auto s = namespaces.flush(); !s)
            return s.error();

        // Feature pipeline versions shared by all models: the lineage inputs.
        Inserter nodes(db, QStringLiteral("lineage_nodes"),
                       {QStringLiteral("id"), QStringLiteral("kind"), QStringLiteral("name"), QStringLiteral("version"),
                        QStringLiteral("model_version_id"), QStringLiteral("created_at")});
        QList<qint64> pipelineNodes;
        for (int t = 0; t < teamCount; ++t)
            for (int minor = 0; minor < 5; ++minor) {
                pipelineNodes << *nodeId;
                if (auto s = nodes.add({*nodeId, QStringLiteral("feature_pipeline_version"),
                                        QString(kTeams[t] + QStringLiteral("-features")),
                                        QStringLiteral("2.%1").arg(minor), QVariant(), now});
                    !s)
                    return s.error();
                ++*nodeId;
            }
        if (auto s = nodes.flush(); !s)
            return s.error();

        Inserter models(db, QStringLiteral("registered_models"),
                        {QStringLiteral("id"), QStringLiteral("namespace_id"), QStringLiteral("name"),
                         QStringLiteral("description"), QStringLiteral("owner"), QStringLiteral("last_version"),
                         QStringLiteral("created_at"), QStringLiteral("created_by")});
        Inserter versions(db, QStringLiteral("model_versions"),
                          {QStringLiteral("id"), QStringLiteral("model_id"), QStringLiteral("version"),
                           QStringLiteral("artifact_uri"), QStringLiteral("artifact_digest"),
                           QStringLiteral("created_at"), QStringLiteral("created_by"), QStringLiteral("stage"),
                           QStringLiteral("stage_changed_at"), QStringLiteral("sealed")});
        Inserter metrics(db, QStringLiteral("metrics"),
                         {QStringLiteral("version_id"), QStringLiteral("name"), QStringLiteral("dataset"),
                          QStringLiteral("slice"), QStringLiteral("value")});
        Inserter params(db, QStringLiteral("params"),
                        {QStringLiteral("version_id"), QStringLiteral("name"), QStringLiteral("value")});
        Inserter facts(db, QStringLiteral("facts"),
                       {QStringLiteral("version_id"), QStringLiteral("category"), QStringLiteral("name"),
                        QStringLiteral("value")});
        Inserter tags(db, QStringLiteral("version_tags"),
                      {QStringLiteral("version_id"), QStringLiteral("key"), QStringLiteral("value")});
        Inserter edges(
            db, QStringLiteral("lineage_edges"),
            {QStringLiteral("src_id"), QStringLiteral("dst_id"), QStringLiteral("kind"), QStringLiteral("created_at")});

        const qint64 firstVersionId = *versionId;
        for (int m = 0; m < spec.models; ++m) {
            const int team = m % teamCount;
            const QString name = QStringLiteral("%1/model-%2").arg(kTeams[team]).arg(m, 4, 10, QLatin1Char('0'));
            const qint64 mid = (*modelId)++;
            if (auto s = models.add({mid, teamIds[team], name, QStringLiteral("Synthetic model %1.").arg(m),
                                     kTeams[team], spec.versionsPerModel, now, actor});
                !s)
                return s.error();
            if (auto s = models.flush(); !s)
                return s.error();
            const int production = spec.versionsPerModel - 1 - int(rng.bounded(std::min(3, spec.versionsPerModel)));
            // Parent rows first (versions and their lineage nodes), so foreign keys hold at every statement.
            struct Added
            {
                qint64 id;
                qint64 node;
                int version;
                QString created;
            };
            QList<Added> added;
            for (int v = 1; v <= spec.versionsPerModel; ++v) {
                const qint64 vid = (*versionId)++;
                const QString created =
                    start.addSecs(qint64(m) * 60 + qint64(v) * 3600 * 24).toString(Qt::ISODateWithMs);
                QString stage = QStringLiteral("None");
                if (v == production)
                    stage = QStringLiteral("Production");
                else if (v == spec.versionsPerModel)
                    stage = QStringLiteral("Staging");
                else if (v < production && v > production - 4)
                    stage = QStringLiteral("Archived");
                if (auto s = versions.add({vid, mid, v, QStringLiteral("s3://bulk/%1/v%2/model.bin").arg(name).arg(v),
                                           QVariant(), created, actor, stage, created, 0});
                    !s)
                    return s.error();
                added.append({vid, (*nodeId)++, v, created});
            }
            for (Inserter *i : {&models, &versions})
                if (auto s = i->flush(); !s)
                    return s.error();
            for (const Added &a : added)
                if (auto s = nodes.add(
                        {a.node, QStringLiteral("model_version"), name, QString::number(a.version), a.id, now});
                    !s)
                    return s.error();
            if (auto s = nodes.flush(); !s)
                return s.error();
            for (const Added &a : added) {
                const qint64 vid = a.id;
                const QString &created = a.created;
                for (int k = 0; k < spec.metricsPerVersion; ++k) {
                    const QString metric = k < kMetricNames.size()
                                               ? kMetricNames[k]
                                               : QStringLiteral("metric_%1").arg(k, 2, 10, QLatin1Char('0'));
                    const double value = k == 0 ? 0.6 + rng.bounded(0.35) : rng.bounded(1.0);
                    if (auto s = metrics.add({vid, metric, QStringLiteral("test"), QString(), value}); !s)
                        return s.error();
                    ++summary.metricRows;
                }
                for (int k = 0; k < spec.paramsPerVersion; ++k)
                    if (auto s = params.add({vid, QStringLiteral("param_%1").arg(k, 2, 10, QLatin1Char('0')),
                                             QString::number(rng.bounded(100))});
                        !s)
                        return s.error();
                static const QStringList factNames = {
                    QStringLiteral("data.dataset"),   QStringLiteral("data.dataset_version"),
                    QStringLiteral("data.date_from"), QStringLiteral("data.date_to"),
                    QStringLiteral("data.rows"),      QStringLiteral("code.git_sha"),
                    QStringLiteral("code.branch"),    QStringLiteral("env.python"),
                    QStringLiteral("env.framework"),  QStringLiteral("training.duration_s")};
                for (int k = 0; k < spec.factsPerVersion; ++k) {
                    const QString key = k < factNames.size() ? factNames[k] : QStringLiteral("env.extra_%1").arg(k);
                    QString value;
                    if (key == QLatin1String("data.date_to"))
                        value = created.left(10);
                    else if (key == QLatin1String("data.dataset_version"))
                        value = kTeams[team] + QStringLiteral("-events@") + created.left(7);
                    else if (key == QLatin1String("code.git_sha"))
                        value = QString::number(rng.generate64() | 0x1000000000000000ULL, 16).left(12);
                    else
                        value = QString::number(rng.bounded(10000));
                    if (auto s = facts.add(
                            {vid, key.section(QLatin1Char('.'), 0, 0), key.section(QLatin1Char('.'), 1), value});
                        !s)
                        return s.error();
                }
                if (auto s = tags.add({vid, QStringLiteral("team"), kTeams[team]}); !s)
                    return s.error();
                const qint64 pipeline =
                    pipelineNodes[team * 5 + std::min(4, a.version * 5 / (spec.versionsPerModel + 1))];
                if (auto s = edges.add({pipeline, a.node, QStringLiteral("trained_on"), now}); !s)
                    return s.error();
            }
            ++summary.models;
            summary.versions += spec.versionsPerModel;
            if (progress)
                progress(m + 1, spec.models);
        }
        for (Inserter *i : {&models, &versions, &metrics, &params, &facts, &tags, &nodes, &edges})
            if (auto s = i->flush(); !s)
                return s.error();
        if (auto q = db.exec(QStringLiteral("UPDATE model_versions SET sealed = 1 WHERE id >= ? AND sealed = 0"),
                             {firstVersionId});
            !q)
            return q.error();
        if (auto st = restoreGuard(); !st)
            return st.error();
        if (db.dialect() == Dialect::Postgres) {
            for (const char *table : {"namespaces", "registered_models", "model_versions", "lineage_nodes"}) {
                const QString t = QLatin1String(table);
                if (auto q = db.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), "
                                                    "(SELECT max(id) FROM %1))")
                                         .arg(t));
                    !q)
                    return q.error();
            }
            if (auto q = db.exec(QStringLiteral("ANALYZE")); !q)
                return q.error();
        } else if (auto q = db.exec(QStringLiteral("ANALYZE")); !q) {
            return q.error();
        }
        return summary;
    });
}

} // namespace md
