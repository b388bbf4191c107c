#pragma once

#include "registry/types.h"

#include <QFont>
#include <QHash>
#include <QList>
#include <QPainterPath>
#include <QRectF>
#include <QString>

namespace md {

// A lineage neighbourhood cut down to at most `maxNodes` nodes, nearest hops first (the root always
// stays), with the edges among the kept nodes. `omitted` says how many nodes were left out.
struct BoundedLineage
{
    LineageGraph graph;
    int omitted = 0;
};
BoundedLineage boundLineage(const LineageGraph &graph, int maxNodes);

// Layered-layout settings for Graphviz dot. The defaults are tuned so that a few hundred nodes with
// cross links lay out in well under a second (see FACTS.md: nslimit/mclimit cut dot's network-simplex
// and mincross iterations, which dominate on graphs with many cross links).
struct LineageLayoutOptions
{
    QFont font;              // node labels are measured with it
    double nslimit = 0.5;    // network simplex iterations, times the node count
    double mclimit = 0.2;    // mincross iterations factor
    int searchsize = 30;     // network simplex: negative cut edges searched per step
    bool leftToRight = true; // sources on the left, deployments on the right
};

struct LineageNodeBox
{
    qint64 id = 0;
    QRectF rect; // scene coordinates (y down)
    QString title;
    QString subtitle;
};

struct LineageEdgePath
{
    qint64 src = 0;
    qint64 dst = 0;
    QString kind;
    QPainterPath path; // the spline, in scene coordinates
    QPointF arrowBase; // where the arrow head starts...
    QPointF arrowTip;  // ...and the point on the target node it touches
};

struct LineageLayout
{
    QList<LineageNodeBox> nodes;
    QList<LineageEdgePath> edges;
    QRectF bounds;
    QString error; // empty when the layout succeeded
    qint64 elapsedMs = 0;
};

// The two text lines drawn in a node: name (with kind prefix where it helps) and version or stage.
QString lineageNodeTitle(const LineageNode &node);
QString lineageNodeSubtitle(const LineageNode &node);
// Node size in points for the given label font (wide enough for both text lines and a badge).
QSizeF lineageNodeSize(const LineageNode &node, const QFont &font);

// Lays out a lineage graph with Graphviz dot. Pure computation, no widgets: safe to call on a worker
// thread. Graphviz 2.42 keeps layout state in process globals (network simplex, mincross), so calls are
// serialised by a process-wide mutex; callers on several threads simply wait their turn.
LineageLayout layoutLineage(const LineageGraph &graph, const LineageLayoutOptions &options = {});

// The whole lineage of a model (Registry::lineageOverview, up to 2,000 nodes) in columns without Graphviz: the
// model's versions are one column (newest on top; an edge between two of them is an arc beside it), everything
// upstream to its left and downstream to its right, each node in the column next to what it feeds or comes from
// (longest-path layering over the graph with the versions condensed into one node, upstream nodes as late as
// possible), ordered and placed by the mean position of their neighbours in the columns nearer the model, and
// straight-ended curves for edges. dot needs 2-4 s for such a graph at the tuned limits (and a million edge
// crossings); this takes milliseconds. Pure computation, safe on a worker thread.
LineageLayout layoutLineageOverview(const LineageGraph &graph, const QString &modelName, const QFont &font);

// The Graphviz library's version (for About).
QString graphvizVersion();

} // namespace md
