#include "lineagescene.h"

#include "stagestyle.h"

#include <QGraphicsItem>
#include <QGraphicsPathItem>
#include <QGraphicsPolygonItem>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QtMath>

namespace md {

namespace {
const QColor kDownstreamColour(0xd9, 0x5f, 0x02); // orange: reached by the impact
const QColor kEmphasisColour(0xb2, 0x18, 0x2b);   // deep red: in Production or deployed
const QColor kEdgeColour(0x70, 0x70, 0x70);
constexpr double kDimmedOpacity = 0.22;
} // namespace

// One node: the shape tells the kind, the fill colour repeats it, model versions carry a stage badge.
class LineageNodeItem final : public QGraphicsItem
{
public:
    LineageNodeItem(const LineageNode &node, const LineageNodeBox &box) : m_node(node), m_box(box)
    {
        setFlag(ItemIsSelectable);
        setPos(box.rect.topLeft());
        setToolTip(node.spec());
        setCursor(Qt::PointingHandCursor);
        setZValue(1);
    }
    QRectF boundingRect() const override { return QRectF(QPointF(), m_box.rect.size()).adjusted(-4, -4, 4, 4); }
    QPainterPath shape() const override
    {
        QPainterPath p;
        p.addPath(outline());
        return p;
    }
    const LineageNode &node() const { return m_node; }
    LineageScene::Mark mark() const { return m_mark; }
    void setMark(LineageScene::Mark mark)
    {
        m_mark = mark;
        setOpacity(mark == LineageScene::Mark::Dimmed ? kDimmedOpacity : 1.0);
        update();
    }

    void paint(QPainter *painter, const QStyleOptionGraphicsItem *, QWidget *) override
    {
        painter->setRenderHint(QPainter::Antialiasing);
        const QPainterPath path = outline();
        QPen pen(QColor(0x30, 0x30, 0x30), 1.2);
        switch (m_mark) {
        case LineageScene::Mark::Downstream:
            pen = QPen(kDownstreamColour, 3);
            break;
        case LineageScene::Mark::Emphasised:
            pen = QPen(kEmphasisColour, 4);
            break;
        case LineageScene::Mark::ImpactRoot:
            pen = QPen(Qt::black, 4, Qt::DashLine);
            break;
        case LineageScene::Mark::Normal:
        case LineageScene::Mark::Dimmed:
            break;
        }
        if (isSelected())
            pen = QPen(QColor(0x1f, 0x5f, 0xbf), 3.5);
        if (m_node.kind == LineageKind::Dataset || m_node.kind == LineageKind::FeaturePipeline)
            pen.setStyle(Qt::DashLine); // families are groupings, not things that were run
        painter->setPen(pen);
        painter->setBrush(LineageScene::kindColor(m_node.kind));
        painter->drawPath(path);
        if (m_node.kind == LineageKind::DataSource) {
            // The top rim of the cylinder.
            const QRectF r(QPointF(), m_box.rect.size());
            painter->setBrush(Qt::NoBrush);
            painter->drawArc(QRectF(r.left(), r.top(), r.width(), 10), 180 * 16, 180 * 16);
        }

        const QRectF r = QRectF(QPointF(), m_box.rect.size()).adjusted(18, 4, -10, -4);
        QFont bold = painter->font();
        bold.setBold(true);
        const QFont normal = painter->font();
        painter->setPen(Qt::black);
        painter->setFont(bold);
        const QFontMetricsF bfm(bold);
        painter->drawText(QRectF(r.left(), r.top() + 1, r.width(), bfm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                          bfm.elidedText(m_box.title, Qt::ElideMiddle, r.width()));
        painter->setFont(normal);
        const QFontMetricsF fm(normal);
        const QRectF second(r.left(), r.bottom() - fm.height() - 1, r.width(), fm.height());
        painter->drawText(second, Qt::AlignLeft | Qt::AlignVCenter, m_box.subtitle);
        if (m_node.isModelVersion() && m_node.stage != Stage::None) {
            const QString stage = stageName(m_node.stage);
            const double w = fm.horizontalAdvance(stage) + 10;
            const QRectF badge(r.right() - w, second.top() - 1, w, second.height() + 2);
            painter->setPen(QPen(QColor(0x40, 0x40, 0x40), 0.8));
            painter->setBrush(stageColor(m_node.stage));
            painter->drawRoundedRect(badge, 4, 4);
            painter->setPen(Qt::black);
            painter->drawText(badge, Qt::AlignCenter, stage);
        }
    }

private:
    QPainterPath outline() const
    {
        const QRectF r(QPointF(), m_box.rect.size());
        QPainterPath p;
        const double h = r.height();
        switch (m_node.kind) {
        case LineageKind::DataSource:
            p.addRoundedRect(r, r.width() / 2, 5, Qt::AbsoluteSize);
            break;
        case LineageKind::Dataset:
        case LineageKind::DatasetVersion:
            p.addRect(r);
            break;
        case LineageKind::FeaturePipeline:
        case LineageKind::FeaturePipelineVersion: {
            const double t = 12;
            p.addPolygon(QPolygonF({QPointF(r.left() + t, r.top()), QPointF(r.right() - t, r.top()),
                                    QPointF(r.right(), r.center().y()), QPointF(r.right() - t, r.bottom()),
                                    QPointF(r.left() + t, r.bottom()), QPointF(r.left(), r.center().y()),
                                    QPointF(r.left() + t, r.top())}));
            break;
        }
        case LineageKind::CodeCommit:
            p.addRoundedRect(r, h / 2, h / 2);
            break;
        case LineageKind::ModelVersion:
            p.addRoundedRect(r, 9, 9);
            break;
        case LineageKind::Deployment: {
            const double t = 14;
            p.addPolygon(QPolygonF({r.topLeft(), QPointF(r.right() - t, r.top()), QPointF(r.right(), r.center().y()),
                                    QPointF(r.right() - t, r.bottom()), r.bottomLeft(), r.topLeft()}));
            break;
        }
        }
        return p;
    }

    LineageNode m_node;
    LineageNodeBox m_box;
    LineageScene::Mark m_mark = LineageScene::Mark::Normal;
};

LineageScene::LineageScene(QObject *parent) : QGraphicsScene(parent)
{
    setItemIndexMethod(QGraphicsScene::BspTreeIndex);
}

QColor LineageScene::kindColor(LineageKind kind)
{
    switch (kind) {
    case LineageKind::DataSource:
        return QColor(0xc6, 0xdb, 0xef);
    case LineageKind::Dataset:
        return QColor(0xe5, 0xf5, 0xe0);
    case LineageKind::DatasetVersion:
        return QColor(0xc7, 0xe9, 0xc0);
    case LineageKind::FeaturePipeline:
        return QColor(0xf2, 0xe8, 0xf6);
    case LineageKind::FeaturePipelineVersion:
        return QColor(0xda, 0xc8, 0xea);
    case LineageKind::CodeCommit:
        return QColor(0xee, 0xee, 0xee);
    case LineageKind::ModelVersion:
        return QColor(0xff, 0xf1, 0xc4);
    case LineageKind::Deployment:
        return QColor(0xfd, 0xd0, 0xa2);
    }
    return Qt::white;
}

QString LineageScene::kindLabel(LineageKind kind)
{
    switch (kind) {
    case LineageKind::DataSource:
        return tr("Data source");
    case LineageKind::Dataset:
        return tr("Dataset");
    case LineageKind::DatasetVersion:
        return tr("Dataset version");
    case LineageKind::FeaturePipeline:
        return tr("Feature pipeline");
    case LineageKind::FeaturePipelineVersion:
        return tr("Feature pipeline version");
    case LineageKind::CodeCommit:
        return tr("Code commit");
    case LineageKind::ModelVersion:
        return tr("Model version");
    case LineageKind::Deployment:
        return tr("Deployment");
    }
    return {};
}

void LineageScene::clearGraph()
{
    clear();
    m_graph = {};
    m_nodes.clear();
    m_items.clear();
    m_edgeItems.clear();
    m_edgeKeys.clear();
    m_impactRoot = 0;
}

void LineageScene::setGraph(const LineageGraph &graph, const LineageLayout &layout)
{
    clearGraph();
    m_graph = graph;
    for (const LineageNode &n : graph.nodes)
        m_nodes.insert(n.id, n);
    for (const LineageNodeBox &box : layout.nodes) {
        auto it = m_nodes.constFind(box.id);
        if (it == m_nodes.cend())
            continue;
        auto *item = new LineageNodeItem(*it, box);
        addItem(item);
        m_items.insert(box.id, item);
    }
    for (const LineageEdgePath &e : layout.edges) {
        if (!m_items.contains(e.src) || !m_items.contains(e.dst))
            continue;
        QPen pen(kEdgeColour, 1.3);
        if (e.kind == QLatin1String("deployed_as"))
            pen.setStyle(Qt::DashLine);
        auto *edge = new QGraphicsPathItem(e.path);
        edge->setPen(pen);
        edge->setData(0, e.src);
        edge->setData(1, e.dst);
        edge->setToolTip(e.kind);
        if (e.arrowTip != e.arrowBase) {
            // A filled arrow head from the end of the spline to the node border.
            const QLineF line(e.arrowBase, e.arrowTip);
            const QLineF normal = line.normalVector();
            const QPointF side = (normal.p2() - normal.p1()) * 0.45;
            auto *head =
                new QGraphicsPolygonItem(QPolygonF({e.arrowTip, e.arrowBase + side, e.arrowBase - side}), edge);
            head->setPen(Qt::NoPen);
            head->setBrush(kEdgeColour);
        }
        addItem(edge);
        m_edgeItems << edge;
        m_edgeKeys.insert(QStringLiteral("%1>%2").arg(e.src).arg(e.dst));
    }
    setSceneRect(layout.bounds.adjusted(-20, -20, 20, 20));
}

QSet<qint64> LineageScene::nodeIds() const
{
    QSet<qint64> ids;
    for (auto it = m_items.cbegin(); it != m_items.cend(); ++it)
        ids.insert(it.key());
    return ids;
}

QSet<QString> LineageScene::edgeKeys() const
{
    return m_edgeKeys;
}

QGraphicsItem *LineageScene::nodeItem(qint64 id) const
{
    return m_items.value(id);
}

qint64 LineageScene::nodeAt(const QPointF &scenePos) const
{
    for (QGraphicsItem *item : items(scenePos))
        if (auto *node = dynamic_cast<LineageNodeItem *>(item))
            return node->node().id;
    return 0;
}

qint64 LineageScene::selectedNode() const
{
    for (QGraphicsItem *item : selectedItems())
        if (auto *node = dynamic_cast<LineageNodeItem *>(item))
            return node->node().id;
    return 0;
}

void LineageScene::selectNode(qint64 id)
{
    clearSelection();
    if (auto *item = m_items.value(id))
        item->setSelected(true);
}

void LineageScene::setImpact(qint64 root, const QSet<qint64> &downstream)
{
    m_impactRoot = root;
    for (auto it = m_items.cbegin(); it != m_items.cend(); ++it) {
        const LineageNode &n = it.value()->node();
        Mark mark = Mark::Dimmed;
        if (n.id == root)
            mark = Mark::ImpactRoot;
        else if (downstream.contains(n.id))
            mark = (n.kind == LineageKind::Deployment || (n.isModelVersion() && n.stage == Stage::Production))
                       ? Mark::Emphasised
                       : Mark::Downstream;
        it.value()->setMark(mark);
    }
    for (QGraphicsItem *edge : m_edgeItems) {
        const qint64 src = edge->data(0).toLongLong();
        const qint64 dst = edge->data(1).toLongLong();
        const bool reached = (src == root || downstream.contains(src)) && downstream.contains(dst);
        edge->setOpacity(reached ? 1.0 : kDimmedOpacity);
        if (auto *path = dynamic_cast<QGraphicsPathItem *>(edge)) {
            QPen pen = path->pen();
            pen.setColor(reached ? kDownstreamColour : kEdgeColour);
            pen.setWidthF(reached ? 2.2 : 1.3);
            path->setPen(pen);
        }
    }
}

void LineageScene::clearImpact()
{
    m_impactRoot = 0;
    for (LineageNodeItem *item : std::as_const(m_items))
        item->setMark(Mark::Normal);
    for (QGraphicsItem *edge : m_edgeItems) {
        edge->setOpacity(1.0);
        if (auto *path = dynamic_cast<QGraphicsPathItem *>(edge)) {
            QPen pen = path->pen();
            pen.setColor(kEdgeColour);
            pen.setWidthF(1.3);
            path->setPen(pen);
        }
    }
}

LineageScene::Mark LineageScene::mark(qint64 id) const
{
    const LineageNodeItem *item = m_items.value(id);
    return item ? item->mark() : Mark::Normal;
}

QSet<qint64> LineageScene::highlightedNodes() const
{
    QSet<qint64> ids;
    for (auto it = m_items.cbegin(); it != m_items.cend(); ++it)
        if (it.value()->mark() != Mark::Normal && it.value()->mark() != Mark::Dimmed)
            ids.insert(it.key());
    return ids;
}

QSet<qint64> LineageScene::emphasisedNodes() const
{
    QSet<qint64> ids;
    for (auto it = m_items.cbegin(); it != m_items.cend(); ++it)
        if (it.value()->mark() == Mark::Emphasised)
            ids.insert(it.key());
    return ids;
}

} // namespace md
