#include "lineagelayout.h"

#include <QElapsedTimer>
#include <QFontMetricsF>
#include <QMutex>
#include <QMutexLocker>
#include <QSet>

#include <gvc.h>

#include <algorithm>
#include <limits>
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

LineageLayout layoutLineageOverview(const LineageGraph &graph, const QString &modelName, const QFont &font)
{
    QElapsedTimer timer;
    timer.start();
    LineageLayout out;
    const int n = int(graph.nodes.size());
    if (n == 0) {
        out.elapsedMs = timer.elapsed();
        return out;
    }
    QHash<qint64, int> indexOf;
    indexOf.reserve(n);
    for (int i = 0; i < n; ++i)
        indexOf.insert(graph.nodes[i].id, i);
    auto inColumn = [&](int i) {
        const LineageNode &node = graph.nodes[i];
        return node.isModelVersion() && node.name == modelName;
    };
    // The condensed graph: the model's versions are cluster 0, every other node a cluster of its own.
    QList<int> cluster(n);
    int clusters = 1;
    for (int i = 0; i < n; ++i)
        cluster[i] = inColumn(i) ? 0 : clusters++;
    QList<QList<int>> succ(clusters), pred(clusters);
    QList<std::pair<int, int>> edges; // node indexes
    edges.reserve(graph.edges.size());
    for (const LineageEdge &e : graph.edges) {
        const auto s = indexOf.constFind(e.src);
        const auto d = indexOf.constFind(e.dst);
        if (s == indexOf.cend() || d == indexOf.cend() || *s == *d)
            continue;
        edges << std::pair{*s, *d};
        const int cs = cluster[*s];
        const int cd = cluster[*d];
        if (cs != cd) {
            succ[cs] << cd;
            pred[cd] << cs;
        }
    }
    // A topological order by depth-first search from every cluster (an edge closing a cycle is ignored), iterative:
    // a 2,000-node chain must not exhaust the stack.
    QList<int> order;
    order.reserve(clusters);
    {
        QList<char> state(clusters, 0); // 0 new, 1 on the stack, 2 done
        QList<std::pair<int, int>> stack;
        for (int start = 0; start < clusters; ++start) {
            if (state[start] != 0)
                continue;
            stack << std::pair{start, 0};
            state[start] = 1;
            while (!stack.isEmpty()) {
                auto &[c, next] = stack.last();
                if (next < succ[c].size()) {
                    const int d = succ[c][next++];
                    if (state[d] == 0) {
                        state[d] = 1;
                        stack << std::pair{d, 0};
                    }
                    continue;
                }
                state[c] = 2;
                order << c;
                stack.removeLast();
            }
        }
        std::reverse(order.begin(), order.end());
    }
    QList<int> position(clusters);
    for (int i = 0; i < clusters; ++i)
        position[order[i]] = i;
    auto forward = [&](int from, int to) { return position[from] < position[to]; };
    // Longest-path layers from the sources; then everything upstream of the model as late as possible (next to
    // what it feeds, not at the far left because some other source is deep).
    QList<int> rank(clusters, 0);
    for (int c : std::as_const(order))
        for (int d : std::as_const(succ[c]))
            if (forward(c, d))
                rank[d] = std::max(rank[d], rank[c] + 1);
    QList<char> upstream(clusters, 0);
    upstream[0] = 1;
    for (auto it = order.crbegin(); it != order.crend(); ++it)
        for (int d : std::as_const(succ[*it]))
            if (forward(*it, d) && upstream[d])
                upstream[*it] = 1;
    for (auto it = order.crbegin(); it != order.crend(); ++it) {
        const int c = *it;
        if (c == 0 || !upstream[c])
            continue;
        int latest = std::numeric_limits<int>::max();
        for (int d : std::as_const(succ[c]))
            if (forward(c, d))
                latest = std::min(latest, rank[d] - 1);
        if (latest != std::numeric_limits<int>::max())
            rank[c] = latest;
    }
    const int minRank = *std::min_element(rank.cbegin(), rank.cend());
    const int maxRank = *std::max_element(rank.cbegin(), rank.cend());
    const int columnCount = maxRank - minRank + 1;
    const int modelColumn = rank[0] - minRank;

    QList<QList<int>> columns(columnCount);
    for (int i = 0; i < n; ++i)
        columns[rank[cluster[i]] - minRank] << i;
    auto versionNumber = [&](int i) { return graph.nodes[i].version.toInt(); };
    std::sort(columns[modelColumn].begin(), columns[modelColumn].end(),
              [&](int a, int b) { return versionNumber(a) > versionNumber(b); }); // newest on top
    for (int c = 0; c < columnCount; ++c)
        if (c != modelColumn)
            std::sort(columns[c].begin(), columns[c].end(), [&](int a, int b) {
                const LineageNode &x = graph.nodes[a];
                const LineageNode &y = graph.nodes[b];
                return std::tie(x.kind, x.name, x.version) < std::tie(y.kind, y.name, y.version);
            });

    QList<QList<int>> neighbours(n);
    for (const auto &[s, d] : std::as_const(edges)) {
        neighbours[s] << d;
        neighbours[d] << s;
    }
    QList<QSizeF> size(n);
    for (int i = 0; i < n; ++i)
        size[i] = lineageNodeSize(graph.nodes[i], font);
    constexpr double kRowGap = 12;
    constexpr double kColumnGap = 110;
    QList<double> centreY(n, 0);
    QList<char> placed(n, 0);
    auto stack = [&](const QList<int> &column) {
        double y = 0;
        for (int i : column) {
            centreY[i] = y + size[i].height() / 2;
            y += size[i].height() + kRowGap;
            placed[i] = 1;
        }
    };
    stack(columns[modelColumn]);
    // Outward from the model's column, each column sorted by the mean height of its neighbours placed so far, then
    // pushed apart where they overlap. A second sweep uses the neighbours on both sides.
    QList<int> sweep;
    for (int step = 1; step < columnCount; ++step) {
        if (modelColumn - step >= 0)
            sweep << modelColumn - step;
        if (modelColumn + step < columnCount)
            sweep << modelColumn + step;
    }
    for (int pass = 0; pass < 2; ++pass) {
        for (int c : std::as_const(sweep)) {
            QList<int> &column = columns[c];
            QHash<int, double> desired;
            for (int k = 0; k < column.size(); ++k) {
                const int i = column[k];
                double sum = 0;
                int count = 0;
                for (int j : std::as_const(neighbours[i]))
                    if (placed[j] && j != i) {
                        sum += centreY[j];
                        ++count;
                    }
                desired.insert(i, count > 0 ? sum / count : std::numeric_limits<double>::max());
            }
            std::stable_sort(column.begin(), column.end(), [&](int a, int b) { return desired[a] < desired[b]; });
            double bottom = 0;
            for (int k = 0; k < column.size(); ++k) {
                const int i = column[k];
                const double h = size[i].height();
                const bool anywhere = desired[i] == std::numeric_limits<double>::max(); // no neighbour placed yet
                double top = anywhere ? bottom + kRowGap : desired[i] - h / 2;
                if (k > 0)
                    top = std::max(top, bottom + kRowGap);
                centreY[i] = top + h / 2;
                bottom = top + h;
                placed[i] = 1;
            }
        }
    }
    // Columns left to right, each as wide as its widest node; everything moved below y = 0.
    QList<double> columnX(columnCount, 0);
    QList<double> columnWidth(columnCount, 0);
    for (int c = 0; c < columnCount; ++c)
        for (int i : std::as_const(columns[c]))
            columnWidth[c] = std::max(columnWidth[c], size[i].width());
    for (int c = 1; c < columnCount; ++c)
        columnX[c] = columnX[c - 1] + columnWidth[c - 1] + kColumnGap;
    double minTop = std::numeric_limits<double>::max();
    for (int i = 0; i < n; ++i)
        minTop = std::min(minTop, centreY[i] - size[i].height() / 2);
    QList<QRectF> rect(n);
    for (int c = 0; c < columnCount; ++c)
        for (int i : std::as_const(columns[c])) {
            const double w = size[i].width();
            const double h = size[i].height();
            rect[i] = QRectF(columnX[c] + (columnWidth[c] - w) / 2, centreY[i] - h / 2 - minTop, w, h);
        }
    out.nodes.reserve(n);
    for (int i = 0; i < n; ++i) {
        const LineageNode &node = graph.nodes[i];
        out.nodes << LineageNodeBox{node.id, rect[i], lineageNodeTitle(node), lineageNodeSubtitle(node)};
        out.bounds = out.bounds.united(rect[i]);
    }
    std::sort(out.nodes.begin(), out.nodes.end(),
              [](const LineageNodeBox &a, const LineageNodeBox &b) { return a.id < b.id; });

    // Edges: from the right side of the upstream node to the left side of the derived one, leaving and arriving
    // level; between two nodes of one column (versions fine-tuned from each other) or against the layers (a
    // cycle) an arc out to the right of both.
    constexpr double kArrow = 8;
    out.edges.reserve(edges.size());
    for (qsizetype k = 0; k < graph.edges.size(); ++k) {
        const LineageEdge &e = graph.edges[k];
        const auto s = indexOf.constFind(e.src);
        const auto d = indexOf.constFind(e.dst);
        if (s == indexOf.cend() || d == indexOf.cend() || *s == *d)
            continue;
        const QRectF &from = rect[*s];
        const QRectF &to = rect[*d];
        LineageEdgePath path{e.src, e.dst, e.kind, {}, {}, {}};
        if (from.right() < to.left()) {
            const QPointF start(from.right(), from.center().y());
            path.arrowTip = QPointF(to.left(), to.center().y());
            path.arrowBase = path.arrowTip - QPointF(kArrow, 0);
            const double dx = (path.arrowBase.x() - start.x()) / 2;
            path.path.moveTo(start);
            path.path.cubicTo(start + QPointF(dx, 0), path.arrowBase - QPointF(dx, 0), path.arrowBase);
        } else {
            const QPointF start(from.right(), from.center().y());
            path.arrowTip = QPointF(to.right(), to.center().y());
            path.arrowBase = path.arrowTip + QPointF(kArrow, 0);
            const double reach =
                std::max(from.right(), to.right()) + 24 + std::min(60.0, std::abs(path.arrowTip.y() - start.y()) / 10);
            path.path.moveTo(start);
            path.path.cubicTo(QPointF(reach, start.y()), QPointF(reach, path.arrowBase.y()), path.arrowBase);
            out.bounds = out.bounds.united(QRectF(from.right(), std::min(start.y(), path.arrowTip.y()),
                                                  reach - from.right(), std::abs(path.arrowTip.y() - start.y())));
        }
        out.edges << path;
    }
    std::sort(out.edges.begin(), out.edges.end(), [](const LineageEdgePath &a, const LineageEdgePath &b) {
        return std::tie(a.src, a.dst, a.kind) < std::tie(b.src, b.dst, b.kind);
    });
    out.bounds.adjust(-8, -8, 8, 8);
    out.elapsedMs = timer.elapsed();
    return out;
}

QString graphvizVersion()
{
    QMutexLocker lock(&graphvizMutex());
    return QString::fromUtf8(gvcVersion(graphvizContext()));
}

} // namespace md
