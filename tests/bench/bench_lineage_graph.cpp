// Lineage graphs (README, Architecture: performance targets: "layout and draw a 300-node lineage neighbourhood", target
// < 500 ms). lineage_300 does what the Lineage tab does for a node of the reference registry: the neighbourhood at the
// tab's default depth from the registry (Registry::lineageNeighbourhood, which LineageLoader runs on the worker
// thread), cut to the view's 300-node cap (boundLineage), laid out by Graphviz dot with the view's tuned limits, and
// the LineageScene built from it and rendered into a window-sized image. The start node is the feature-pipeline version
// with the most derived versions, whose neighbourhood exceeds the cap on the reference registry (counter "nodes": what
// was drawn; "loaded_nodes": before the cap). lineage_300_sql is the floor of the database part: the same nodes and
// edges by a hand-written recursive query. lineage_layout_synthetic (and _default_limits) lay out an in-memory graph
// with the shape of real lineage: data sources -> datasets -> dataset versions -> model versions -> deployments, with
// feature pipelines, code commits, and cross links (versions trained on several dataset versions, fine-tuned from
// others).

#include "benchutil.h"
#include "views/lineagelayout.h"
#include "views/lineagescene.h"
#include "views/lineageview.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QSqlRecord>

#include <random>

using namespace md;

namespace {

LineageGraph realisticNeighbourhood(int sources, int datasetsPerSource, int versionsPerDataset, int pipelines,
                                    int commits, int models, int deployments, int modelNames = 12)
{
    std::mt19937 rng(7);
    LineageGraph g;
    qint64 next = 1;
    auto add = [&](LineageKind kind, const QString &name, const QString &version, int depth) {
        LineageNode n;
        n.id = next++;
        n.kind = kind;
        n.name = name;
        n.version = version;
        n.depth = depth;
        g.nodes << n;
        return n.id;
    };
    auto edge = [&](qint64 src, qint64 dst, const char *kind) {
        g.edges << LineageEdge{src, dst, QLatin1String(kind)};
    };
    auto pick = [&](const QList<qint64> &from) { return from[int(rng() % from.size())]; };

    QList<qint64> datasetVersions;
    for (int s = 0; s < sources; ++s) {
        const qint64 source = add(LineageKind::DataSource, QStringLiteral("source-%1").arg(s), {}, 4);
        for (int d = 0; d < datasetsPerSource; ++d) {
            const QString name = QStringLiteral("dataset-%1-%2").arg(s).arg(d);
            const qint64 family = add(LineageKind::Dataset, name, {}, 3);
            edge(source, family, "derived_from");
            for (int v = 0; v < versionsPerDataset; ++v) {
                const qint64 dv = add(LineageKind::DatasetVersion, name, QStringLiteral("2026-%1").arg(v + 1), 2);
                edge(family, dv, "derived_from");
                datasetVersions << dv;
            }
        }
    }
    QList<qint64> pipelineVersions;
    for (int p = 0; p < pipelines; ++p)
        pipelineVersions << add(LineageKind::FeaturePipelineVersion, QStringLiteral("features-%1").arg(p % 4),
                                QStringLiteral("2.%1").arg(p), 1);
    QList<qint64> commitIds;
    for (int c = 0; c < commits; ++c)
        commitIds << add(LineageKind::CodeCommit, QStringLiteral("%1").arg(0xabc1234 + c * 7919, 7, 16), {}, 1);
    QList<qint64> versions;
    for (int m = 0; m < models; ++m) {
        const qint64 v = add(LineageKind::ModelVersion, QStringLiteral("team/model-%1").arg(m % modelNames),
                             QString::number(m / modelNames + 1), 0);
        g.nodes.last().stage = m % 9 == 0 ? Stage::Production : (m % 4 == 0 ? Stage::Staging : Stage::None);
        for (int k = 0; k < 2; ++k)
            edge(pick(datasetVersions), v, "trained_on");
        edge(pick(pipelineVersions), v, "uses");
        edge(pick(commitIds), v, "uses");
        if (!versions.isEmpty() && m % 5 == 0)
            edge(pick(versions), v, "derived_from"); // fine-tuned from an earlier version
        versions << v;
    }
    for (int d = 0; d < deployments; ++d)
        edge(pick(versions),
             add(LineageKind::Deployment, QStringLiteral("service-%1").arg(d), QStringLiteral("prod"), 1),
             "deployed_as");
    g.root = pipelineVersions.first();
    g.nodes.move(qsizetype(g.root - 1), 0); // ids are 1-based positions; the root comes first
    return g;
}

// 10 sources, 20 datasets, 60 dataset versions, 15 pipeline versions, 20 commits, 150 model versions,
// 25 deployments: 300 nodes and about 800 edges.
const LineageGraph &graph300()
{
    static const LineageGraph g = realisticNeighbourhood(10, 2, 3, 15, 20, 150, 25);
    return g;
}

void drawScene(const LineageGraph &g, const LineageLayout &layout, QImage &image)
{
    LineageScene scene;
    scene.setGraph(g, layout);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene.render(&painter, QRectF(image.rect()), scene.sceneRect(), Qt::KeepAspectRatio);
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double msSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// The node the lineage benchmarks centre on: the payments team's label dataset (the family node). Within
// the Lineage tab's default depth it reaches every daily version, the thousands of model versions trained
// on them and their deployments, so the view's 300-node bound applies, as when a user opens a busy dataset.
qint64 busyDataset(benchmark::State &state, Registry &r)
{
    auto node = RegistryInternals::database(r).scalar(
        QStringLiteral("SELECT id FROM lineage_nodes WHERE kind = 'dataset' AND name = 'payments-labels'"));
    if (!node || node->isNull()) {
        bench::skip(state, QStringLiteral("the reference registry has no payments-labels dataset"));
        return 0;
    }
    return node->toLongLong();
}

void lineage_300(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const qint64 node = busyDataset(state, *r);
    if (node == 0)
        return;
    QImage image(1600, 1000, QImage::Format_ARGB32_Premultiplied);
    LineageLayoutOptions options;
    options.font = QApplication::font();
    qsizetype loaded = 0;
    BoundedLineage bounded;
    std::vector<double> dbMs, layoutMs, drawMs;
    bench::timeEach(state, [&] {
        auto start = std::chrono::steady_clock::now();
        auto graph = r->lineageNeighbourhood(node, LineageView::kDefaultDepth);
        if (!graph) {
            bench::skip(state, graph.error().message);
            return false;
        }
        loaded = graph->nodes.size();
        bounded = boundLineage(*graph, LineageView::kMaxNodes);
        dbMs.push_back(msSince(start));
        start = std::chrono::steady_clock::now();
        const LineageLayout layout = layoutLineage(bounded.graph, options);
        if (!layout.error.isEmpty()) {
            bench::skip(state, layout.error);
            return false;
        }
        layoutMs.push_back(msSince(start));
        start = std::chrono::steady_clock::now();
        drawScene(bounded.graph, layout, image);
        benchmark::DoNotOptimize(image.constBits());
        drawMs.push_back(msSince(start));
        return true;
    });
    state.counters["nodes"] = double(bounded.graph.nodes.size());
    state.counters["edges"] = double(bounded.graph.edges.size());
    state.counters["loaded_nodes"] = double(loaded);
    state.counters["load_ms"] = median(dbMs);
    state.counters["layout_ms"] = median(layoutMs);
    state.counters["draw_ms"] = median(drawMs);
}

// By hand: the nodes within the default depth upstream and downstream of the same node (each once, at
// its nearest depth, with the stage of model versions), then the edges among them.
void lineage_300_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const qint64 node = busyDataset(state, *r);
    if (node == 0)
        return;
    const QString walk = QStringLiteral(
        "WITH RECURSIVE up(id, depth) AS (SELECT CAST(? AS BIGINT), 0 UNION SELECT e.src_id, u.depth + 1 FROM up u "
        "JOIN lineage_edges e ON e.dst_id = u.id WHERE u.depth < ?), "
        "down(id, depth) AS (SELECT CAST(? AS BIGINT), 0 UNION SELECT e.dst_id, d.depth + 1 FROM down d "
        "JOIN lineage_edges e ON e.src_id = d.id WHERE d.depth < ?), "
        "reached AS (SELECT id, min(depth) AS depth FROM (SELECT id, depth FROM up UNION ALL "
        "SELECT id, depth FROM down) w GROUP BY id) ");
    const QString nodes = walk + QStringLiteral("SELECT n.id, n.kind, n.name, n.version, r.depth, v.stage "
                                                "FROM reached r JOIN lineage_nodes n ON n.id = r.id "
                                                "LEFT JOIN model_versions v ON v.id = n.model_version_id");
    // From the reached nodes into the edges (by the src_id index), not a scan of every edge.
    // The edges along the walks: out of the nodes reached downstream, into those reached upstream (each
    // side by its index). Joining every reached node to every edge between them took 1.4 s on SQLite.
    const QString edges =
        walk + QStringLiteral("SELECT e.src_id, e.dst_id, e.kind FROM lineage_edges e WHERE e.src_id IN "
                              "(SELECT id FROM down WHERE depth < ?) UNION SELECT e.src_id, e.dst_id, "
                              "e.kind FROM lineage_edges e WHERE e.dst_id IN (SELECT id FROM up WHERE "
                              "depth < ?)");
    const int depth = LineageView::kDefaultDepth;
    const QVariantList binds = {node, depth, node, depth};
    const QVariantList edgeBinds = {node, depth, node, depth, depth, depth};
    qsizetype nodeRows = 0;
    qsizetype edgeRows = 0;
    bench::timeEach(state, [&] {
        return bench::readAll(state, RegistryInternals::database(*r), nodes, binds, &nodeRows) &&
               bench::readAll(state, RegistryInternals::database(*r), edges, edgeBinds, &edgeRows);
    });
    state.counters["loaded_nodes"] = double(nodeRows);
    state.counters["loaded_edges"] = double(edgeRows);
}

// Layout and drawing alone, of the in-memory 300-node graph.
void lineage_layout_synthetic(benchmark::State &state)
{
    const LineageGraph &g = graph300();
    QImage image(1600, 1000, QImage::Format_ARGB32_Premultiplied);
    LineageLayoutOptions options;
    options.font = QApplication::font();
    bench::timeEach(state, [&] {
        const LineageLayout layout = layoutLineage(g, options);
        if (!layout.error.isEmpty()) {
            bench::skip(state, layout.error);
            return false;
        }
        drawScene(g, layout, image);
        benchmark::DoNotOptimize(image.constBits());
        return true;
    });
    state.counters["nodes"] = double(g.nodes.size());
    state.counters["edges"] = double(g.edges.size());
}

// Layout alone with dot's default limits, for comparison with the tuned ones the view uses.
void lineage_layout_synthetic_default_limits(benchmark::State &state)
{
    const LineageGraph &g = graph300();
    LineageLayoutOptions options;
    options.font = QApplication::font();
    options.nslimit = 1e6;
    options.mclimit = 1.0;
    options.searchsize = 30;
    bench::timeEach(state, [&] {
        benchmark::DoNotOptimize(layoutLineage(g, options).nodes.size());
        return true;
    });
}

// The Lineage tab's whole-model view of one model with 900 versions: 20 sources, 80 datasets, 480 dataset
// versions, 60 pipeline versions, 300 commits, 150 deployments; 1,990 nodes and about 4,200 edges (the 2,000-node
// cap of Registry::lineageOverview). The layout the view uses (layoutLineageOverview) and the drawing of the scene.
const LineageGraph &graph2000()
{
    static const LineageGraph g = [] {
        LineageGraph graph = realisticNeighbourhood(20, 4, 6, 60, 300, 900, 150, 1);
        graph.root = graph.nodes.last().id;
        for (const LineageNode &n : std::as_const(graph.nodes))
            if (n.isModelVersion())
                graph.root = n.id;
        return graph;
    }();
    return g;
}

void lineage_overview_2000(benchmark::State &state)
{
    const LineageGraph &g = graph2000();
    QImage image(1600, 1000, QImage::Format_ARGB32_Premultiplied);
    std::vector<double> layoutMs, drawMs;
    bench::timeEach(state, [&] {
        auto start = std::chrono::steady_clock::now();
        const LineageLayout layout = layoutLineageOverview(g, QStringLiteral("team/model-0"), QApplication::font());
        layoutMs.push_back(msSince(start));
        start = std::chrono::steady_clock::now();
        drawScene(g, layout, image);
        benchmark::DoNotOptimize(image.constBits());
        drawMs.push_back(msSince(start));
        return true;
    });
    state.counters["nodes"] = double(g.nodes.size());
    state.counters["edges"] = double(g.edges.size());
    state.counters["layout_ms"] = median(layoutMs);
    state.counters["draw_ms"] = median(drawMs);
}

// The same graph through dot with the view's tuned limits, for comparison (what the 300-node view would need).
void lineage_overview_2000_dot(benchmark::State &state)
{
    const LineageGraph &g = graph2000();
    LineageLayoutOptions options;
    options.font = QApplication::font();
    bench::timeEach(state, [&] {
        benchmark::DoNotOptimize(layoutLineage(g, options).nodes.size());
        return true;
    });
}

// The whole-model view on the reference registry, end to end: Registry::lineageOverview of the model with the most
// lineage (statements counted), the column layout and the drawing.
void lineage_overview(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    auto busiest = RegistryInternals::database(*r).scalar(QStringLiteral(
        "SELECT m.name FROM registered_models m JOIN model_versions v ON v.model_id = m.id JOIN lineage_nodes n ON "
        "n.model_version_id = v.id JOIN lineage_edges e ON e.dst_id = n.id GROUP BY m.name ORDER BY count(*) DESC, "
        "m.name LIMIT 1"));
    if (!busiest || busiest->isNull()) {
        bench::skip(state, QStringLiteral("the reference registry has no lineage"));
        return;
    }
    const QString model = busiest->toString();
    QImage image(1600, 1000, QImage::Format_ARGB32_Premultiplied);
    LineageGraph graph;
    quint64 statements = 0;
    std::vector<double> dbMs, layoutMs, drawMs;
    bench::timeEach(state, [&] {
        auto start = std::chrono::steady_clock::now();
        const quint64 before = r->statementCount();
        auto loaded = r->lineageOverview(model);
        if (!loaded) {
            bench::skip(state, loaded.error().message);
            return false;
        }
        statements = r->statementCount() - before;
        graph = *loaded;
        dbMs.push_back(msSince(start));
        start = std::chrono::steady_clock::now();
        const LineageLayout layout = layoutLineageOverview(graph, model, QApplication::font());
        layoutMs.push_back(msSince(start));
        start = std::chrono::steady_clock::now();
        drawScene(graph, layout, image);
        benchmark::DoNotOptimize(image.constBits());
        drawMs.push_back(msSince(start));
        return true;
    });
    state.counters["nodes"] = double(graph.nodes.size());
    state.counters["edges"] = double(graph.edges.size());
    state.counters["statements"] = double(statements);
    state.counters["load_ms"] = median(dbMs);
    state.counters["layout_ms"] = median(layoutMs);
    state.counters["draw_ms"] = median(drawMs);
}

} // namespace

MD_BENCH_BOTH(lineage_300);
MD_BENCH_BOTH(lineage_overview);
BENCHMARK(lineage_overview_2000)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(lineage_overview_2000_dot)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
MD_BENCH_BOTH(lineage_300_sql);
BENCHMARK(lineage_layout_synthetic)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(lineage_layout_synthetic_default_limits)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
