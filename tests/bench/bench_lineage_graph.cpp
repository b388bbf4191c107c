// Layout plus drawing of a 300-node lineage neighbourhood (target < 500 ms, ARCHITECTURE.md): Graphviz dot
// with the tuned limits the graph view uses, the QGraphicsScene built from it, and the scene rendered
// into a window-sized image. The graph is generated in memory with the shape of real lineage: data
// sources -> datasets -> dataset versions -> model versions -> deployments, with feature pipelines, code
// commits, and cross links (versions trained on several dataset versions, fine-tuned from others).

#include "lineagelayout.h"
#include "lineagescene.h"

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <benchmark/benchmark.h>

#include <random>

using namespace md;

namespace {

LineageGraph realisticNeighbourhood(int sources, int datasetsPerSource, int versionsPerDataset, int pipelines,
                                    int commits, int models, int deployments)
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
        const qint64 v =
            add(LineageKind::ModelVersion, QStringLiteral("team/model-%1").arg(m % 12), QString::number(m / 12 + 1), 0);
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

void BM_LineageLayoutAndDraw300(benchmark::State &state)
{
    const LineageGraph &g = graph300();
    QImage image(1600, 1000, QImage::Format_ARGB32_Premultiplied);
    LineageLayoutOptions options;
    options.font = QApplication::font();
    for (auto _ : state) {
        const LineageLayout layout = layoutLineage(g, options);
        if (!layout.error.isEmpty()) {
            state.SkipWithError(layout.error.toStdString().c_str());
            return;
        }
        drawScene(g, layout, image);
        benchmark::DoNotOptimize(image.constBits());
    }
    state.counters["nodes"] = double(g.nodes.size());
    state.counters["edges"] = double(g.edges.size());
}
BENCHMARK(BM_LineageLayoutAndDraw300)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_LineageLayoutOnly300(benchmark::State &state)
{
    const LineageGraph &g = graph300();
    LineageLayoutOptions options;
    options.font = QApplication::font();
    for (auto _ : state)
        benchmark::DoNotOptimize(layoutLineage(g, options).nodes.size());
}
BENCHMARK(BM_LineageLayoutOnly300)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Layout with dot's default limits, for comparison with the tuned ones.
void BM_LineageLayoutDefaultLimits300(benchmark::State &state)
{
    const LineageGraph &g = graph300();
    LineageLayoutOptions options;
    options.font = QApplication::font();
    options.nslimit = 1e6;
    options.mclimit = 1.0;
    options.searchsize = 30;
    for (auto _ : state)
        benchmark::DoNotOptimize(layoutLineage(g, options).nodes.size());
}
BENCHMARK(BM_LineageLayoutDefaultLimits300)->Unit(benchmark::kMillisecond)->Iterations(2);

} // namespace

int main(int argc, char **argv)
{
    // Fonts and painting need a GUI application; no window is shown.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
