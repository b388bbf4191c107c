#include "lineagelayout.h"

#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QMutex>
#include <QMutexLocker>
#include <QSet>

#include <gvc.h>

#include <algorithm>
#include <string>
#include <tuple>

namespace md {

namespace {

// Graphviz 2.42 has process-global layout state; one layout at a time, and one long-lived context that
// only the holder of this mutex touches.
QMutex &graphvizMutex()
{
    static QMutex mutex;
    return mutex;
}

GVC_t *graphvizContext()
{
    static GVC_t *context = gvContext();
    return context;
}

// The cgraph API of 2.42 takes non-const char pointers; it copies what it is given.
void setAttr(void *object, const char *name, const QByteArray &value)
{
    std::string n(name);
    std::string v(value.constData(), size_t(value.size()));
    std::string empty;
    agsafeset(object, n.data(), v.data(), empty.data());
}

QByteArray number(double value)
{
    return QByteArray::number(value, 'f', 4);
}

constexpr double kPointsPerInch = 72.0;

} // namespace

BoundedLineage boundLineage(const LineageGraph &graph, int maxNodes)
{
    BoundedLineage out;
    out.graph.root = graph.root;
    out.graph.maxDepth = graph.maxDepth;
    out.graph.truncated = graph.truncated;
    if (graph.nodes.size() <= maxNodes) {
        out.graph = graph;
        return out;
    }
    QList<LineageNode> nodes = graph.nodes;
    // Nearest first; the root has depth 0 and stays first.
    std::stable_sort(nodes.begin(), nodes.end(), [&](const LineageNode &a, const LineageNode &b) {
        if ((a.id == graph.root) != (b.id == graph.root))
            return a.id == graph.root;
        return a.depth < b.depth;
    });
    nodes.resize(maxNodes);
    QSet<qint64> kept;
    for (const LineageNode &n : nodes)
        kept.insert(n.id);
    out.graph.nodes = nodes;
    for (const LineageEdge &e : graph.edges)
        if (kept.contains(e.src) && kept.contains(e.dst))
            out.graph.edges << e;
    out.omitted = int(graph.nodes.size()) - maxNodes;
    out.graph.truncated = true;
    return out;
}

QString lineageNodeTitle(const LineageNode &node)
{
    if (node.kind == LineageKind::CodeCommit)
        return QStringLiteral("commit ") + node.name.left(12);
    return node.name;
}

QString lineageNodeSubtitle(const LineageNode &node)
{
    switch (node.kind) {
    case LineageKind::DataSource:
        return QStringLiteral("data source");
    case LineageKind::Dataset:
        return QStringLiteral("dataset");
    case LineageKind::DatasetVersion:
        return QStringLiteral("dataset @ ") + node.version;
    case LineageKind::FeaturePipeline:
        return QStringLiteral("feature pipeline");
    case LineageKind::FeaturePipelineVersion:
        return QStringLiteral("pipeline v") + node.version;
    case LineageKind::CodeCommit:
        return QStringLiteral("code commit");
    case LineageKind::ModelVersion:
        return QStringLiteral("version ") + node.version;
    case LineageKind::Deployment:
        return node.version.isEmpty() ? QStringLiteral("deployment") : QStringLiteral("deployed in ") + node.version;
    }
    return {};
}

QSizeF lineageNodeSize(const LineageNode &node, const QFont &font)
{
    const QFontMetricsF fm(font);
    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF bfm(bold);
    // Room on the left for the kind's shape tip and on the right for a stage badge.
    const double badge = node.isModelVersion() ? fm.horizontalAdvance(QStringLiteral("Production")) + 16 : 0;
    const double text = std::max(bfm.horizontalAdvance(lineageNodeTitle(node)),
                                 fm.horizontalAdvance(lineageNodeSubtitle(node)) + badge);
    const double width = std::clamp(text + 36, 110.0, 340.0);
    const double height = bfm.height() + fm.height() + 14;
    return {width, height};
}

LineageLayout layoutLineage(const LineageGraph &graph, const LineageLayoutOptions &options)
{
    QElapsedTimer timer;
    timer.start();
    LineageLayout out;
    if (graph.nodes.isEmpty())
        return out;

    QMutexLocker lock(&graphvizMutex());
    GVC_t *gvc = graphvizContext();
    std::string name("lineage");
    Agraph_t *g = agopen(name.data(), Agdirected, nullptr);
    setAttr(g, "rankdir", options.leftToRight ? "LR" : "TB");
    setAttr(g, "nslimit", number(options.nslimit));
    setAttr(g, "nslimit1", number(options.nslimit));
    setAttr(g, "mclimit", number(options.mclimit));
    setAttr(g, "searchsize", QByteArray::number(options.searchsize));
    setAttr(g, "nodesep", "0.25");
    setAttr(g, "ranksep", "0.6");
    setAttr(g, "splines", "spline");

    QHash<qint64, Agnode_t *> gvNodes;
    QHash<Agnode_t *, qsizetype> indexOf;
    gvNodes.reserve(graph.nodes.size());
    for (qsizetype i = 0; i < graph.nodes.size(); ++i) {
        const LineageNode &n = graph.nodes[i];
        QByteArray id = QByteArray::number(n.id);
        Agnode_t *node = agnode(g, id.data(), 1);
        const QSizeF size = lineageNodeSize(n, options.font);
        // Labels are drawn by Qt; Graphviz only needs the box, which keeps text layout out of dot.
        setAttr(node, "shape", "box");
        setAttr(node, "fixedsize", "true");
        setAttr(node, "label", "");
        setAttr(node, "width", number(size.width() / kPointsPerInch));
        setAttr(node, "height", number(size.height() / kPointsPerInch));
        gvNodes.insert(n.id, node);
        indexOf.insert(node, i);
    }
    QHash<Agedge_t *, qsizetype> edgeIndex;
    for (qsizetype i = 0; i < graph.edges.size(); ++i) {
        const LineageEdge &e = graph.edges[i];
        Agnode_t *src = gvNodes.value(e.src);
        Agnode_t *dst = gvNodes.value(e.dst);
        if (!src || !dst || src == dst)
            continue;
        edgeIndex.insert(agedge(g, src, dst, nullptr, 1), i);
    }

    if (gvLayout(gvc, g, "dot") != 0) {
        agclose(g);
        out.error = QStringLiteral("Graphviz could not lay out the graph.");
        return out;
    }
    const boxf bb = GD_bb(g);
    const double top = bb.UR.y;
    auto toScene = [&](pointf p) { return QPointF(p.x - bb.LL.x, top - p.y); };
    out.bounds = QRectF(0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);

    out.nodes.reserve(graph.nodes.size());
    for (auto it = indexOf.cbegin(); it != indexOf.cend(); ++it) {
        Agnode_t *node = it.key();
        const LineageNode &n = graph.nodes[it.value()];
        const double w = ND_width(node) * kPointsPerInch;
        const double h = ND_height(node) * kPointsPerInch;
        const QPointF c = toScene(ND_coord(node));
        out.nodes << LineageNodeBox{n.id, QRectF(c.x() - w / 2, c.y() - h / 2, w, h), lineageNodeTitle(n),
                                    lineageNodeSubtitle(n)};
    }
    std::sort(out.nodes.begin(), out.nodes.end(),
              [](const LineageNodeBox &a, const LineageNodeBox &b) { return a.id < b.id; });

    out.edges.reserve(edgeIndex.size());
    for (auto it = edgeIndex.cbegin(); it != edgeIndex.cend(); ++it) {
        const LineageEdge &e = graph.edges[it.value()];
        LineageEdgePath path{e.src, e.dst, e.kind, {}, {}, {}};
        const splines *spl = ED_spl(it.key());
        if (spl) {
            for (int b = 0; b < spl->size; ++b) {
                const bezier &bz = spl->list[b];
                if (bz.size < 1)
                    continue;
                path.path.moveTo(toScene(bz.list[0]));
                for (int k = 1; k + 2 < bz.size; k += 3)
                    path.path.cubicTo(toScene(bz.list[k]), toScene(bz.list[k + 1]), toScene(bz.list[k + 2]));
                if (bz.eflag) {
                    path.arrowBase = toScene(bz.list[bz.size - 1]);
                    path.arrowTip = toScene(bz.ep);
                }
            }
        }
        out.edges << path;
    }
    std::sort(out.edges.begin(), out.edges.end(), [](const LineageEdgePath &a, const LineageEdgePath &b) {
        return std::tie(a.src, a.dst, a.kind) < std::tie(b.src, b.dst, b.kind);
    });
    gvFreeLayout(gvc, g);
    agclose(g);
    out.elapsedMs = timer.elapsed();
    return out;
}

QString graphvizVersion()
{
    QMutexLocker lock(&graphvizMutex());
    return QString::fromUtf8(gvcVersion(graphvizContext()));
}

} // namespace md
