#include "lineageview.h"

#include "items/lineageloader.h"
#include "lineagescene.h"
#include "registry/registry.h"

#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QSvgGenerator>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent>

#include <cmath>
#include <utility>

namespace md {

namespace {
constexpr double kMinZoom = 0.05;
constexpr double kMaxZoom = 4.0;
constexpr double kMaxFitZoom = 1.2;
constexpr double kReadableZoom = 0.45; // below this, labels are too small to read after fitting
constexpr double kPngScale = 2.0;
constexpr int kMaxPngSide = 12000;
constexpr int kSpecRole = Qt::UserRole + 1;
} // namespace

LineageGraphicsView::LineageGraphicsView(LineageScene *scene, QWidget *parent)
    : QGraphicsView(scene, parent), m_scene(scene)
{
    setObjectName(QStringLiteral("lineageCanvas"));
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setBackgroundBrush(QColor(0xfb, 0xfb, 0xfb));
}

void LineageGraphicsView::zoomBy(double factor)
{
    const double next = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    const double applied = next / zoom();
    scale(applied, applied);
}

void LineageGraphicsView::fitGraph()
{
    if (m_scene->items().isEmpty())
        return;
    fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
    if (zoom() > kMaxFitZoom)
        setTransform(QTransform::fromScale(kMaxFitZoom, kMaxFitZoom));
}

void LineageGraphicsView::wheelEvent(QWheelEvent *event)
{
    // Wheel (with or without Ctrl) zooms at the cursor; dragging pans.
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    zoomBy(std::pow(1.15, steps));
    event->accept();
}

void LineageGraphicsView::mouseDoubleClickEvent(QMouseEvent *event)
{
    const qint64 id = m_scene->nodeAt(mapToScene(event->position().toPoint()));
    if (id != 0 && event->button() == Qt::LeftButton) {
        emit nodeDoubleClicked(id);
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

namespace {
// "model:team/fraud@3" -> ("team/fraud", 3).
bool modelVersionOf(const QString &spec, QString *model, int *version)
{
    if (!spec.startsWith(QLatin1String("model:")))
        return false;
    const qsizetype at = spec.lastIndexOf(QLatin1Char('@'));
    bool ok = false;
    const int number = at > 6 ? spec.mid(at + 1).toInt(&ok) : 0;
    if (!ok || number < 1)
        return false;
    *model = spec.mid(6, at - 6);
    *version = number;
    return true;
}
} // namespace

LineageView::LineageView(QWidget *parent)
    : QWidget(parent), m_loader(new LineageLoader(this)), m_scene(new LineageScene(this))
{
    setObjectName(QStringLiteral("lineageView"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->setSpacing(4);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Node:"), this));
    m_nodeEdit = new QLineEdit(this);
    m_nodeEdit->setObjectName(QStringLiteral("lineageNodeEdit"));
    m_nodeEdit->setPlaceholderText(tr("e.g. pipeline:fraud-features@2.3 (Enter opens it)"));
    m_nodeEdit->setClearButtonEnabled(true);
    connect(m_nodeEdit, &QLineEdit::returnPressed, this, [this]() {
        const QString spec = m_nodeEdit->text().trimmed();
        if (!spec.isEmpty())
            openNode(spec);
    });
    bar->addWidget(m_nodeEdit, 1);
    bar->addWidget(new QLabel(tr("Depth:"), this));
    m_depth = new QSpinBox(this);
    m_depth->setObjectName(QStringLiteral("lineageDepth"));
    m_depth->setRange(1, Registry::kMaxLineageDepth);
    m_depth->setValue(LineageView::kDefaultDepth);
    m_depth->setSuffix(tr(" hops"));
    m_depth->setToolTip(tr("How many hops upstream and downstream of the centre node to show"));
    connect(m_depth, &QSpinBox::valueChanged, this, [this]() {
        if (!m_spec.isEmpty() || m_nodeId != 0)
            reload();
    });
    bar->addWidget(m_depth);
    auto addButton = [&](const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        bar->addWidget(b);
        return b;
    };
    connect(addButton(tr("Fit"), tr("Fit the graph to the window")), &QToolButton::clicked, this,
            [this]() { m_view->fitGraph(); });
    connect(addButton(tr("+"), tr("Zoom in (mouse wheel)")), &QToolButton::clicked, this,
            [this]() { m_view->zoomBy(1.25); });
    connect(addButton(tr("−"), tr("Zoom out (mouse wheel)")), &QToolButton::clicked, this,
            [this]() { m_view->zoomBy(0.8); });
    m_overviewButton = addButton(tr("Whole model"), tr("Show the lineage of every version of this model, without a "
                                                       "hop limit (up to %1 nodes)")
                                                        .arg(Registry::kMaxOverviewNodes));
    m_overviewButton->setObjectName(QStringLiteral("lineageOverview"));
    m_overviewButton->setCheckable(true);
    m_overviewButton->setEnabled(false);
    connect(m_overviewButton, &QToolButton::toggled, this, [this]() {
        if (!m_spec.isEmpty())
            reload();
    });
    m_impactButton = addButton(tr("Impact"), tr("Impact mode: click a node to highlight everything derived from it"));
    m_impactButton->setObjectName(QStringLiteral("lineageImpact"));
    m_impactButton->setCheckable(true);
    connect(m_impactButton, &QToolButton::toggled, this, [this](bool on) {
        if (on) {
            if (m_busy)
                return; // the graph on its way picks its centre node when it arrives
            const qint64 id = m_scene->selectedNode() ? m_scene->selectedNode() : m_scene->graph().root;
            if (id != 0)
                pickImpactNode(id);
        } else {
            m_loader->cancel();
            m_pendingImpact = 0;
            m_scene->clearImpact();
            m_impactList->clear();
            m_impactSummary->setText(tr("Impact mode is off. Turn it on and click a node to see what derives "
                                        "from it."));
        }
    });
    connect(addButton(tr("Export…"), tr("Save the graph as SVG or PNG")), &QToolButton::clicked, this,
            &LineageView::exportDialog);
    layout->addLayout(bar);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    m_stack = new QStackedWidget(splitter);
    m_placeholder = new QLabel(tr("Select a version to see its lineage."), m_stack);
    m_placeholder->setObjectName(QStringLiteral("lineagePlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_stack->addWidget(m_placeholder);
    m_view = new LineageGraphicsView(m_scene, m_stack);
    m_stack->addWidget(m_view);
    splitter->addWidget(m_stack);

    auto *side = new QWidget(splitter);
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(4, 0, 0, 0);
    m_details = new QLabel(tr("Click a node to see its details; double-click to centre on it."), side);
    m_details->setObjectName(QStringLiteral("lineageDetails"));
    m_details->setWordWrap(true);
    m_details->setTextFormat(Qt::RichText);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    sideLayout->addWidget(m_details);
    m_impactSummary =
        new QLabel(tr("Impact mode is off. Turn it on and click a node to see what derives from it."), side);
    m_impactSummary->setObjectName(QStringLiteral("lineageImpactSummary"));
    m_impactSummary->setWordWrap(true);
    m_impactSummary->setTextFormat(Qt::RichText);
    sideLayout->addWidget(m_impactSummary);
    m_impactList = new QListWidget(side);
    m_impactList->setObjectName(QStringLiteral("lineageImpactList"));
    m_impactList->setToolTip(tr("Double-click to open the node's lineage"));
    m_impactList->setWordWrap(true);
    connect(m_impactList, &QListWidget::itemDoubleClicked, this, &LineageView::openListItem);
    sideLayout->addWidget(m_impactList, 1);
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 0);
    splitter->setSizes({700, 260});
    layout->addWidget(splitter, 1);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("lineageStatus"));
    layout->addWidget(m_status);

    connect(m_loader, &LineageLoader::neighbourhoodLoaded, this, &LineageView::onNeighbourhood);
    connect(m_loader, &LineageLoader::neighbourhoodFailed, this, [this](const QString &message) {
        m_busy = false;
        showPlaceholder(message);
        m_status->setText(message);
        emit failed(message);
    });
    connect(m_loader, &LineageLoader::impactLoaded, this, &LineageView::onImpact);
    connect(m_loader, &LineageLoader::impactFailed, this, [this](const QString &message) {
        m_impactSummary->setText(message.toHtmlEscaped());
        emit failed(message);
    });
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this]() {
        const qint64 id = m_scene->selectedNode();
        if (id == 0)
            return;
        showNodeDetails(id);
        if (impactMode())
            pickImpactNode(id);
    });
    connect(m_view, &LineageGraphicsView::nodeDoubleClicked, this, &LineageView::recentre);
}

LineageView::~LineageView()
{
    // The scene is a child and dies after this object: clearing its items emits selectionChanged, which
    // must not reach this half-destroyed view (UBSan caught it).
    disconnect(m_scene, nullptr, this, nullptr);
}

void LineageView::setClient(RegistryClient *client)
{
    m_loader->setClient(client);
}

void LineageView::showVersion(const QString &modelName, int version)
{
    openNode(QStringLiteral("model:%1@%2").arg(modelName).arg(version));
}

void LineageView::openNode(const QString &spec)
{
    if (spec == m_spec && m_nodeId == 0 && (m_busy || m_dirty || m_scene->hasNode(m_scene->graph().root)))
        return; // already shown or on its way
    m_spec = spec;
    m_nodeId = 0;
    m_nodeEdit->setText(spec);
    updateOverviewButton();
    reload();
}

void LineageView::updateOverviewButton()
{
    QString model;
    int version = 0;
    m_overviewButton->setEnabled(m_nodeId == 0 && modelVersionOf(m_spec, &model, &version));
}

void LineageView::setOverview(bool on)
{
    m_overviewButton->setChecked(on);
}

bool LineageView::overview() const
{
    return m_overviewButton->isChecked();
}

void LineageView::recentre(qint64 id)
{
    if (!m_scene->hasNode(id))
        return;
    m_nodeId = id;
    m_spec = m_scene->node(id).spec();
    m_nodeEdit->setText(m_spec);
    {
        // Re-centring asks for that node's neighbourhood, not a whole model.
        const QSignalBlocker quiet(m_overviewButton);
        m_overviewButton->setChecked(false);
    }
    updateOverviewButton();
    reload();
}

void LineageView::setDepth(int depth)
{
    m_depth->setValue(depth);
}

int LineageView::depth() const
{
    return m_depth->value();
}

void LineageView::setImpactMode(bool on)
{
    m_impactButton->setChecked(on);
}

bool LineageView::impactMode() const
{
    return m_impactButton->isChecked();
}

void LineageView::clear()
{
    m_loader->cancel();
    ++m_layoutGeneration;
    m_spec.clear();
    m_nodeId = 0;
    m_busy = false;
    m_dirty = false;
    m_nodeEdit->clear();
    updateOverviewButton();
    m_scene->clearGraph();
    m_impactList->clear();
    m_status->clear();
    showPlaceholder(tr("Select a version to see its lineage."));
}

void LineageView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_dirty)
        reload();
}

void LineageView::refresh()
{
    if (m_spec.isEmpty() && m_nodeId == 0)
        return;
    // A change in the registry (a promotion, a new version, a deployment): the same graph again, where the user has
    // moved it to, without a "Loading" flash; in impact mode the impact list is read again too.
    m_keepView = !m_dirty && m_scene->hasNode(m_scene->graph().root);
    reload();
}

void LineageView::reload()
{
    if (!isVisible()) {
        m_dirty = true; // loaded when the tab is shown, not for every version the user scrolls past
        m_keepView = false;
        return;
    }
    m_dirty = false;
    m_busy = true;
    ++m_layoutGeneration; // a layout still running for the previous request is dropped
    QString model;
    int version = 0;
    const bool whole = overview() && m_nodeId == 0 && modelVersionOf(m_spec, &model, &version);
    m_overviewModel = whole ? model : QString();
    m_depth->setEnabled(!whole);
    if (!m_keepView)
        showPlaceholder(whole ? tr("Loading the lineage of every version of %1…").arg(model)
                              : tr("Loading the lineage of %1…").arg(m_spec));
    if (whole)
        m_loader->loadOverview(model, version);
    else if (m_nodeId != 0)
        m_loader->loadNeighbourhood(m_nodeId, depth());
    else
        m_loader->loadNeighbourhood(m_spec, depth());
}

void LineageView::onNeighbourhood(const LineageGraph &graph)
{
    // A whole model comes bounded by the registry (nearest hops first) and is laid out in columns.
    const QString model = m_overviewModel;
    const BoundedLineage bounded = model.isEmpty() ? boundLineage(graph, kMaxNodes) : BoundedLineage{graph, 0};
    if (!m_keepView)
        showPlaceholder(tr("Laying out %n nodes…", nullptr, int(bounded.graph.nodes.size())));
    const quint64 generation = ++m_layoutGeneration;
    LineageLayoutOptions options;
    options.font = font();
    QtConcurrent::run([bounded, options, model]() {
        return model.isEmpty() ? layoutLineage(bounded.graph, options)
                               : layoutLineageOverview(bounded.graph, model, options.font);
    }).then(this, [this, generation, bounded, model](const LineageLayout &layout) {
        onLayout(generation, bounded, layout, model);
    });
}

void LineageView::onLayout(quint64 generation, const BoundedLineage &bounded, const LineageLayout &layout,
                           const QString &overviewModel)
{
    if (generation != m_layoutGeneration)
        return; // the user asked for something else meanwhile
    m_busy = false;
    if (!layout.error.isEmpty()) {
        showPlaceholder(layout.error);
        emit failed(layout.error);
        return;
    }
    m_omitted = bounded.omitted;
    const bool keepView = std::exchange(m_keepView, false);
    const QTransform transform = m_view->transform();
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    m_scene->setGraph(bounded.graph, layout);
    m_stack->setCurrentWidget(m_view);
    if (keepView) {
        m_view->setTransform(transform);
        m_view->centerOn(centre);
    } else {
        m_view->resetTransform();
        m_view->fitGraph();
    }
    if (!keepView && m_view->zoom() < kReadableZoom) {
        // Too big to read whole: start readable at the centre node; Fit shows everything.
        m_view->setTransform(QTransform::fromScale(0.8, 0.8));
        if (QGraphicsItem *root = m_scene->nodeItem(bounded.graph.root))
            m_view->centerOn(root);
    }
    const QString reach = overviewModel.isEmpty() ? tr("up to %n hops", nullptr, bounded.graph.maxDepth)
                                                  : tr("every version of %1").arg(overviewModel);
    QString status = tr("%n nodes", nullptr, int(bounded.graph.nodes.size())) + QStringLiteral(", ") +
                     tr("%n edges", nullptr, int(bounded.graph.edges.size())) + QStringLiteral(" · ") + reach +
                     QStringLiteral(" · ") + tr("laid out in %1 ms").arg(layout.elapsedMs);
    if (!overviewModel.isEmpty() && bounded.graph.truncated)
        status += QStringLiteral(" · ") + tr("more lineage than %1 nodes: the nearest hops and the newest versions "
                                             "are shown; open a version's own lineage for the rest")
                                              .arg(Registry::kMaxOverviewNodes);
    else if (bounded.omitted > 0)
        status += QStringLiteral(" · ") + tr("%1 more nodes not shown (at most %2, nearest hops first); lower the "
                                             "depth or re-centre on a node")
                                              .arg(bounded.omitted)
                                              .arg(kMaxNodes);
    else if (bounded.graph.truncated)
        status += QStringLiteral(" · ") + tr("more lineage lies beyond this depth");
    m_status->setText(status);
    showNodeDetails(bounded.graph.root);
    emit graphShown();
    if (impactMode()) {
        const qint64 pick =
            m_pendingImpact != 0 && m_scene->hasNode(m_pendingImpact) ? m_pendingImpact : bounded.graph.root;
        pickImpactNode(pick);
    }
}

void LineageView::pickImpactNode(qint64 id)
{
    m_pendingImpact = id;
    const QString what = m_scene->hasNode(id) ? m_scene->node(id).spec() : QString::number(id);
    m_impactSummary->setText(tr("Finding everything derived from %1…").arg(what.toHtmlEscaped()));
    m_loader->loadImpact(id);
}

void LineageView::onImpact(const ImpactReport &report, const QSet<qint64> &downstream)
{
    if (!impactMode())
        return;
    m_scene->setImpact(report.root.id, downstream);
    int shown = 0;
    for (qint64 id : downstream)
        shown += m_scene->hasNode(id) ? 1 : 0;
    QString summary = tr("<b>Impact of %1</b><br>%2 affected versions, <b style='color:#b2182b'>%3 in "
                         "Production</b>, <b style='color:#b2182b'>%4 deployments</b>. %5 of %6 downstream nodes are "
                         "in this graph.")
                          .arg(report.root.spec().toHtmlEscaped())
                          .arg(report.versions.size())
                          .arg(report.production.size())
                          .arg(report.deployments.size())
                          .arg(shown)
                          .arg(downstream.size());
    if (report.truncated)
        summary += QStringLiteral(" ") + tr("More lies beyond %n hops.", nullptr, report.maxDepth);
    m_impactSummary->setText(summary);

    m_impactList->clear();
    auto header = [&](const QString &text) {
        auto *item = new QListWidgetItem(text, m_impactList);
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
        item->setFlags(Qt::ItemIsEnabled);
    };
    auto entry = [&](const QString &text, const QString &spec, const QColor &colour) {
        auto *item = new QListWidgetItem(QStringLiteral("  ") + text, m_impactList);
        item->setData(kSpecRole, spec);
        item->setToolTip(spec);
        if (colour.isValid())
            item->setForeground(colour);
    };
    const QColor emphasis(0xb2, 0x18, 0x2b);
    header(tr("In Production (%1)").arg(report.production.size()));
    for (const LineageNode &n : report.production)
        entry(n.name + QStringLiteral(" v") + n.version, n.spec(), emphasis);
    header(tr("Deployed services (%1)").arg(report.deployments.size()));
    for (const Deployment &d : report.deployments)
        entry(tr("%1 (%2) runs %3 v%4").arg(d.service, d.environment, d.modelName).arg(d.version),
              QStringLiteral("deployment:%1@%2").arg(d.service, d.environment), emphasis);
    const qsizetype others = report.versions.size() - report.production.size();
    header(tr("Other affected versions (%1)").arg(others));
    for (const LineageNode &n : report.versions)
        if (n.stage != Stage::Production)
            entry(n.name + QStringLiteral(" v") + n.version + QStringLiteral(" · ") + stageName(n.stage), n.spec(), {});
    emit impactShown();
}

void LineageView::openListItem(QListWidgetItem *item)
{
    const QString spec = item->data(kSpecRole).toString();
    if (spec.isEmpty())
        return;
    openNode(spec);
    if (spec.startsWith(QLatin1String("model:"))) {
        const qsizetype at = spec.lastIndexOf(QLatin1Char('@'));
        emit versionRequested(spec.mid(6, at - 6), spec.mid(at + 1).toInt());
    }
}

void LineageView::showPlaceholder(const QString &text)
{
    m_placeholder->setText(text);
    m_stack->setCurrentWidget(m_placeholder);
}

void LineageView::showNodeDetails(qint64 id)
{
    if (!m_scene->hasNode(id))
        return;
    const LineageNode n = m_scene->node(id);
    QString html = QStringLiteral("<p><b>%1</b><br><span style='color:#555'>%2</span></p><table>")
                       .arg(lineageNodeTitle(n).toHtmlEscaped(), LineageScene::kindLabel(n.kind).toHtmlEscaped());
    auto row = [&](const QString &key, const QString &value) {
        if (!value.isEmpty())
            html += QStringLiteral("<tr><td style='color:#555;padding-right:8px'>%1</td><td>%2</td></tr>")
                        .arg(key.toHtmlEscaped(), value.toHtmlEscaped());
    };
    row(tr("Node"), n.spec());
    row(tr("Name"), n.name);
    row(n.kind == LineageKind::Deployment ? tr("Environment") : tr("Version"), n.version);
    if (n.isModelVersion())
        row(tr("Stage"), stageName(n.stage));
    row(tr("Hops from centre"), QString::number(n.depth));
    int in = 0;
    int out = 0;
    for (const LineageEdge &e : m_scene->graph().edges) {
        in += e.dst == id ? 1 : 0;
        out += e.src == id ? 1 : 0;
    }
    row(tr("Inputs shown"), QString::number(in));
    row(tr("Derived shown"), QString::number(out));
    html += QStringLiteral("</table><p style='color:#555'>") + tr("Double-click the node to centre the graph on it.") +
            QStringLiteral("</p>");
    m_details->setText(html);
}

void LineageView::renderTo(QPainter *painter, const QRectF &target)
{
    // Export what is drawn, without the selection outline.
    const QList<QGraphicsItem *> selected = m_scene->selectedItems();
    const QSignalBlocker block(m_scene);
    m_scene->clearSelection();
    painter->setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    m_scene->render(painter, target, m_scene->sceneRect());
    for (QGraphicsItem *item : selected)
        item->setSelected(true);
}

bool LineageView::exportSvg(const QString &path, QString *error)
{
    if (m_scene->nodeIds().isEmpty()) {
        if (error)
            *error = tr("There is no graph to export.");
        return false;
    }
    const QRectF rect = m_scene->sceneRect();
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(rect.size().toSize());
    svg.setViewBox(QRectF(QPointF(), rect.size()));
    svg.setTitle(tr("Lineage of %1").arg(m_spec));
    svg.setDescription(tr("Exported by ModelDesk"));
    {
        QPainter painter;
        if (!painter.begin(&svg)) {
            if (error)
                *error = tr("Cannot write %1.").arg(path);
            return false;
        }
        painter.fillRect(QRectF(QPointF(), rect.size()), Qt::white);
        renderTo(&painter, QRectF(QPointF(), rect.size()));
    }
    if (QFileInfo(path).size() == 0) {
        if (error)
            *error = tr("Cannot write %1.").arg(path);
        return false;
    }
    return true;
}

bool LineageView::exportPng(const QString &path, QString *error)
{
    if (m_scene->nodeIds().isEmpty()) {
        if (error)
            *error = tr("There is no graph to export.");
        return false;
    }
    const QRectF rect = m_scene->sceneRect();
    const double scale = std::min(kPngScale, kMaxPngSide / std::max(rect.width(), rect.height()));
    QImage image((rect.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        renderTo(&painter, QRectF(QPointF(), QSizeF(image.size())));
    }
    if (!image.save(path, "PNG")) {
        if (error)
            *error = tr("Cannot write %1.").arg(path);
        return false;
    }
    return true;
}

void LineageView::exportDialog()
{
    if (m_scene->nodeIds().isEmpty())
        return;
    QString name = m_spec;
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export lineage graph"), name + QStringLiteral(".svg"),
                                                      tr("SVG image (*.svg);;PNG image (*.png)"), &filter);
    if (path.isEmpty())
        return;
    QString error;
    const bool png = path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive);
    if (!(png ? exportPng(path, &error) : exportSvg(path, &error)))
        QMessageBox::warning(this, tr("Export lineage graph"), error);
}

} // namespace md
