#include "bulkgen.h"

#include "audit.h"
#include "gates.h"
#include "internals.h"
#include "policy.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSet>

#include <algorithm>

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

const QStringList kParamNames = {QStringLiteral("learning_rate"),
                                 QStringLiteral("max_depth"),
                                 QStringLiteral("n_estimators"),
                                 QStringLiteral("batch_size"),
                                 QStringLiteral("epochs"),
                                 QStringLiteral("dropout"),
                                 QStringLiteral("optimizer"),
                                 QStringLiteral("l2"),
                                 QStringLiteral("seed"),
                                 QStringLiteral("subsample"),
                                 QStringLiteral("colsample_bytree"),
                                 QStringLiteral("min_child_weight"),
                                 QStringLiteral("num_leaves"),
                                 QStringLiteral("warmup_steps"),
                                 QStringLiteral("embedding_dim")};

const QStringList kAuthors = {QStringLiteral("alice"), QStringLiteral("bob"),  QStringLiteral("carol"),
                              QStringLiteral("dave"),  QStringLiteral("erin"), QStringLiteral("frank")};
const QStringList kReviewers = {QStringLiteral("rita"), QStringLiteral("sam"), QStringLiteral("tina")};
const QString kOnCall = QStringLiteral("oncall-bot");
const QString kDeployer = QStringLiteral("ci-deploy");

constexpr qint64 kMod = 2147483647;
constexpr qint64 kMaxGeneratedVersions = 10000000;
constexpr qint64 kDayMs = 24 * 3600 * 1000;
constexpr int kDatasetsPerTeam = 2;     // "<team>-events" (from Kafka), "<team>-labels" (from the warehouse)
constexpr int kPipelinesPerTeam = 2;    // "<team>-features", "<team>-embeddings"
constexpr int kVersionsPerPipeline = 4; // model versions trained on one pipeline version (one per 4 days)
constexpr int kVersionsPerCommit = 10;  // model versions built from one commit

// The pseudo-random number behind the generated values. The database computes the same (mixSql) for
// the rows it generates, so C++ can tell what a generated metric is without reading it. Squaring modulo
// a prime makes consecutive inputs look unrelated; every product stays below 2^63 on both engines.
qint64 mix(qint64 a, qint64 b, quint32 seed)
{
    const qint64 x = (a * 2654435761LL + b * 97531 + qint64(seed % 1000003) * 7919) % kMod;
    const qint64 y = x * x % kMod;
    return (y * y + x) % kMod;
}

QString mixSql(const QString &a, const QString &b, quint32 seed)
{
    const QString x = QStringLiteral("(((%1) * 2654435761 + (%2) * 97531 + %3) % 2147483647)")
                          .arg(a, b)
                          .arg(qint64(seed % 1000003) * 7919);
    const QString y = QStringLiteral("(%1 * %1 % 2147483647)").arg(x);
    return QStringLiteral("((%1 * %1 + %2) % 2147483647)").arg(y, x);
}

// The metric value formula, in SQL; u is uniform in [0, 1), p the version's position (0, 1].
QString metricValueSql(const QString &u, const QString &p)
{
    return QStringLiteral("CASE WHEN k.k = 0 THEN 0.70 + 0.20 * %2 + 0.10 * (%1 - 0.5) "
                          "WHEN k.k IN (4, 9) THEN 0.45 - 0.15 * %2 + 0.06 * (%1 - 0.5) "
                          "WHEN k.k = 6 THEN 18.0 + 12.0 * %1 "
                          "WHEN k.k < 10 THEN 0.55 + 0.25 * %2 + 0.10 * (%1 - 0.5) ELSE %1 END")
        .arg(u, p);
}

// CASE k.k WHEN 0 THEN 'first' ... ELSE prefix || k END
QString nameCaseSql(const QStringList &names, const QString &fallbackPrefix)
{
    QString sql = QStringLiteral("CASE k.k");
    for (qsizetype i = 0; i < names.size(); ++i)
        sql += QStringLiteral(" WHEN %1 THEN '%2'").arg(i).arg(names[i]);
    return sql + QStringLiteral(" ELSE '%1' || CAST(k.k AS TEXT) END").arg(fallbackPrefix);
}

QString numbersCte(int count)
{
    return QStringLiteral("WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < %1) ")
        .arg(count - 1);
}

QString isoUtc(qint64 msecs)
{
    return QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

// Collects rows and writes them with multi-row INSERT statements of bound values.
class Inserter
{
public:
    Inserter(Database &db, const QString &table, const QStringList &columns) : m_db(db)
    {
        m_rowsPerStatement = int(std::max<qsizetype>(1, 2000 / columns.size()));
        m_head = QStringLiteral("INSERT INTO ") + table + QStringLiteral(" (") + columns.join(QStringLiteral(", ")) +
                 QStringLiteral(") VALUES ");
        QStringList marks;
        for (qsizetype i = 0; i < columns.size(); ++i)
            marks << QStringLiteral("?");
        m_tuple = QLatin1Char('(') + marks.join(QStringLiteral(", ")) + QLatin1Char(')');
    }

    Status add(const QVariantList &row)
    {
        m_binds << row;
        ++m_rows;
        ++m_total;
        if (m_rows == m_rowsPerStatement)
            return flush();
        return {};
    }

    // Rows of this table reference rows of `parent`: its buffered rows are written first.
    void writeAfter(Inserter *parent) { m_parent = parent; }

    Status flush()
    {
        if (m_rows == 0)
            return {};
        if (m_parent)
            if (auto s = m_parent->flush(); !s)
                return s;
        QString sql = m_head;
        for (int i = 0; i < m_rows; ++i)
            sql += (i == 0 ? QString() : QStringLiteral(", ")) + m_tuple;
        // Full batches share their text: the prepared statement is reused.
        auto q = m_db.execWrite(sql, m_binds);
        m_binds.clear();
        m_rows = 0;
        if (!q)
            return q.error();
        return {};
    }

    qint64 total() const { return m_total; }

private:
    Database &m_db;
    QString m_head;
    QString m_tuple;
    QVariantList m_binds;
    int m_rows = 0;
    int m_rowsPerStatement = 1;
    qint64 m_total = 0;
    Inserter *m_parent = nullptr;
};

Result<qint64> nextId(Database &db, const QString &table)
{
    auto v = db.scalar(QStringLiteral("SELECT COALESCE(max(id), 0) + 1 FROM ") + table);
    if (!v)
        return v.error();
    return v->toLongLong();
}

// Lifts the row triggers and drops the secondary indexes for the generating transaction, and puts
// them back (rebuilding the indexes, which is faster than maintaining them row by row) before commit.
class LoadMode
{
public:
    explicit LoadMode(Database &db) : m_db(db) {}

    Status enter()
    {
        if (m_db.dialect() == Dialect::Sqlite) {
            auto q = m_db.exec(QStringLiteral("SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', "
                                              "'index') AND sql IS NOT NULL"));
            if (!q)
                return q.error();
            QStringList drops;
            while (q->next()) {
                m_restore << q->value(2).toString();
                drops << QStringLiteral("DROP %1 %2").arg(q->value(0).toString().toUpper(), q->value(1).toString());
            }
            q->finish();
            for (const QString &sql : drops)
                if (auto d = m_db.exec(sql); !d)
                    return d.error();
            return {};
        }
        auto super = m_db.scalar(QStringLiteral("SELECT rolsuper FROM pg_roles WHERE rolname = session_user"));
        if (!super)
            return super.error();
        if (super->toBool()) {
            // Skips user triggers and foreign-key checks for this transaction; the generator writes
            // consistent rows by construction.
            if (auto s = m_db.exec(QStringLiteral("SET LOCAL session_replication_role = replica")); !s)
                return s.error();
        } else {
            auto tables =
                m_db.exec(QStringLiteral("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"));
            if (!tables)
                return tables.error();
            while (tables->next())
                m_tables << tables->value(0).toString();
            tables->finish();
            for (const QString &t : std::as_const(m_tables))
                if (auto s = m_db.exec(QStringLiteral("ALTER TABLE %1 DISABLE TRIGGER USER").arg(t)); !s)
                    return Error{
                        Error::Kind::Permission,
                        QStringLiteral("Generating a large registry on PostgreSQL lifts the row triggers for one "
                                       "transaction, which needs a superuser or the owner of the registry's tables "
                                       "(%1). Connect as one of them, or generate into SQLite.")
                            .arg(s.error().message),
                        {}};
        }
        auto q = m_db.exec(QStringLiteral(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || "
            "quote_ident(i.indexname))::regclass)"));
        if (!q)
            return q.error();
        QStringList drops;
        while (q->next()) {
            drops << QStringLiteral("DROP INDEX %1").arg(q->value(0).toString());
            m_restore << q->value(1).toString();
        }
        q->finish();
        for (const QString &sql : drops)
            if (auto d = m_db.exec(sql); !d)
                return d.error();
        (void)m_db.exec(QStringLiteral("SET LOCAL maintenance_work_mem = '256MB'"));
        return {};
    }

    Status leave()
    {
        for (const QString &sql : std::as_const(m_restore))
            if (auto q = m_db.exec(sql); !q)
                return q.error();
        for (const QString &t : std::as_const(m_tables))
            if (auto s = m_db.exec(QStringLiteral("ALTER TABLE %1 ENABLE TRIGGER USER").arg(t)); !s)
                return s.error();
        if (m_db.dialect() == Dialect::Postgres)
            if (auto s = m_db.exec(QStringLiteral("SET LOCAL session_replication_role = origin")); !s)
                return s.error();
        return {};
    }

private:
    Database &m_db;
    QStringList m_restore; // CREATE statements of the dropped triggers and indexes
    QStringList m_tables;  // PostgreSQL tables whose triggers were disabled
};

// One step of a model's history; replayed for all models in time order.
struct Event
{
    enum Type : quint8
    {
        CreateModel,
        Register,
        ToStaging,
        Request,
        Approve,
        Reject,
        Demote,
        ArchiveStaging,
        Rollback,
        Deploy
    };
    qint64 at;
    int model;
    int version;
    Type type;
    int other = 0; // Approve: the superseded Production version; Rollback: the target; Request: final status
};

enum RequestFate
{
    Promoted,
    Rejected,
    Pending
};

struct Layout
{
    int teams = 0;
    int days = 0; // dataset versions per dataset: one per day of the history
    int pipelineVersions = 0;
    int commits = 0; // per model
    qint64 firstModel = 0;
    qint64 firstVersion = 0;
    qint64 sourceNode = 0; // teams x 2 data sources, then teams x 2 datasets
    qint64 datasetVersionNode = 0;
    qint64 pipelineNode = 0;
    qint64 pipelineVersionNode = 0;
    qint64 commitNode = 0;
    qint64 deploymentNode = 0; // one per model ("<model>-svc@prod")
    qint64 versionNode = 0;    // one per version, in version id order
};

} // namespace

QString bulkMetricName(int k)
{
    return k < kMetricNames.size() ? kMetricNames[k] : QStringLiteral("metric_%1").arg(k);
}

double bulkMetricValue(const BulkSpec &spec, qint64 versionRowId, int version, int k)
{
    const double u = double(mix(versionRowId, k, spec.seed)) / 2147483647.0;
    const double p = double(version) / spec.versionsPerModel;
    if (k == 0)
        return 0.70 + 0.20 * p + 0.10 * (u - 0.5);
    if (k == 4 || k == 9)
        return 0.45 - 0.15 * p + 0.06 * (u - 0.5);
    if (k == 6)
        return 18.0 + 12.0 * u;
    if (k < 10)
        return 0.55 + 0.25 * p + 0.10 * (u - 0.5);
    return u;
}

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

Result<BulkSummary> generateBulkRegistry(Registry &registry, const BulkSpec &spec, const BulkProgress &progress)
{
    if (spec.models < 1 || spec.models > 100000 || spec.versionsPerModel < 1 || spec.versionsPerModel > 10000 ||
        spec.metricsPerVersion < 1 || spec.metricsPerVersion > 200 || spec.paramsPerVersion < 0 ||
        spec.paramsPerVersion > 200 || spec.factsPerVersion < 0 || spec.factsPerVersion > 200)
        return Error::invalid(QStringLiteral("A generated registry has 1-100,000 models, 1-10,000 versions each, "
                                             "1-200 metrics and 0-200 params and facts per version."));
    if (qint64(spec.models) * spec.versionsPerModel > kMaxGeneratedVersions)
        return Error::invalid(QStringLiteral("A generated registry holds at most %L1 versions (%L2 models x %L3 "
                                             "versions asked for); the history is planned in memory.")
                                  .arg(kMaxGeneratedVersions)
                                  .arg(spec.models)
                                  .arg(spec.versionsPerModel));
    if (registry.isReadOnly())
        return Error{Error::Kind::NewerSchema, registry.readOnlyReason(), {}};
    Database &db = RegistryInternals::database(registry);
    auto existing = db.scalar(QStringLiteral("SELECT count(*) FROM registered_models"));
    if (!existing)
        return existing.error();
    if (existing->toLongLong() > 0)
        return Error::conflict(
            QStringLiteral("The registry already holds models; generated data goes into an empty registry."));
    auto report = [&](int percent, const QString &step) {
        if (progress)
            progress(percent, step);
    };

    // SQLite: a bigger page cache while the indexes are rebuilt.
    if (db.dialect() == Dialect::Sqlite)
        (void)db.exec(QStringLiteral("PRAGMA cache_size = -262144"));

    auto result = db.writeTransaction([&]() -> Result<BulkSummary> {
        BulkSummary summary;
        report(0, QStringLiteral("preparing"));
        LoadMode load(db);
        if (auto s = load.enter(); !s)
            return s.error();

        const int V = spec.versionsPerModel;
        Layout L;
        L.teams = int(std::min<qsizetype>(kTeams.size(), spec.models));
        L.days = V + 1;
        L.pipelineVersions = (V + kVersionsPerPipeline - 1) / kVersionsPerPipeline;
        L.commits = (V + kVersionsPerCommit - 1) / kVersionsPerCommit;
        auto nsId = nextId(db, QStringLiteral("namespaces"));
        auto modelId = nextId(db, QStringLiteral("registered_models"));
        auto versionId = nextId(db, QStringLiteral("model_versions"));
        auto nodeId = nextId(db, QStringLiteral("lineage_nodes"));
        auto transitionId = nextId(db, QStringLiteral("stage_transitions"));
        auto requestId = nextId(db, QStringLiteral("approval_requests"));
        auto decisionId = nextId(db, QStringLiteral("approval_decisions"));
        auto deploymentId = nextId(db, QStringLiteral("deployments"));
        auto auditId = nextId(db, QStringLiteral("audit_log"));
        for (const auto *r :
             {&nsId, &modelId, &versionId, &nodeId, &transitionId, &requestId, &decisionId, &deploymentId, &auditId})
            if (!*r)
                return r->error();
        auto lastHash = db.scalar(QStringLiteral("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"));
        if (!lastHash)
            return lastHash.error();
        L.firstModel = *modelId;
        L.firstVersion = *versionId;
        const qint64 start = QDateTime(QDate(2025, 1, 6), QTime(9, 0), Qt::UTC).toMSecsSinceEpoch();
        // When version v (1-based) of model m was registered, plus hours.
        auto when = [&](int m, int v, double hours) {
            return start + qint64(v - 1) * kDayMs + qint64(m) * 37000 + qint64(hours * 3600000.0);
        };
        const QString generatedAt = isoUtc(start - kDayMs);
        auto teamOf = [&](int m) { return m % L.teams; };
        auto modelName = [&](int m) {
            return QStringLiteral("%1/model-%2").arg(kTeams[teamOf(m)]).arg(m, 4, 10, QLatin1Char('0'));
        };
        auto versionRowId = [&](int m, int v) { return L.firstVersion + qint64(m) * V + (v - 1); };
        auto author = [&](int m, int v) { return kAuthors[(m + v / 10) % kAuthors.size()]; };
        auto reviewer = [&](int m, int v) { return kReviewers[(m + v) % kReviewers.size()]; };
        auto serviceOf = [&](int m) {
            return QStringLiteral("%1-model-%2-svc").arg(kTeams[teamOf(m)]).arg(m, 4, 10, QLatin1Char('0'));
        };

        // ---- the history of every model, simulated first: it decides the versions' final stages ----
        report(1, QStringLiteral("planning lifecycles"));
        QList<Event> events;
        events.reserve(qsizetype(spec.models) * (V + V / 2 + 2));
        QList<Stage> stage(qsizetype(spec.models) * V, Stage::None);
        QList<qint64> stageChanged(qsizetype(spec.models) * V, 0);
        QList<bool> excluded(qsizetype(spec.models) * V, false);
        QList<int> champion(spec.models, 0);
        QList<int> challenger(spec.models, 0);
        for (int m = 0; m < spec.models; ++m) {
            QRandomGenerator rng(spec.seed * 1000003u + quint32(m));
            auto idx = [&](int v) { return qsizetype(m) * V + (v - 1); };
            auto setStage = [&](int v, Stage s, qint64 at) {
                stage[idx(v)] = s;
                stageChanged[idx(v)] = at;
            };
            int production = 0;
            QList<int> productionHistory;
            events.append({when(m, 1, -0.5), m, 1, Event::CreateModel});
            for (int v = 1; v <= V; ++v) {
                events.append({when(m, v, 0), m, v, Event::Register});
                setStage(v, Stage::None, when(m, v, 0));
                if (v % 5 != 0)
                    continue;
                events.append({when(m, v, 1), m, v, Event::ToStaging});
                setStage(v, Stage::Staging, when(m, v, 1));
                if (v % 10 == 5) {
                    // Half of the in-between candidates go back to None, the others are archived.
                    if (rng.bounded(2) == 0) {
                        events.append({when(m, v, 20), m, v, Event::Demote});
                        setStage(v, Stage::None, when(m, v, 20));
                    } else {
                        events.append({when(m, v, 20), m, v, Event::ArchiveStaging});
                        setStage(v, Stage::Archived, when(m, v, 20));
                    }
                    continue;
                }
                const bool last = v + 10 > V;
                RequestFate fate = Promoted;
                if (last && m % 4 == 0)
                    fate = Pending;
                else if (production != 0 && rng.bounded(12) == 0)
                    fate = Rejected;
                events.append({when(m, v, 2), m, v, Event::Request, int(fate)});
                if (fate == Pending) {
                    challenger[m] = v;
                    continue;
                }
                if (fate == Rejected) {
                    events.append({when(m, v, 5), m, v, Event::Reject});
                    events.append({when(m, v, 20), m, v, Event::ArchiveStaging});
                    setStage(v, Stage::Archived, when(m, v, 20));
                    continue;
                }
                events.append({when(m, v, 5), m, v, Event::Approve, production});
                if (production != 0)
                    setStage(production, Stage::Archived, when(m, v, 5));
                setStage(v, Stage::Production, when(m, v, 5));
                production = v;
                productionHistory << v;
                events.append({when(m, v, 6), m, v, Event::Deploy});
                // Now and then the new version misbehaves in production and on-call rolls back.
                if (productionHistory.size() >= 2 && !last && rng.bounded(8) == 0) {
                    const int target = productionHistory[productionHistory.size() - 2];
                    events.append({when(m, v, 18), m, v, Event::Rollback, target});
                    setStage(v, Stage::Archived, when(m, v, 18));
                    setStage(target, Stage::Production, when(m, v, 18));
                    excluded[idx(v)] = true;
                    production = target;
                    productionHistory.removeLast();
                    events.append({when(m, v, 18.1), m, target, Event::Deploy});
                }
            }
            champion[m] = production;
        }
        std::stable_sort(events.begin(), events.end(), [](const Event &a, const Event &b) { return a.at < b.at; });

        // ---- namespaces, models, versions ----
        report(2, QStringLiteral("models and versions"));
        QList<qint64> teamIds;
        {
            Inserter namespaces(db, QStringLiteral("namespaces"),
                                {QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("description"),
                                 QStringLiteral("created_at")});
            for (int t = 0; t < L.teams; ++t) {
                // A team that already exists keeps its row.
                auto id = db.scalar(QStringLiteral("SELECT id FROM namespaces WHERE name = ?"), {kTeams[t]});
                if (!id)
                    return id.error();
                if (!id->isNull()) {
                    teamIds << id->toLongLong();
                    continue;
                }
                teamIds << *nsId;
                if (auto s = namespaces.add(
                        {(*nsId)++, kTeams[t], QStringLiteral("The %1 team.").arg(kTeams[t]), generatedAt});
                    !s)
                    return s.error();
            }
            if (auto s = namespaces.flush(); !s)
                return s.error();
        }
        Inserter models(db, QStringLiteral("registered_models"),
                        {QStringLiteral("id"), QStringLiteral("namespace_id"), QStringLiteral("name"),
                         QStringLiteral("description"), QStringLiteral("owner"), QStringLiteral("last_version"),
                         QStringLiteral("created_at"), QStringLiteral("created_by")});
        for (int m = 0; m < spec.models; ++m)
            if (auto s = models.add({L.firstModel + m, teamIds[teamOf(m)], modelName(m),
                                     QStringLiteral("%1 model %2 of the %3 team.")
                                         .arg(m % 3 == 0 ? QStringLiteral("Ranking")
                                                         : (m % 3 == 1 ? QStringLiteral("Classification")
                                                                       : QStringLiteral("Forecasting")))
                                         .arg(m)
                                         .arg(kTeams[teamOf(m)]),
                                     kTeams[teamOf(m)], V, isoUtc(when(m, 1, -0.5)), author(m, 1)});
                !s)
                return s.error();
        if (auto s = models.flush(); !s)
            return s.error();
        {
            Inserter versions(db, QStringLiteral("model_versions"),
                              {QStringLiteral("id"), QStringLiteral("model_id"), QStringLiteral("version"),
                               QStringLiteral("artifact_uri"), QStringLiteral("artifact_digest"),
                               QStringLiteral("source_run"), QStringLiteral("created_at"), QStringLiteral("created_by"),
                               QStringLiteral("stage"), QStringLiteral("stage_changed_at"), QStringLiteral("sealed"),
                               QStringLiteral("rollback_excluded")});
            for (int m = 0; m < spec.models; ++m) {
                const QString name = modelName(m);
                for (int v = 1; v <= V; ++v) {
                    const qsizetype i = qsizetype(m) * V + (v - 1);
                    const qint64 vid = versionRowId(m, v);
                    const QString digest = QStringLiteral("sha256:%1%2")
                                               .arg(mix(vid, 1001, spec.seed), 16, 16, QLatin1Char('0'))
                                               .arg(mix(vid, 1002, spec.seed), 48, 16, QLatin1Char('0'));
                    if (auto s = versions.add({vid, L.firstModel + m, v,
                                               QStringLiteral("s3://ml-artifacts/%1/v%2/model.bin").arg(name).arg(v),
                                               digest, QStringLiteral("run-%1").arg(mix(vid, 1003, spec.seed), 0, 36),
                                               isoUtc(when(m, v, 0)), author(m, v), stageName(stage[i]),
                                               isoUtc(stageChanged[i]), 1, excluded[i] ? 1 : 0});
                        !s)
                        return s.error();
                }
                if (m % 50 == 49)
                    report(2 + 8 * (m + 1) / spec.models, QStringLiteral("models and versions"));
            }
            if (auto s = versions.flush(); !s)
                return s.error();
        }
        summary.models = spec.models;
        summary.versions = qint64(spec.models) * V;
        const qint64 lastVersion = L.firstVersion + summary.versions - 1;

        // ---- lineage nodes other than the versions' ----
        report(10, QStringLiteral("lineage"));
        Inserter nodes(db, QStringLiteral("lineage_nodes"),
                       {QStringLiteral("id"), QStringLiteral("kind"), QStringLiteral("name"), QStringLiteral("version"),
                        QStringLiteral("model_version_id"), QStringLiteral("attributes"),
                        QStringLiteral("created_at")});
        Inserter edges(
            db, QStringLiteral("lineage_edges"),
            {QStringLiteral("src_id"), QStringLiteral("dst_id"), QStringLiteral("kind"), QStringLiteral("created_at")});
        const QVariant noVersion{QMetaType(QMetaType::LongLong)};
        // Edges wait until their nodes are written (foreign keys hold at every statement).
        QList<QVariantList> pendingEdges;
        auto addEdge = [&](const QVariantList &row) -> Status {
            pendingEdges << row;
            return {};
        };
        auto node = [&](qint64 id, const QString &kind, const QString &name, const QString &version,
                        const QString &at) {
            return nodes.add({id, kind, name, version, noVersion, QStringLiteral("{}"), at});
        };
        auto dayDate = [&](int d) {
            return QDateTime::fromMSecsSinceEpoch(start + qint64(d) * kDayMs, Qt::UTC).date();
        };
        const QStringList datasetSuffix = {QStringLiteral("-events"), QStringLiteral("-labels")};
        const QStringList sourceSuffix = {QStringLiteral("-kafka"), QStringLiteral("-warehouse")};
        const QStringList pipelineSuffix = {QStringLiteral("-features"), QStringLiteral("-embeddings")};
        L.sourceNode = *nodeId;
        const qint64 datasetNode = L.sourceNode + L.teams * kDatasetsPerTeam;
        L.datasetVersionNode = datasetNode + L.teams * kDatasetsPerTeam;
        L.pipelineNode = L.datasetVersionNode + qint64(L.teams) * kDatasetsPerTeam * L.days;
        L.pipelineVersionNode = L.pipelineNode + L.teams * kPipelinesPerTeam;
        L.commitNode = L.pipelineVersionNode + qint64(L.teams) * kPipelinesPerTeam * L.pipelineVersions;
        L.deploymentNode = L.commitNode + qint64(spec.models) * L.commits;
        L.versionNode = L.deploymentNode + spec.models;
        auto datasetVersionId = [&](int t, int d, int day) {
            return L.datasetVersionNode + (qint64(t) * kDatasetsPerTeam + d) * L.days + day;
        };
        auto pipelineVersionId = [&](int t, int p, int i) {
            return L.pipelineVersionNode + (qint64(t) * kPipelinesPerTeam + p) * L.pipelineVersions + i;
        };
        for (int t = 0; t < L.teams; ++t)
            for (int d = 0; d < kDatasetsPerTeam; ++d)
                if (auto s = node(L.sourceNode + t * kDatasetsPerTeam + d, QStringLiteral("data_source"),
                                  kTeams[t] + sourceSuffix[d], {}, generatedAt);
                    !s)
                    return s.error();
        for (int t = 0; t < L.teams; ++t)
            for (int d = 0; d < kDatasetsPerTeam; ++d) {
                const qint64 id = datasetNode + t * kDatasetsPerTeam + d;
                if (auto s = node(id, QStringLiteral("dataset"), kTeams[t] + datasetSuffix[d], {}, generatedAt); !s)
                    return s.error();
                if (auto s = edges.add(
                        {L.sourceNode + t * kDatasetsPerTeam + d, id, QStringLiteral("derived_from"), generatedAt});
                    !s)
                    return s.error();
            }
        for (int t = 0; t < L.teams; ++t)
            for (int d = 0; d < kDatasetsPerTeam; ++d)
                for (int day = 0; day < L.days; ++day) {
                    const QString at = isoUtc(start + qint64(day) * kDayMs - 3 * 3600000);
                    if (auto s = node(datasetVersionId(t, d, day), QStringLiteral("dataset_version"),
                                      kTeams[t] + datasetSuffix[d], dayDate(day).toString(Qt::ISODate), at);
                        !s)
                        return s.error();
                    if (auto s = addEdge({datasetNode + t * kDatasetsPerTeam + d, datasetVersionId(t, d, day),
                                          QStringLiteral("derived_from"), at});
                        !s)
                        return s.error();
                }
        for (int t = 0; t < L.teams; ++t)
            for (int p = 0; p < kPipelinesPerTeam; ++p)
                if (auto s = node(L.pipelineNode + t * kPipelinesPerTeam + p, QStringLiteral("feature_pipeline"),
                                  kTeams[t] + pipelineSuffix[p], {}, generatedAt);
                    !s)
                    return s.error();
        for (int t = 0; t < L.teams; ++t)
            for (int p = 0; p < kPipelinesPerTeam; ++p)
                for (int i = 0; i < L.pipelineVersions; ++i) {
                    // Version i is built on the day its first model version is trained, from that day's data.
                    const int day = i * kVersionsPerPipeline;
                    const QString at = isoUtc(start + qint64(day) * kDayMs - 2 * 3600000);
                    const qint64 id = pipelineVersionId(t, p, i);
                    if (auto s = node(id, QStringLiteral("feature_pipeline_version"), kTeams[t] + pipelineSuffix[p],
                                      QStringLiteral("2.%1").arg(i), at);
                        !s)
                        return s.error();
                    for (const qint64 src : {L.pipelineNode + t * kPipelinesPerTeam + p, datasetVersionId(t, 0, day)})
                        if (auto s = addEdge({src, id, QStringLiteral("derived_from"), at}); !s)
                            return s.error();
                }
        for (int m = 0; m < spec.models; ++m)
            for (int c = 0; c < L.commits; ++c) {
                const qint64 id = L.commitNode + qint64(m) * L.commits + c;
                const QString sha =
                    QStringLiteral("%1").arg(mix(id, 2001, spec.seed) * 4096 + c, 12, 16, QLatin1Char('0'));
                if (auto s = node(id, QStringLiteral("code_commit"),
                                  QStringLiteral("git.example.com/%1/%2")
                                      .arg(kTeams[teamOf(m)])
                                      .arg(modelName(m).section(QLatin1Char('/'), 1)),
                                  sha.right(12), isoUtc(when(m, c * kVersionsPerCommit + 1, -1)));
                    !s)
                    return s.error();
            }
        for (int m = 0; m < spec.models; ++m)
            if (auto s = node(L.deploymentNode + m, QStringLiteral("deployment"), serviceOf(m), QStringLiteral("prod"),
                              generatedAt);
                !s)
                return s.error();
        if (auto s = nodes.flush(); !s)
            return s.error();
        for (const QVariantList &row : std::as_const(pendingEdges))
            if (auto s = edges.add(row); !s)
                return s.error();
        if (auto s = edges.flush(); !s)
            return s.error();

        // ---- per-version rows, generated by the database in slices of versions ----
        const QString p = QStringLiteral("CAST(v.version AS DOUBLE PRECISION) / %1").arg(V);
        const QString u = QStringLiteral("CAST(%1 AS DOUBLE PRECISION) / 2147483647.0")
                              .arg(mixSql(QStringLiteral("v.id"), QStringLiteral("k.k"), spec.seed));
        const QString h = mixSql(QStringLiteral("v.id"), QStringLiteral("k.k + 500"), spec.seed);
        const QString modelIndex = QStringLiteral("(v.model_id - %1)").arg(L.firstModel);
        const QString team = QStringLiteral("(%1 % %2)").arg(modelIndex).arg(L.teams);
        const QString commitOf = QStringLiteral("(%1 + %2 * %3 + (v.version - 1) / %4)")
                                     .arg(L.commitNode)
                                     .arg(modelIndex)
                                     .arg(L.commits)
                                     .arg(kVersionsPerCommit);
        QString paramValue =
            QStringLiteral(
                "CASE k.k WHEN 0 THEN '0.0' || CAST(1 + %1 % 9 AS TEXT) WHEN 1 THEN CAST(3 + %1 % 10 AS TEXT) "
                "WHEN 2 THEN CAST(100 * (1 + %1 % 20) AS TEXT) WHEN 3 THEN CAST(64 * (1 + %1 % 8) AS TEXT) "
                "WHEN 4 THEN CAST(5 + %1 % 45 AS TEXT) WHEN 5 THEN '0.' || CAST(%1 % 5 AS TEXT) "
                "WHEN 6 THEN CASE %1 % 3 WHEN 0 THEN 'adam' WHEN 1 THEN 'adamw' ELSE 'sgd' END "
                "WHEN 8 THEN CAST(v.id AS TEXT) ELSE CAST(%1 % 1000 AS TEXT) END")
                .arg(h);
        QString factValue =
            QStringLiteral(
                "CASE k.k WHEN 0 THEN ns.name || '-labels' "
                "WHEN 1 THEN ns.name || '-labels@' || substr(v.created_at, 1, 10) "
                "WHEN 2 THEN substr(v.created_at, 1, 7) || '-01' WHEN 3 THEN substr(v.created_at, 1, 10) "
                "WHEN 4 THEN CAST(1000000 + %1 % 9000000 AS TEXT) "
                "WHEN 5 THEN (SELECT c.version FROM lineage_nodes c WHERE c.id = %2) WHEN 6 THEN 'main' "
                "WHEN 7 THEN '3.11' WHEN 8 THEN CASE %1 % 3 WHEN 0 THEN 'xgboost 2.0.3' WHEN 1 THEN 'lightgbm 4.3.0' "
                "ELSE 'torch 2.3.1' END WHEN 9 THEN CAST(600 + %1 % 7200 AS TEXT) ELSE CAST(%1 AS TEXT) END")
                .arg(h, commitOf);
        const QStringList factCategory = {QStringLiteral("data"),    QStringLiteral("data"), QStringLiteral("data"),
                                          QStringLiteral("data"),    QStringLiteral("data"), QStringLiteral("code"),
                                          QStringLiteral("code"),    QStringLiteral("env"),  QStringLiteral("env"),
                                          QStringLiteral("training")};
        const QStringList factName = {QStringLiteral("dataset"),   QStringLiteral("dataset_version"),
                                      QStringLiteral("date_from"), QStringLiteral("date_to"),
                                      QStringLiteral("rows"),      QStringLiteral("git_sha"),
                                      QStringLiteral("branch"),    QStringLiteral("python"),
                                      QStringLiteral("framework"), QStringLiteral("duration_s")};
        QString categoryCase = QStringLiteral("CASE k.k");
        for (qsizetype i = 0; i < factCategory.size(); ++i)
            categoryCase += QStringLiteral(" WHEN %1 THEN '%2'").arg(i).arg(factCategory[i]);
        categoryCase += QStringLiteral(" ELSE 'env' END");
        const QString versionsOf = QStringLiteral(" FROM model_versions v CROSS JOIN k ");
        const QString withModel = QStringLiteral(" FROM model_versions v JOIN registered_models m ON m.id = v.model_id "
                                                 "JOIN namespaces ns ON ns.id = m.namespace_id CROSS JOIN k ");
        const QString slice = QStringLiteral(" WHERE v.id BETWEEN ? AND ?");
        struct BulkStep
        {
            QString label;
            int weight;
            QString sql;
        };
        const QList<BulkStep> steps = {
            {QStringLiteral("metrics"), 35,
             numbersCte(spec.metricsPerVersion) +
                 QStringLiteral("INSERT INTO metrics (version_id, name, dataset, slice, value) SELECT v.id, ") +
                 nameCaseSql(kMetricNames, QStringLiteral("metric_")) + QStringLiteral(", 'test', '', ") +
                 metricValueSql(u, p) + versionsOf + slice},
            {QStringLiteral("params"), 17,
             spec.paramsPerVersion == 0
                 ? QString()
                 : numbersCte(spec.paramsPerVersion) +
                       QStringLiteral("INSERT INTO params (version_id, name, value) SELECT v.id, ") +
                       nameCaseSql(kParamNames, QStringLiteral("param_")) + QStringLiteral(", ") + paramValue +
                       versionsOf + slice},
            {QStringLiteral("facts"), 14,
             spec.factsPerVersion == 0
                 ? QString()
                 : numbersCte(spec.factsPerVersion) +
                       QStringLiteral("INSERT INTO facts (version_id, category, name, value) SELECT v.id, ") +
                       categoryCase + QStringLiteral(", ") + nameCaseSql(factName, QStringLiteral("extra_")) +
                       QStringLiteral(", ") + factValue + withModel + slice},
            {QStringLiteral("tags"), 2,
             numbersCte(1) +
                 QStringLiteral("INSERT INTO version_tags (version_id, key, value) SELECT v.id, 'team', "
                                "ns.name") +
                 withModel + slice},
            {QStringLiteral("lineage of versions"), 3,
             numbersCte(1) +
                 QStringLiteral("INSERT INTO lineage_nodes (id, kind, name, version, model_version_id, attributes, "
                                "created_at) SELECT %1 + v.id - %2, 'model_version', m.name, CAST(v.version AS TEXT), "
                                "v.id, '{}', v.created_at")
                     .arg(L.versionNode)
                     .arg(L.firstVersion) +
                 withModel + slice},
            {QStringLiteral("lineage of versions"), 5,
             // Three inputs per version: its pipeline's version of the time, that day's labels, its commit.
             QStringLiteral("WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 2) "
                            "INSERT INTO lineage_edges (src_id, dst_id, kind, created_at) SELECT CASE k.k "
                            "WHEN 0 THEN %1 + (%2 * %3 + (%4 / %5) % %3) * %6 + (v.version - 1) / %7 "
                            "WHEN 1 THEN %8 + (%2 * %9 + 1) * %10 + (v.version - 1) ELSE %11 END, "
                            "%12 + v.id - %13, CASE k.k WHEN 2 THEN 'uses' ELSE 'trained_on' END, v.created_at")
                     .arg(L.pipelineVersionNode)
                     .arg(team)
                     .arg(kPipelinesPerTeam)
                     .arg(modelIndex)
                     .arg(L.teams)
                     .arg(L.pipelineVersions)
                     .arg(kVersionsPerPipeline)
                     .arg(L.datasetVersionNode)
                     .arg(kDatasetsPerTeam)
                     .arg(L.days)
                     .arg(commitOf)
                     .arg(L.versionNode)
                     .arg(L.firstVersion) +
                 versionsOf + slice},
        };
        int percent = 12;
        const qint64 sliceSize = std::max<qint64>(1, 400000 / std::max(1, spec.metricsPerVersion));
        for (const BulkStep &step : steps) {
            if (step.sql.isEmpty()) {
                percent += step.weight;
                continue;
            }
            for (qint64 from = L.firstVersion; from <= lastVersion; from += sliceSize) {
                const qint64 to = std::min(lastVersion, from + sliceSize - 1);
                if (auto q = db.exec(step.sql, {from, to}); !q)
                    return q.error();
                report(percent + int(step.weight * (to - L.firstVersion + 1) / summary.versions), step.label);
            }
            percent += step.weight;
        }
        summary.metricRows = summary.versions * spec.metricsPerVersion;

        // ---- the history, in time order: transitions, requests, decisions, deployments, audit ----
        report(percent, QStringLiteral("history"));
        Inserter transitions(db, QStringLiteral("stage_transitions"),
                             {QStringLiteral("id"), QStringLiteral("version_id"), QStringLiteral("from_stage"),
                              QStringLiteral("to_stage"), QStringLiteral("kind"), QStringLiteral("actor"),
                              QStringLiteral("at"), QStringLiteral("reason"), QStringLiteral("approval_id")});
        Inserter requests(db, QStringLiteral("approval_requests"),
                          {QStringLiteral("id"), QStringLiteral("version_id"), QStringLiteral("to_stage"),
                           QStringLiteral("requested_by"), QStringLiteral("requested_at"), QStringLiteral("reason"),
                           QStringLiteral("status"), QStringLiteral("gates_passed"), QStringLiteral("gate_report"),
                           QStringLiteral("baseline_version"), QStringLiteral("required_approvals"),
                           QStringLiteral("decided_at")});
        Inserter decisions(db, QStringLiteral("approval_decisions"),
                           {QStringLiteral("id"), QStringLiteral("request_id"), QStringLiteral("actor"),
                            QStringLiteral("decision"), QStringLiteral("comment"), QStringLiteral("override_reason"),
                            QStringLiteral("at")});
        decisions.writeAfter(&requests);
        Inserter deployments(db, QStringLiteral("deployments"),
                             {QStringLiteral("id"), QStringLiteral("service"), QStringLiteral("environment"),
                              QStringLiteral("model_id"), QStringLiteral("version_id"), QStringLiteral("reported_at"),
                              QStringLiteral("reported_by")});
        Inserter audit(db, QStringLiteral("audit_log"),
                       {QStringLiteral("id"), QStringLiteral("at"), QStringLiteral("actor"), QStringLiteral("action"),
                        QStringLiteral("object_type"), QStringLiteral("object_key"), QStringLiteral("details"),
                        QStringLiteral("prev_hash"), QStringLiteral("hash")});
        QString prevHash = lastHash->isNull() ? auditGenesisHash() : lastHash->toString();
        auto log = [&](const QString &at, const QString &actor, const QString &action, const QString &type,
                       const QString &key, const QJsonObject &details) -> Status {
            AuditEntry e;
            e.prevHash = prevHash;
            e.at = at;
            e.actor = actor;
            e.action = action;
            e.objectType = type;
            e.objectKey = key;
            e.details = compact(details);
            e.hash = auditHash(e);
            prevHash = e.hash;
            return audit.add(
                {(*auditId)++, e.at, e.actor, e.action, e.objectType, e.objectKey, e.details, e.prevHash, e.hash});
        };
        const QVariant noApproval{QMetaType(QMetaType::LongLong)};
        // Every simulated move is one of the policy's (policy::moves()); an unknown one is a bug here.
        auto transition = [&](int m, int v, Stage from, Stage to, TransitionKind kindValue, const QString &actor,
                              const QString &at, const QString &reason, qint64 approval) -> Status {
            const bool registering = kindValue == TransitionKind::Register;
            if (!registering && !policy::findMove(from, to, kindValue, approval > 0))
                return Error::database(QStringLiteral("The generator planned a move the policy does not allow: %1->%2 "
                                                      "(%3).")
                                           .arg(stageName(from), stageName(to), transitionKindName(kindValue)));
            const QString kind = transitionKindName(kindValue);
            if (auto s = transitions.add({(*transitionId)++, versionRowId(m, v),
                                          registering ? QString() : stageName(from), stageName(to), kind, actor, at,
                                          reason, approval > 0 ? QVariant(approval) : noApproval});
                !s)
                return s;
            if (registering)
                return {};
            return log(at, actor, QStringLiteral("stage_") + kind, QStringLiteral("model_version"),
                       modelName(m) + QStringLiteral("@v") + QString::number(v),
                       QJsonObject{{QStringLiteral("from"), stageName(from)},
                                   {QStringLiteral("to"), stageName(to)},
                                   {QStringLiteral("kind"), kind},
                                   {QStringLiteral("reason"), reason},
                                   {QStringLiteral("approval_id"),
                                    approval > 0 ? QJsonValue(double(approval)) : QJsonValue()}});
        };
        GatePolicy policy;
        {
            GateRule min;
            min.kind = GateRule::Kind::MetricMin;
            min.metric = QStringLiteral("auc");
            min.dataset = QStringLiteral("test");
            min.threshold = 0.75;
            GateRule noRegression;
            noRegression.kind = GateRule::Kind::NoRegression;
            noRegression.metric = QStringLiteral("auc");
            noRegression.dataset = QStringLiteral("test");
            noRegression.tolerance = 0.01;
            policy.rules << min << noRegression;
        }
        if (auto q = db.exec(QStringLiteral("INSERT INTO gate_policies (model_id, transition, policy, updated_at, "
                                            "updated_by) VALUES (0, 'production', ?, ?, ?)"),
                             {compact(toJson(policy)), generatedAt, kReviewers[0]});
            !q)
            return q.error();
        if (auto s = log(generatedAt, kReviewers[0], QStringLiteral("set_gate_policy"), QStringLiteral("gate_policy"),
                         QStringLiteral("(default)/production"), toJson(policy));
            !s)
            return s.error();
        auto candidate = [&](int m, int v) {
            ModelVersion mv;
            mv.modelName = modelName(m);
            mv.version = v;
            mv.metrics << Metric{
                QStringLiteral("auc"), QStringLiteral("test"), {}, bulkMetricValue(spec, versionRowId(m, v), v, 0)};
            return mv;
        };
        QHash<qint64, qint64> requestOf; // version row id -> request id
        QSet<qint64> failingGates;       // requests whose gates failed
        QSet<qint64> deployedEdges;      // version row ids with a deployed_as edge
        QList<int> productionNow(spec.models, 0);
        qsizetype done = 0;
        for (const Event &e : std::as_const(events)) {
            const int m = e.model;
            const int v = e.version;
            const qint64 vid = versionRowId(m, v);
            const QString at = isoUtc(e.at);
            const QString name = modelName(m);
            const QString key = name + QStringLiteral("@v") + QString::number(v);
            Status s;
            switch (e.type) {
            case Event::CreateModel:
                s = log(at, author(m, 1), QStringLiteral("create_model"), QStringLiteral("model"), name,
                        QJsonObject{{QStringLiteral("namespace"), kTeams[teamOf(m)]}});
                break;
            case Event::Register:
                s = transition(m, v, Stage::None, Stage::None, TransitionKind::Register, author(m, v), at, {}, 0);
                if (s)
                    s = log(at, author(m, v), QStringLiteral("register_version"), QStringLiteral("model_version"), key,
                            QJsonObject{{QStringLiteral("artifact_uri"),
                                         QStringLiteral("s3://ml-artifacts/%1/v%2/model.bin").arg(name).arg(v)},
                                        {QStringLiteral("metrics"), spec.metricsPerVersion},
                                        {QStringLiteral("params"), spec.paramsPerVersion},
                                        {QStringLiteral("facts"), spec.factsPerVersion}});
                break;
            case Event::ToStaging:
                s = transition(m, v, Stage::None, Stage::Staging, TransitionKind::Promote, author(m, v), at,
                               QStringLiteral("Candidate for production"), 0);
                break;
            case Event::Request: {
                const qint64 id = (*requestId)++;
                requestOf.insert(vid, id);
                const int baseline = productionNow[m];
                const ModelVersion cand = candidate(m, v);
                const ModelVersion base = baseline > 0 ? candidate(m, baseline) : ModelVersion{};
                const GateReport gates =
                    evaluateGates(policy, cand, baseline > 0 ? &base : nullptr,
                                  QDateTime::fromMSecsSinceEpoch(e.at - 3600000, Qt::UTC),
                                  QDateTime::fromMSecsSinceEpoch(e.at, Qt::UTC), MetricDirections{});
                const RequestFate fate = RequestFate(e.other);
                const QString status =
                    fate == Promoted ? QStringLiteral("promoted")
                                     : (fate == Rejected ? QStringLiteral("rejected") : QStringLiteral("pending"));
                const QString reason = QStringLiteral("Retrained on %1 data").arg(at.left(10));
                if (!gates.passed)
                    failingGates.insert(id);
                s = requests.add(
                    {id, vid, QStringLiteral("Production"), author(m, v), at, reason, status, gates.passed ? 1 : 0,
                     compact(toJson(gates)), baseline > 0 ? QVariant(baseline) : QVariant(QMetaType(QMetaType::Int)), 1,
                     fate == Pending ? QVariant(QMetaType(QMetaType::QString)) : QVariant(isoUtc(e.at + 3 * 3600000))});
                if (s)
                    s = log(at, author(m, v), QStringLiteral("request_promotion"), QStringLiteral("approval_request"),
                            key,
                            QJsonObject{{QStringLiteral("request_id"), double(id)},
                                        {QStringLiteral("to"), QStringLiteral("Production")},
                                        {QStringLiteral("reason"), reason},
                                        {QStringLiteral("gates_passed"), gates.passed}});
                break;
            }
            case Event::Approve:
            case Event::Reject: {
                const bool approve = e.type == Event::Approve;
                const qint64 request = requestOf.value(vid);
                const QString comment = approve ? QStringLiteral("Metrics and gate report look good.")
                                                : QStringLiteral("Calibration is off on the newest slice; retrain.");
                // Approving failing gates takes a recorded override reason, as in the product.
                const QString overrideReason = approve && failingGates.contains(request)
                                                   ? QStringLiteral("Accepted: the regression is within noise.")
                                                   : QString();
                s = decisions.add({(*decisionId)++, request, reviewer(m, v),
                                   approve ? QStringLiteral("approve") : QStringLiteral("reject"), comment,
                                   overrideReason, at});
                if (s)
                    s = log(at, reviewer(m, v), approve ? QStringLiteral("approve") : QStringLiteral("reject"),
                            QStringLiteral("approval_request"), key,
                            QJsonObject{{QStringLiteral("request_id"), double(request)},
                                        {QStringLiteral("comment"), comment},
                                        {QStringLiteral("override_reason"), overrideReason}});
                if (s && approve && e.other > 0)
                    s = transition(m, e.other, Stage::Production, Stage::Archived, TransitionKind::Archive,
                                   reviewer(m, v), at, QStringLiteral("superseded by v%1").arg(v), request);
                if (s && approve) {
                    s = transition(m, v, Stage::Staging, Stage::Production, TransitionKind::Promote, reviewer(m, v), at,
                                   QStringLiteral("Approved request #%1").arg(request), request);
                    productionNow[m] = v;
                }
                break;
            }
            case Event::Demote:
                s = transition(m, v, Stage::Staging, Stage::None, TransitionKind::Demote, author(m, v), at,
                               QStringLiteral("A better candidate is on the way"), 0);
                break;
            case Event::ArchiveStaging:
                s = transition(m, v, Stage::Staging, Stage::Archived, TransitionKind::Archive, author(m, v), at,
                               QStringLiteral("Not going to production"), 0);
                break;
            case Event::Rollback:
                s = transition(m, v, Stage::Production, Stage::Archived, TransitionKind::Rollback, kOnCall, at,
                               QStringLiteral("Error rate up after the release"), 0);
                if (s)
                    s = transition(m, e.other, Stage::Archived, Stage::Production, TransitionKind::Rollback, kOnCall,
                                   at, QStringLiteral("Error rate up after the release"), 0);
                productionNow[m] = e.other;
                break;
            case Event::Deploy:
                s = deployments.add(
                    {(*deploymentId)++, serviceOf(m), QStringLiteral("prod"), L.firstModel + m, vid, at, kDeployer});
                if (s && !deployedEdges.contains(vid)) {
                    deployedEdges.insert(vid);
                    s = edges.add({L.versionNode + vid - L.firstVersion, L.deploymentNode + m,
                                   QStringLiteral("deployed_as"), at});
                }
                if (s)
                    s = log(at, kDeployer, QStringLiteral("report_deployment"), QStringLiteral("deployment"),
                            serviceOf(m) + QStringLiteral("/prod"),
                            QJsonObject{{QStringLiteral("model"), name}, {QStringLiteral("version"), v}});
                break;
            }
            if (!s)
                return s.error();
            if (++done % 20000 == 0)
                report(percent + int(6 * done / events.size()), QStringLiteral("history"));
        }
        // Aliases: champion = the Production version, challenger = the candidate waiting for approval.
        Inserter aliases(db, QStringLiteral("aliases"),
                         {QStringLiteral("model_id"), QStringLiteral("alias"), QStringLiteral("version_id"),
                          QStringLiteral("protected"), QStringLiteral("updated_at"), QStringLiteral("updated_by"),
                          QStringLiteral("follows")});
        // champion follows Production (it is what serving resolves); challenger is pinned.
        for (int m = 0; m < spec.models; ++m) {
            for (const auto &[alias, v, isProtected, follows] :
                 {std::tuple{QStringLiteral("champion"), champion[m], 1, QStringLiteral("production")},
                  std::tuple{QStringLiteral("challenger"), challenger[m], 0, QString()}}) {
                if (v == 0)
                    continue;
                const QString at = isoUtc(stageChanged[qsizetype(m) * V + (v - 1)] + 60000);
                if (auto s =
                        aliases.add({L.firstModel + m, alias, versionRowId(m, v), isProtected, at, kDeployer, follows});
                    !s)
                    return s.error();
            }
        }
        for (Inserter *i : {&nodes, &edges, &transitions, &requests, &decisions, &deployments, &audit, &aliases})
            if (auto s = i->flush(); !s)
                return s.error();
        summary.transitions = transitions.total();
        summary.requests = requests.total();
        summary.auditEntries = audit.total();
        summary.lineageNodes = nodes.total() + summary.versions;
        summary.lineageEdges = edges.total() + 3 * summary.versions;
        if (auto q =
                db.exec(QStringLiteral("INSERT INTO registry_info (key, value) VALUES ('generated', ?) ON CONFLICT "
                                       "(key) DO UPDATE SET value = excluded.value"),
                        {describeBulkSpec(spec)});
            !q)
            return q.error();

        // ---- triggers and indexes back, statistics ----
        report(94, QStringLiteral("indexes"));
        if (auto s = load.leave(); !s)
            return s.error();
        if (db.dialect() == Dialect::Postgres) {
            for (const char *table :
                 {"namespaces", "registered_models", "model_versions", "lineage_nodes", "stage_transitions",
                  "approval_requests", "approval_decisions", "deployments", "audit_log"}) {
                const QString t = QLatin1String(table);
                if (auto q = db.exec(QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), "
                                                    "(SELECT max(id) FROM %1))")
                                         .arg(t));
                    !q)
                    return q.error();
            }
        }
        report(97, QStringLiteral("statistics"));
        if (db.dialect() == Dialect::Sqlite)
            (void)db.exec(QStringLiteral("PRAGMA analysis_limit = 1000"));
        if (auto q = db.exec(QStringLiteral("ANALYZE")); !q)
            return q.error();
        return summary;
    });
    if (db.dialect() == Dialect::Sqlite) {
        (void)db.exec(QStringLiteral("PRAGMA cache_size = -2000"));
        // The generation's write-ahead log (hundreds of MB) goes into the file now, not at some later checkpoint.
        (void)db.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    } else if (result) {
        // Otherwise autovacuum does it later, in the background, while someone measures or browses; it also
        // sets the visibility map that index-only scans need. Outside the transaction (VACUUM cannot run in one).
        report(98, QStringLiteral("vacuum"));
        (void)db.exec(QStringLiteral("VACUUM (ANALYZE)"));
    }
    if (result)
        report(100, QStringLiteral("done"));
    return result;
}

} // namespace md
