// Browsing the reference registry ("large", README, Architecture: reference registry; 1,000 models x 100 versions).
// Each row has the product's path ("<row>/<dialect>") and, next to it, the same work written by hand in SQL
// ("<row>_sql/<dialect>"), the floor the product is measured against.

#include "benchutil.h"
#include "items/modeltreemodel.h"
#include "registry/browse.h"
#include "registry/search.h"

#include <QSqlQuery>
#include <QSqlRecord>

using namespace md;

namespace {

const QString kFilter = QStringLiteral("metrics.auc > 0.85 AND tags.team = 'payments'");
const QStringList kTeams = {QStringLiteral("payments"), QStringLiteral("ads"), QStringLiteral("recsys"),
                            QStringLiteral("search"), QStringLiteral("risk")};

// The model the version-table benchmarks show: a different one each iteration (no warm single page).
QString modelName(int i)
{
    return QStringLiteral("%1/model-%2").arg(kTeams.at(i % 5)).arg(i % 5, 4, 10, QLatin1Char('0'));
}

const QList<MetricColumn> &metricColumns()
{
    static const QList<MetricColumn> columns = {{QStringLiteral("auc"), QStringLiteral("test")},
                                                {QStringLiteral("f1"), QStringLiteral("test")},
                                                {QStringLiteral("precision"), QStringLiteral("test")},
                                                {QStringLiteral("recall"), QStringLiteral("test")},
                                                {QStringLiteral("logloss"), QStringLiteral("test")}};
    return columns;
}

// Opening the registry (connect, schema check) and filling the model tree.
void open_tree(benchmark::State &state, Dialect dialect)
{
    const QString url = bench::referenceUrl(state, dialect);
    if (url.isEmpty())
        return;
    int shown = 0;
    bench::timeEach(state, [&] {
        auto r = Registry::open(url, Registry::Open::ExistingOnly);
        if (!r) {
            bench::skip(state, r.error().message);
            return false;
        }
        auto models = (*r)->models();
        if (!models) {
            bench::skip(state, models.error().message);
            return false;
        }
        ModelTreeModel tree;
        tree.setModels(*models);
        shown = tree.modelCount();
        return true;
    });
    state.counters["models"] = shown;
}

// By hand: connect and read the models with their namespace, version count and Production version.
void open_tree_sql(benchmark::State &state, Dialect dialect)
{
    const QString url = bench::referenceUrl(state, dialect);
    if (url.isEmpty())
        return;
    auto location = parseRegistryUrl(url);
    qsizetype rows = 0;
    bench::timeEach(state, [&] {
        auto db = Database::open(*location, Database::Create::No);
        if (!db) {
            bench::skip(state, db.error().message);
            return false;
        }
        return bench::readAll(state, **db,
                              QStringLiteral("SELECT m.id, m.name, ns.name, m.description, m.owner, m.last_version, "
                                             "m.created_at, (SELECT max(v.version) FROM model_versions v "
                                             "WHERE v.model_id = m.id AND v.stage = 'Production') "
                                             "FROM registered_models m JOIN namespaces ns ON ns.id = m.namespace_id "
                                             "ORDER BY m.name"),
                              {}, &rows);
    });
    state.counters["models"] = double(rows);
}

void version_table(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    int model = 0;
    qsizetype rows = 0;
    bench::timeEach(state, [&] {
        auto keys = r->versionKeys(modelName(model++), VersionSort{});
        if (!keys) {
            bench::skip(state, keys.error().message);
            return false;
        }
        auto page = r->versionPage(keys->modelId, VersionSort{}, {}, 0, 100, metricColumns());
        if (!page) {
            bench::skip(state, page.error().message);
            return false;
        }
        rows = page->size();
        return true;
    });
    state.counters["rows"] = double(rows);
}

// By hand: what the table shows for the 100 newest versions (five metric columns, data version, commit,
// team tag, alias) in one query.
void version_table_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    // One query per dialect, the faster of two forms on each: correlated lookups per row on SQLite (1.6 ms
    // against 5.0 ms pivoted), the page joined to the values and pivoted on PostgreSQL (6.4 against 7.8 ms).
    QString sql = QStringLiteral("SELECT v.id, v.version, v.stage, v.created_at, v.created_by, v.artifact_uri");
    if (dialect == Dialect::Sqlite) {
        for (const MetricColumn &c : metricColumns())
            sql += QStringLiteral(", (SELECT value FROM metrics x WHERE x.version_id = v.id AND x.name = '%1' "
                                  "AND x.dataset = 'test' AND x.slice = '')")
                       .arg(c.name);
        sql += QStringLiteral(", (SELECT value FROM facts f WHERE f.version_id = v.id AND f.category = 'data' AND "
                              "f.name = 'dataset_version'), (SELECT value FROM facts f WHERE f.version_id = v.id AND "
                              "f.category = 'code' AND f.name = 'git_sha'), (SELECT value FROM version_tags t WHERE "
                              "t.version_id = v.id AND t.key = 'team'), (SELECT min(alias) FROM aliases a WHERE "
                              "a.version_id = v.id) FROM model_versions v JOIN registered_models m ON m.id = "
                              "v.model_id WHERE m.name = ? ORDER BY v.version DESC LIMIT 100");
    } else {
        QStringList names;
        for (const MetricColumn &c : metricColumns()) {
            sql += QStringLiteral(", max(CASE WHEN x.name = '%1' THEN x.value END)").arg(c.name);
            names << QLatin1Char('\'') + c.name + QLatin1Char('\'');
        }
        sql += QStringLiteral(", max(CASE WHEN f.category = 'data' THEN f.value END), max(CASE WHEN f.category = "
                              "'code' THEN f.value END), max(t.value), min(a.alias) FROM (SELECT v.* FROM "
                              "model_versions v JOIN registered_models m ON m.id = v.model_id WHERE m.name = ? ORDER "
                              "BY v.version DESC LIMIT 100) v LEFT JOIN metrics x ON x.version_id = v.id AND "
                              "x.dataset = 'test' AND x.slice = '' AND x.name IN (%1) LEFT JOIN facts f ON "
                              "f.version_id = v.id AND ((f.category = 'data' AND f.name = 'dataset_version') OR "
                              "(f.category = 'code' AND f.name = 'git_sha')) LEFT JOIN version_tags t ON "
                              "t.version_id = v.id AND t.key = 'team' LEFT JOIN aliases a ON a.version_id = v.id "
                              "GROUP BY v.id, v.version, v.stage, v.created_at, v.created_by, v.artifact_uri "
                              "ORDER BY v.version DESC")
                   .arg(names.join(QStringLiteral(", ")));
    }
    int model = 0;
    qsizetype rows = 0;
    // The name as a literal, as someone typing the query would (one round trip on PostgreSQL, no prepare).
    bench::timeEach(state, [&] {
        const QString literal =
            QLatin1Char('\'') + modelName(model++).replace(QLatin1Char('\''), QStringLiteral("''")) + QLatin1Char('\'');
        return bench::readAll(state, RegistryInternals::database(*r),
                              QString(sql).replace(QStringLiteral("m.name = ?"), QStringLiteral("m.name = ") + literal),
                              {}, &rows);
    });
    state.counters["rows"] = double(rows);
}

void search(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    qsizetype hits = 0;
    bench::timeEach(state, [&] {
        auto found = r->search(kFilter, 100000);
        if (!found) {
            bench::skip(state, found.error().message);
            return false;
        }
        hits = found->hits.size();
        return true;
    });
    state.counters["hits"] = double(hits);
}

// By hand, with literal values: the team's versions (the selective condition drives), each checked for
// an overall auc above 0.85; the same columns and order. (The plain four-way JOIN is slower on SQLite:
// its planner starts from the auc range, 30,000 rows.)
void search_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const QString order =
        dialect == Dialect::Postgres ? QStringLiteral("m.name COLLATE \"C\"") : QStringLiteral("m.name");
    const QString sql = QStringLiteral("SELECT m.name, ns.name, v.version, v.stage, v.created_at, v.created_by, "
                                       "v.artifact_uri, v.description FROM version_tags t "
                                       "JOIN model_versions v ON v.id = t.version_id "
                                       "JOIN registered_models m ON m.id = v.model_id "
                                       "JOIN namespaces ns ON ns.id = m.namespace_id "
                                       "WHERE t.key = 'team' AND t.value = 'payments' AND EXISTS (SELECT 1 FROM "
                                       "metrics x WHERE x.version_id = v.id AND x.name = 'auc' AND x.slice = '' "
                                       "AND x.value > 0.85) ORDER BY ") +
                        order + QStringLiteral(", v.version DESC");
    qsizetype hits = 0;
    bench::timeEach(state, [&] { return bench::readAll(state, RegistryInternals::database(*r), sql, {}, &hits); });
    state.counters["hits"] = double(hits);
}

// The pipeline version the impact benchmarks start from: the payments-features version that most
// current Production versions were trained on (what an incident about a feature bug would start from).
qint64 pipelineNode(benchmark::State &state, Registry &r)
{
    auto node = RegistryInternals::database(r).scalar(QStringLiteral(
        "SELECT e.src_id FROM lineage_edges e JOIN lineage_nodes s ON s.id = e.src_id JOIN lineage_nodes n ON n.id = "
        "e.dst_id JOIN model_versions v ON v.id = n.model_version_id WHERE s.kind = 'feature_pipeline_version' AND "
        "s.name = 'payments-features' AND v.stage = 'Production' GROUP BY e.src_id ORDER BY count(*) DESC, e.src_id "
        "LIMIT 1"));
    if (!node || node->isNull()) {
        bench::skip(state, QStringLiteral("the reference registry has no payments-features version in production"));
        return 0;
    }
    return node->toLongLong();
}

// Which versions derive from one feature-pipeline version, which of them are in Production, which
// services run them.
void impact(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const qint64 node = pipelineNode(state, *r);
    if (node == 0)
        return;
    qsizetype affected = 0;
    qsizetype production = 0;
    qsizetype deployments = 0;
    bench::timeEach(state, [&] {
        auto report = r->impact(node);
        if (!report) {
            bench::skip(state, report.error().message);
            return false;
        }
        affected = report->versions.size();
        production = report->production.size();
        deployments = report->deployments.size();
        return true;
    });
    state.counters["affected_versions"] = double(affected);
    state.counters["in_production"] = double(production);
    state.counters["deployments"] = double(deployments);
}

// By hand: the downstream walk (bounded depth, each node once) with the reached nodes and their
// versions' stages, and the deployments of the reached versions.
void impact_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const qint64 node = pipelineNode(state, *r);
    if (node == 0)
        return;
    const QString walk = QStringLiteral(
        "WITH RECURSIVE down(id, depth) AS (SELECT CAST(? AS BIGINT), 0 UNION SELECT e.dst_id, d.depth + 1 FROM down d "
        "JOIN lineage_edges e ON e.src_id = d.id WHERE d.depth < 10) ");
    const QString sql =
        walk + QStringLiteral("SELECT n.id, n.kind, n.name, n.version, r.depth, v.stage, d.service, d.environment "
                              "FROM (SELECT id, min(depth) AS depth FROM down GROUP BY id) r "
                              "JOIN lineage_nodes n ON n.id = r.id LEFT JOIN model_versions v ON v.id = "
                              "n.model_version_id LEFT JOIN deployments d ON d.version_id = v.id");
    qsizetype rows = 0;
    bench::timeEach(state, [&] { return bench::readAll(state, RegistryInternals::database(*r), sql, {node}, &rows); });
    state.counters["rows"] = double(rows);
}

} // namespace

MD_BENCH_BOTH(open_tree);
MD_BENCH_BOTH(open_tree_sql);
MD_BENCH_BOTH(version_table);
MD_BENCH_BOTH(version_table_sql);
MD_BENCH_BOTH(search);
MD_BENCH_BOTH(search_sql);
MD_BENCH_BOTH(impact);
MD_BENCH_BOTH(impact_sql);
