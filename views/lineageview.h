#pragma once

#include "lineagelayout.h"
#include "registry/types.h"

#include <QGraphicsView>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QSpinBox;
class QStackedWidget;
class QToolButton;

namespace md {

class LineageLoader;
class LineageScene;
class RegistryClient;

// The canvas: wheel zooms (at the cursor), dragging the background pans, double-click re-centres.
class LineageGraphicsView final : public QGraphicsView
{
    Q_OBJECT
public:
    explicit LineageGraphicsView(LineageScene *scene, QWidget *parent = nullptr);
    void zoomBy(double factor);
    void fitGraph();
    double zoom() const { return transform().m11(); }

signals:
    void nodeDoubleClicked(qint64 id);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;

private:
    LineageScene *m_scene;
};

// The Lineage tab: the neighbourhood of a version or any lineage node within 1..N hops, laid out by
// Graphviz dot on a worker thread, with details of the selected node, impact mode, and export.
//
// Threading: layout runs in QtConcurrent; each request bumps a generation counter and a finished layout
// whose generation is no longer current is dropped. The scene is only touched on the GUI thread.
class LineageView final : public QWidget
{
    Q_OBJECT
public:
    // Neighbourhoods larger than this are cut to the nearest hops (and the view says so).
    static constexpr int kMaxNodes = 300;
    // Hops upstream and downstream shown when the tab opens (the depth box starts here).
    static constexpr int kDefaultDepth = 3;

    explicit LineageView(QWidget *parent = nullptr);
    ~LineageView() override;
    void setClient(RegistryClient *client);

    // Shows the lineage of a model version; loads only while the view is visible.
    void showVersion(const QString &modelName, int version);
    // Opens any lineage node by spec, e.g. "pipeline:fraud-features@2.3".
    void openNode(const QString &spec);
    void setDepth(int depth);
    int depth() const;
    void setImpactMode(bool on);
    bool impactMode() const;
    // Whole-model mode: the lineage of every version of the shown version's model (Registry::lineageOverview, up
    // to Registry::kMaxOverviewNodes nodes, no hop limit) in columns (layoutLineageOverview) instead of dot.
    void setOverview(bool on);
    bool overview() const;
    // Impact mode: highlights everything downstream of the node and lists what is affected.
    void pickImpactNode(qint64 id);
    void clear();
    // Loads the graph (and the impact) shown now again, keeping the view's position: after a change in the registry.
    void refresh();

    // Export of the whole graph (not only the visible part).
    bool exportSvg(const QString &path, QString *error = nullptr);
    bool exportPng(const QString &path, QString *error = nullptr);

    // For tests and the screenshot tool.
    LineageScene *scene() const { return m_scene; }
    LineageGraphicsView *graphicsView() const { return m_view; }
    QSpinBox *depthSpin() const { return m_depth; }
    QListWidget *impactList() const { return m_impactList; }
    QLabel *impactSummary() const { return m_impactSummary; }
    QLabel *statusLabel() const { return m_status; }
    QToolButton *overviewButton() const { return m_overviewButton; }
    QLabel *placeholder() const { return m_placeholder; }
    QLabel *detailsLabel() const { return m_details; }
    QString currentSpec() const { return m_spec; }
    bool isBusy() const { return m_busy; }

signals:
    void graphShown();
    void impactShown();
    void failed(const QString &message);
    // A model version was double-clicked in a list (the main window can select it).
    void versionRequested(const QString &modelName, int version);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void reload();
    void onNeighbourhood(const LineageGraph &graph);
    void onLayout(quint64 generation, const BoundedLineage &bounded, const LineageLayout &layout,
                  const QString &overviewModel);
    void updateOverviewButton();
    void onImpact(const ImpactReport &report, const QSet<qint64> &downstream);
    void showPlaceholder(const QString &text);
    void showNodeDetails(qint64 id);
    void recentre(qint64 id);
    void exportDialog();
    void openListItem(QListWidgetItem *item);
    void renderTo(QPainter *painter, const QRectF &target);

    LineageLoader *m_loader;
    LineageScene *m_scene;
    LineageGraphicsView *m_view;
    QStackedWidget *m_stack;
    QLabel *m_placeholder;
    QSpinBox *m_depth;
    QToolButton *m_impactButton;
    QToolButton *m_overviewButton;
    QLineEdit *m_nodeEdit;
    QLabel *m_status;
    QLabel *m_details;
    QLabel *m_impactSummary;
    QListWidget *m_impactList;
    QString m_spec;          // what is shown (or to show): a node spec
    qint64 m_nodeId = 0;     // set when re-centred on a node by id
    QString m_overviewModel; // the model whose whole lineage was asked for last (empty: a neighbourhood)
    bool m_keepView = false; // the next layout keeps the view's zoom and centre (a refresh)
    bool m_dirty = false;    // a request waits for the view to become visible
    bool m_busy = false;
    quint64 m_layoutGeneration = 0;
    qint64 m_pendingImpact = 0;
    int m_omitted = 0;
};

} // namespace md
