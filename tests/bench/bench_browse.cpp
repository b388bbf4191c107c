// Browsing the "large" reference registry (ARCHITECTURE.md): 1,000 models x 100 versions, 20 metrics,
// 15 params and 10 provenance facts per version. Targets:
//   open the registry and show the model tree          < 300 ms
//   one model's version table (100 rows, 5 metrics)    < 20 ms
//   search `metrics.auc > 0.85 AND tags.team = 'payments'` < 150 ms, within 1.5x of hand-written SQL
//
// The registry is generated once (bulkgen) and kept: SQLite in $MODELDESK_BENCH_DIR (default: the
// temporary folder), PostgreSQL as database bench_browse_large on MODELDESK_BENCH_PG_URL's server.

#include "benchutil.h"
#include "browse.h"
#include "bulkgen.h"
#include "modeltreemodel.h"
#include "search.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlQuery>

#include <cstdio>

using namespace md;

namespace {

constexpr int kModels = 1000;
constexpr int kVersions = 100;
const QString kFilter = QStringLiteral("metrics.auc > 0.85 AND tags.team = 'payments'");

// Fills `url` with the large registry unless it already holds it.
bool ensureLarge(benchmark::State &state, const QString &url)
{
    auto r = Registry::open(url, Registry::Open::CreateIfMissing);
    if (!r) {
        state.SkipWithError(r.error().message.toStdString().c_str());
        return false;
    }
    auto count = (*r)->database().scalar(QStringLiteral("SELECT count(*) FROM model_versions"));
    if (count && count->toLongLong() == qint64(kModels) * kVersions)
        return true;
    if (count && count->toLongLong() != 0) {
        state.SkipWithError("the benchmark registry holds other data: delete it");
        return false;
    }
    QElapsedTimer t;
    t.start();
    std::fprintf(stderr, "generating %d models x %d versions in %s ...\n", kModels, kVersions,
                 (*r)->locationDisplay().toLocal8Bit().constData());
    BulkSpec spec;
    spec.models = kModels;
    spec.versionsPerModel = kVersions;
    auto g = generateBulkRegistry(**r, spec);
    if (!g) {
        state.SkipWithError(g.error().message.toStdString().c_str());
        return false;
    }
    std::fprintf(stderr, "generated %lld versions, %lld metric rows in %lld ms\n", (long long)g->versions,
                 (long long)g->metricRows, (long long)t.elapsed());
    return true;
}

QString sqliteUrl()
{
    QString dir = qEnvironmentVariable("MODELDESK_BENCH_DIR");
    if (dir.isEmpty())
        dir = QDir::tempPath();
    return QDir(dir).filePath(QStringLiteral("modeldesk-bench-large.db"));
}

QString postgresUrl(benchmark::State &state)
{
    const QString base = qEnvironmentVariable("MODELDESK_BENCH_PG_URL");
    if (base.isEmpty()) {
        state.SkipWithError("MODELDESK_BENCH_PG_URL is not set: run packaging/bench.sh");
        return {};
    }
    QUrl u(base);
    u.setPath(QStringLiteral("/bench_browse_large"));
    const QString url = u.toString();
    if (Registry::open(url, Registry::Open::ExistingOnly))
        return url;
    return bench::freshPostgres(state, QStringLiteral("bench_browse_large"));
}

QString urlFor(benchmark::State &state, Dialect dialect)
{
    const QString url = dialect == Dialect::Sqlite ? sqliteUrl() : postgresUrl(state);
    if (url.isEmpty() || !ensureLarge(state, url))
        return {};
    return url;
}

void openAndModelTree(benchmark::State &state, Dialect dialect)
{
    const QString url = urlFor(state, dialect);
    if (url.isEmpty())
        return;
    int shown = 0;
    for (auto _ : state) {
        auto r = Registry::open(url, Registry::Open::ExistingOnly);
        if (!r) {
            state.SkipWithError(r.error().message.toStdString().c_str());
            return;
        }
        auto models = (*r)->models();
        if (!models) {
            state.SkipWithError(models.error().message.toStdString().c_str());
            return;
        }
        ModelTreeModel tree;
        tree.setModels(*models);
        shown = tree.modelCount();
    }
    state.counters["models"] = shown;
}

void versionTable(benchmark::State &state, Dialect dialect)
{
    const QString url = urlFor(state, dialect);
    if (url.isEmpty())
        return;
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    if (!r) {
        state.SkipWithError(r.error().message.toStdString().c_str());
        return;
    }
    const QList<MetricColumn> columns = {{QStringLiteral("auc"), QStringLiteral("test")},
                                         {QStringLiteral("f1"), QStringLiteral("test")},
                                         {QStringLiteral("precision"), QStringLiteral("test")},
                                         {QStringLiteral("recall"), QStringLiteral("test")},
                                         {QStringLiteral("logloss"), QStringLiteral("test")}};
    int model = 0;
    qsizetype rows = 0;
    for (auto _ : state) {
        const QString name =
            QStringLiteral("%1/model-%2")
                .arg(QStringList{QStringLiteral("payments"), QStringLiteral("ads"), QStringLiteral("recsys"),
                                 QStringLiteral("search"), QStringLiteral("risk")}
                         .at(model % 5))
                .arg(model % 5, 4, 10, QLatin1Char('0'));
        ++model;
        auto keys = loadVersionKeys((*r)->database(), name, VersionSort{});
        if (!keys) {
            state.SkipWithError(keys.error().message.toStdString().c_str());
            return;
        }
        auto page = loadVersionPage((*r)->database(), keys->modelId, VersionSort{}, {}, 0, 100, columns);
        if (!page) {
            state.SkipWithError(page.error().message.toStdString().c_str());
            return;
        }
        rows = page->size();
    }
    state.counters["rows"] = double(rows);
}

void searchFilter(benchmark::State &state, Dialect dialect)
{
    const QString url = urlFor(state, dialect);
    if (url.isEmpty())
        return;
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    if (!r) {
        state.SkipWithError(r.error().message.toStdString().c_str());
        return;
    }
    qsizetype hits = 0;
    for (auto _ : state) {
        auto found = searchVersions((*r)->database(), kFilter, 100000);
        if (!found) {
            state.SkipWithError(found.error().message.toStdString().c_str());
            return;
        }
        hits = found->hits.size();
    }
    state.counters["hits"] = double(hits);
}

// The same question written by hand: joins, literal values, the same columns and order.
void searchHandSql(benchmark::State &state, Dialect dialect)
{
    const QString url = urlFor(state, dialect);
    if (url.isEmpty())
        return;
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    if (!r) {
        state.SkipWithError(r.error().message.toStdString().c_str());
        return;
    }
    const QString order =
        dialect == Dialect::Postgres ? QStringLiteral("m.name COLLATE \"C\"") : QStringLiteral("m.name");
    const QString sql = QStringLiteral("SELECT m.name, ns.name, v.version, v.stage, v.created_at, v.created_by, "
                                       "v.artifact_uri, v.description FROM model_versions v "
                                       "JOIN registered_models m ON m.id = v.model_id "
                                       "JOIN namespaces ns ON ns.id = m.namespace_id "
                                       "JOIN metrics x ON x.version_id = v.id "
                                       "JOIN version_tags t ON t.version_id = v.id "
                                       "WHERE x.name = 'auc' AND x.slice = '' AND x.value > 0.85 "
                                       "AND t.key = 'team' AND t.value = 'payments' ORDER BY ") +
                        order + QStringLiteral(", v.version DESC");
    qsizetype hits = 0;
    for (auto _ : state) {
        auto q = (*r)->database().exec(sql);
        if (!q) {
            state.SkipWithError(q.error().message.toStdString().c_str());
            return;
        }
        QList<SearchHit> list;
        while (q->next()) {
            SearchHit h;
            h.modelName = q->value(0).toString();
            h.namespaceName = q->value(1).toString();
            h.version = q->value(2).toInt();
            parseStage(q->value(3).toString(), &h.stage);
            h.createdAt = q->value(4).toString();
            h.createdBy = q->value(5).toString();
            h.artifactUri = q->value(6).toString();
            h.description = q->value(7).toString();
            list << h;
        }
        hits = list.size();
    }
    state.counters["hits"] = double(hits);
}

// Impact analysis from one feature-pipeline version (target < 100 ms): which versions derive from
// it, which of them are in Production, which services run them.
void impactFromPipeline(benchmark::State &state, Dialect dialect)
{
    const QString url = urlFor(state, dialect);
    if (url.isEmpty())
        return;
    auto r = Registry::open(url, Registry::Open::ExistingOnly);
    if (!r) {
        state.SkipWithError(r.error().message.toStdString().c_str());
        return;
    }
    auto node = (*r)->database().scalar(
        QStringLiteral("SELECT id FROM lineage_nodes WHERE kind = 'feature_pipeline_version' ORDER BY id LIMIT 1"));
    if (!node || node->isNull()) {
        state.SkipWithError("the benchmark registry has no pipeline version");
        return;
    }
    qsizetype affected = 0;
    qsizetype production = 0;
    for (auto _ : state) {
        auto report = (*r)->impact(node->toLongLong());
        if (!report) {
            state.SkipWithError(report.error().message.toStdString().c_str());
            return;
        }
        affected = report->versions.size();
        production = report->production.size();
    }
    state.counters["affected_versions"] = double(affected);
    state.counters["in_production"] = double(production);
    state.counters["target_ms"] = 100;
}

} // namespace

BENCHMARK_CAPTURE(impactFromPipeline, sqlite, Dialect::Sqlite)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(impactFromPipeline, postgresql, Dialect::Postgres)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(openAndModelTree, sqlite, Dialect::Sqlite)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_CAPTURE(versionTable, sqlite, Dialect::Sqlite)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(searchFilter, sqlite, Dialect::Sqlite)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(searchHandSql, sqlite, Dialect::Sqlite)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(openAndModelTree, postgresql, Dialect::Postgres)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_CAPTURE(versionTable, postgresql, Dialect::Postgres)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(searchFilter, postgresql, Dialect::Postgres)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(searchHandSql, postgresql, Dialect::Postgres)->Unit(benchmark::kMillisecond);
