#pragma once

#include "lineagelayout.h"
#include "registry/types.h"

#include <QGraphicsScene>
#include <QHash>
#include <QSet>

namespace md {

class LineageNodeItem;

// The lineage graph drawn from a finished layout: one item per node (shape and colour by kind, a stage
// badge on model versions) and one per edge. Impact mode dims everything that is not downstream of the
// picked node and emphasises Production versions and deployments among the downstream nodes.
class LineageScene final : public QGraphicsScene
{
    Q_OBJECT
public:
    enum class Mark
    {
        Normal,
        Dimmed,     // impact mode: not downstream of the picked node
        Downstream, // impact mode: derived from the picked node
        Emphasised, // impact mode: downstream, and a Production version or a deployment
        ImpactRoot, // impact mode: the picked node
    };

    explicit LineageScene(QObject *parent = nullptr);

    void setGraph(const LineageGraph &graph, const LineageLayout &layout);
    void clearGraph();
    const LineageGraph &graph() const { return m_graph; }
    bool hasNode(qint64 id) const { return m_items.contains(id); }
    LineageNode node(qint64 id) const { return m_nodes.value(id); }
    QSet<qint64> nodeIds() const;
    // Edges shown, as "srcId>dstId".
    QSet<QString> edgeKeys() const;
    QGraphicsItem *nodeItem(qint64 id) const;
    // The node a scene position falls on, or 0.
    qint64 nodeAt(const QPointF &scenePos) const;
    qint64 selectedNode() const;
    void selectNode(qint64 id);

    void setImpact(qint64 root, const QSet<qint64> &downstream);
    void clearImpact();
    bool impactShown() const { return m_impactRoot != 0; }
    Mark mark(qint64 id) const;
    // Nodes marked Downstream, Emphasised or ImpactRoot.
    QSet<qint64> highlightedNodes() const;
    QSet<qint64> emphasisedNodes() const;

    static QColor kindColor(LineageKind kind);
    static QString kindLabel(LineageKind kind);

private:
    LineageGraph m_graph;
    QHash<qint64, LineageNode> m_nodes;
    QHash<qint64, LineageNodeItem *> m_items;
    QList<QGraphicsItem *> m_edgeItems;
    QSet<QString> m_edgeKeys;
    qint64 m_impactRoot = 0;
};

} // namespace md
