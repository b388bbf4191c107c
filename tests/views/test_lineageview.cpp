// The lineage graph: Graphviz layout as pure computation, and the LineageView driven offscreen against a
// real registry on both dialects (scene contents for diamonds and cycles, depth control, impact mode,
// re-centring, export).

#include "items/registryclient.h"
#include "registry/validation.h"
#include "testdb.h"
#include "views/lineagelayout.h"
#include "views/lineagescene.h"
#include "views/lineageview.h"
#include "views/mainwindow.h"

#include <QFile>
#include <QGraphicsItem>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSvgRenderer>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <QToolButton>

#include <random>

using namespace md;
using namespace md::test;

namespace {

LineageNode makeNode(qint64 id, LineageKind kind, const QString &name, int depth)
{
    LineageNode n;
    n.id = id;
    n.kind = kind;
    n.name = name;
    n.version = QStringLiteral("1");
    n.depth = depth;
    return n;
}

// s -> a, s -> b, a -> c, b -> c (a diamond), c -> m (a model version) -> d (a deployment).
LineageGraph diamond()
{
    LineageGraph g;
    g.root = 1;
    g.maxDepth = 4;
    g.nodes = {makeNode(1, LineageKind::DataSource, QStringLiteral("s"), 0),
               makeNode(2, LineageKind::DatasetVersion, QStringLiteral("a"), 1),
               makeNode(3, LineageKind::DatasetVersion, QStringLiteral("b"), 1),
               makeNode(4, LineageKind::FeaturePipelineVersion, QStringLiteral("c"), 2),
               makeNode(5, LineageKind::ModelVersion, QStringLiteral("m"), 3),
               makeNode(6, LineageKind::Deployment, QStringLiteral("d"), 4)};
    g.nodes[4].stage = Stage::Production;
    g.edges = {{1, 2, QStringLiteral("derived_from")}, {1, 3, QStringLiteral("derived_from")},
               {2, 4, QStringLiteral("derived_from")}, {3, 4, QStringLiteral("derived_from")},
               {4, 5, QStringLiteral("uses")},         {5, 6, QStringLiteral("deployed_as")}};
    return g;
}

} // namespace

TEST(LineageLayout, DotPlacesNodesWithoutOverlapAndSourcesFirst)
{
    const LineageGraph g = diamond();
    const LineageLayout layout = layoutLineage(g);
    ASSERT_TRUE(layout.error.isEmpty()) << layout.error.toStdString();
    ASSERT_EQ(layout.nodes.size(), g.nodes.size());
    ASSERT_EQ(layout.edges.size(), g.edges.size());
    QHash<qint64, QRectF> rect;
    for (const LineageNodeBox &b : layout.nodes) {
        EXPECT_TRUE(layout.bounds.adjusted(-1, -1, 1, 1).contains(b.rect)) << b.id;
        rect.insert(b.id, b.rect);
    }
    for (const LineageNodeBox &a : layout.nodes)
        for (const LineageNodeBox &b : layout.nodes)
            if (a.id < b.id) {
                EXPECT_FALSE(a.rect.intersects(b.rect)) << a.id << " overlaps " << b.id;
            }
    for (const LineageEdgePath &e : layout.edges) {
        // Left to right: every edge of this acyclic graph points rightwards, and its spline starts at
        // the source node and its arrow ends on the target node.
        EXPECT_LT(rect[e.src].center().x(), rect[e.dst].center().x());
        EXPECT_FALSE(e.path.isEmpty());
        EXPECT_LT(QLineF(e.arrowTip, rect[e.dst].center()).length(), rect[e.dst].width());
        EXPECT_LT(QLineF(e.path.pointAtPercent(0), rect[e.src].center()).length(), rect[e.src].width());
    }
    // The two branches of the diamond are side by side, not on top of each other.
    EXPECT_NEAR(rect[2].center().x(), rect[3].center().x(), 1.0);
    EXPECT_GT(std::abs(rect[2].center().y() - rect[3].center().y()), rect[2].height());
}

TEST(LineageLayout, BoundingKeepsTheNearestHopsAndTheirEdges)
{
    const LineageGraph g = diamond();
    const BoundedLineage all = boundLineage(g, 10);
    EXPECT_EQ(all.omitted, 0);
    EXPECT_EQ(all.graph.nodes.size(), 6);
    const BoundedLineage cut = boundLineage(g, 3);
    EXPECT_EQ(cut.omitted, 3);
    EXPECT_TRUE(cut.graph.truncated);
    QSet<qint64> ids;
    for (const LineageNode &n : cut.graph.nodes)
        ids.insert(n.id);
    EXPECT_EQ(ids, (QSet<qint64>{1, 2, 3}));
    EXPECT_EQ(cut.graph.edges.size(), 2); // s->a, s->b; edges to dropped nodes go too
}

TEST(LineageLayout, CyclesLayOut)
{
    LineageGraph g;
    g.root = 1;
    g.nodes = {makeNode(1, LineageKind::DatasetVersion, QStringLiteral("x"), 0),
               makeNode(2, LineageKind::DatasetVersion, QStringLiteral("y"), 1),
               makeNode(3, LineageKind::DatasetVersion, QStringLiteral("z"), 1)};
    g.edges = {{1, 2, QStringLiteral("derived_from")},
               {2, 3, QStringLiteral("derived_from")},
               {3, 1, QStringLiteral("derived_from")}};
    const LineageLayout layout = layoutLineage(g);
    ASSERT_TRUE(layout.error.isEmpty());
    EXPECT_EQ(layout.nodes.size(), 3);
    EXPECT_EQ(layout.edges.size(), 3);
    for (const LineageEdgePath &e : layout.edges)
        EXPECT_FALSE(e.path.isEmpty());
}

namespace {

// A model of `versions` versions with the lineage real ones have (as bench_lineage_graph's overview): dataset versions
// from sources, pipelines, commits, fine-tuning between versions, deployments and downstream models.
LineageGraph modelLineage(int versions, unsigned seed = 7)
{
    LineageGraph g;
    qint64 next = 1;
    auto add = [&](LineageKind kind, const QString &name, const QString &version, int depth) {
        g.nodes << LineageNode{next, kind, name, version, depth};
        return next++;
    };
    std::mt19937 rng(seed);
    auto pick = [&](const QList<qint64> &from) { return from[int(rng() % from.size())]; };
    QList<qint64> datasets, pipelines, commits, model;
    for (int s = 0; s < 8; ++s) {
        const qint64 source = add(LineageKind::DataSource, QStringLiteral("source-%1").arg(s), {}, 2);
        for (int v = 0; v < 5; ++v) {
            datasets << add(LineageKind::DatasetVersion, QStringLiteral("data-%1").arg(s), QString::number(v), 1);
            g.edges << LineageEdge{source, datasets.last(), QStringLiteral("derived_from")};
        }
    }
    for (int p = 0; p < 10; ++p)
        pipelines << add(LineageKind::FeaturePipelineVersion, QStringLiteral("features"), QString::number(p), 1);
    for (int c = 0; c < 40; ++c)
        commits << add(LineageKind::CodeCommit, QStringLiteral("%1").arg(c, 12, 16, QLatin1Char('0')), {}, 1);
    for (int v = 1; v <= versions; ++v) {
        const qint64 id = add(LineageKind::ModelVersion, QStringLiteral("team/fraud"), QString::number(v), 0);
        g.edges << LineageEdge{pick(datasets), id, QStringLiteral("trained_on")}
                << LineageEdge{pick(pipelines), id, QStringLiteral("uses")}
                << LineageEdge{pick(commits), id, QStringLiteral("uses")};
        if (!model.isEmpty() && rng() % 3 == 0)
            g.edges << LineageEdge{pick(model), id, QStringLiteral("derived_from")};
        model << id;
    }
    for (int d = 0; d < versions / 10 + 1; ++d) {
        const qint64 deployment =
            add(LineageKind::Deployment, QStringLiteral("api-%1").arg(d), QStringLiteral("prod"), 1);
        g.edges << LineageEdge{pick(model), deployment, QStringLiteral("deployed_as")};
        const qint64 downstream =
            add(LineageKind::ModelVersion, QStringLiteral("team/ranker"), QString::number(d + 1), 1);
        g.edges << LineageEdge{pick(model), downstream, QStringLiteral("derived_from")};
        g.edges << LineageEdge{downstream, add(LineageKind::Deployment, QStringLiteral("rank-%1").arg(d), {}, 2),
                               QStringLiteral("deployed_as")};
    }
    g.root = model.last();
    return g;
}

} // namespace

TEST(LineageLayout, OverviewPutsTheVersionsInOneColumnUpstreamLeftDownstreamRight)
{
    const LineageGraph g = modelLineage(1500);
    ASSERT_GE(g.nodes.size(), 1800);
    const LineageLayout layout = layoutLineageOverview(g, QStringLiteral("team/fraud"), QFont());
    ASSERT_TRUE(layout.error.isEmpty());
    ASSERT_EQ(layout.nodes.size(), g.nodes.size());
    ASSERT_EQ(layout.edges.size(), g.edges.size());
    QHash<qint64, QRectF> rect;
    for (const LineageNodeBox &b : layout.nodes) {
        EXPECT_TRUE(layout.bounds.contains(b.rect)) << b.id;
        rect.insert(b.id, b.rect);
    }
    QHash<qint64, const LineageNode *> node;
    for (const LineageNode &n : g.nodes)
        node.insert(n.id, &n);
    auto isVersion = [&](qint64 id) { return node[id]->name == QLatin1String("team/fraud"); };
    // The versions: one column, newest on top, none overlapping.
    const double column = rect[g.root].center().x();
    double previousTop = -1;
    for (int v = 1500; v >= 1; --v) {
        const auto it = std::find_if(g.nodes.cbegin(), g.nodes.cend(), [&](const LineageNode &n) {
            return n.name == QLatin1String("team/fraud") && n.version == QString::number(v);
        });
        const QRectF &r = rect[it->id];
        EXPECT_NEAR(r.center().x(), column, 0.5);
        EXPECT_GT(r.top(), previousTop) << "version " << v;
        previousTop = r.bottom();
    }
    // Nothing overlaps anything (nodes of one column are compared; columns are apart by construction).
    QMap<double, QList<QRectF>> byColumn;
    for (const LineageNodeBox &b : layout.nodes)
        byColumn[std::round(b.rect.center().x())] << b.rect;
    for (const QList<QRectF> &c : std::as_const(byColumn)) {
        QList<QRectF> sorted = c;
        std::sort(sorted.begin(), sorted.end(), [](const QRectF &a, const QRectF &b) { return a.top() < b.top(); });
        for (qsizetype i = 1; i < sorted.size(); ++i)
            EXPECT_GT(sorted[i].top(), sorted[i - 1].bottom());
    }
    for (auto it = byColumn.cbegin(); it != byColumn.cend(); ++it)
        for (auto jt = std::next(it); jt != byColumn.cend(); ++jt)
            EXPECT_FALSE(it.value().first().intersects(jt.value().first()));
    // Upstream of the versions on the left, downstream on the right; every edge between columns goes rightwards,
    // one between two versions is an arc beside the column; every path starts at its source and ends at the arrow.
    for (const LineageEdgePath &e : layout.edges) {
        EXPECT_FALSE(e.path.isEmpty());
        EXPECT_LT(QLineF(e.path.pointAtPercent(0), rect[e.src].center()).length(), rect[e.src].width());
        EXPECT_LT(QLineF(e.path.pointAtPercent(1), e.arrowBase).length(), 0.5);
        EXPECT_LT(QLineF(e.arrowTip, rect[e.dst].center()).length(), rect[e.dst].width());
        if (isVersion(e.src) && isVersion(e.dst)) {
            EXPECT_GT(e.path.boundingRect().right(), rect[e.src].right());
            continue;
        }
        EXPECT_LT(rect[e.src].right(), rect[e.dst].left()) << e.src << " -> " << e.dst;
        if (isVersion(e.dst)) {
            EXPECT_LT(rect[e.src].center().x(), column);
        }
        if (isVersion(e.src)) {
            EXPECT_GT(rect[e.dst].center().x(), column);
        }
    }
    // A dataset version sits next to the versions trained on it: the upstream column is not one long stack in
    // creation order (each dataset's mean neighbour height is within the span of the versions).
    EXPECT_LT(layout.bounds.height(), 1.3 * (rect[g.root].height() + 12) * 1500 + 200);
}

TEST(LineageLayout, OverviewOfACycleAndOfALoneVersion)
{
    LineageGraph g;
    g.root = 1;
    g.nodes = {LineageNode{1, LineageKind::ModelVersion, QStringLiteral("m"), QStringLiteral("2"), 0},
               LineageNode{2, LineageKind::ModelVersion, QStringLiteral("m"), QStringLiteral("1"), 0},
               LineageNode{3, LineageKind::DatasetVersion, QStringLiteral("x"), QStringLiteral("1"), 1},
               LineageNode{4, LineageKind::DatasetVersion, QStringLiteral("y"), QStringLiteral("1"), 1}};
    // m@2 -> x -> y -> m@2 (a cycle through the column), m@1 -> m@2.
    g.edges = {{1, 3, QStringLiteral("derived_from")},
               {3, 4, QStringLiteral("derived_from")},
               {4, 1, QStringLiteral("derived_from")},
               {2, 1, QStringLiteral("derived_from")}};
    const LineageLayout layout = layoutLineageOverview(g, QStringLiteral("m"), QFont());
    ASSERT_EQ(layout.nodes.size(), 4);
    ASSERT_EQ(layout.edges.size(), 4);
    QHash<qint64, QRectF> rect;
    for (const LineageNodeBox &b : layout.nodes)
        rect.insert(b.id, b.rect);
    // The two versions share a column, m@2 above m@1; every edge runs from its source to an arrow on its target.
    EXPECT_NEAR(rect[1].center().x(), rect[2].center().x(), 0.5);
    EXPECT_LT(rect[1].bottom(), rect[2].top());
    for (const LineageEdgePath &e : layout.edges) {
        EXPECT_LT(QLineF(e.path.pointAtPercent(0), rect[e.src].center()).length(), rect[e.src].width()) << e.src;
        EXPECT_LT(QLineF(e.path.pointAtPercent(1), e.arrowBase).length(), 0.5) << e.src;
        EXPECT_LT(QLineF(e.arrowTip, rect[e.dst].center()).length(), rect[e.dst].width()) << e.dst;
    }
    LineageGraph lone;
    lone.root = 1;
    lone.nodes = {g.nodes.first()};
    const LineageLayout one = layoutLineageOverview(lone, QStringLiteral("m"), QFont());
    ASSERT_EQ(one.nodes.size(), 1);
    EXPECT_TRUE(one.bounds.contains(one.nodes.first().rect));
}

class LineageViewTest : public ::testing::TestWithParam<Backend>
{
protected:
    void SetUp() override
    {
        db = std::make_unique<TestDatabase>(GetParam());
        ASSERT_TRUE(db->ready()) << db->error().toStdString();
        registry = db->open();
        ASSERT_TRUE(registry);
    }
    void TearDown() override
    {
        view.reset();
        client.reset(); // closes the worker's connection before the database is dropped
        registry.reset();
        db.reset();
    }

    void openView()
    {
        client = std::make_unique<RegistryClient>();
        QSignalSpy opened(client.get(), &RegistryClient::opened);
        client->open(db->url(), Registry::Open::ExistingOnly);
        ASSERT_TRUE(opened.wait(15000));
        view = std::make_unique<LineageView>();
        view->setClient(client.get());
        view->resize(1100, 650);
        view->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(view.get()));
    }

    // Opens a node and waits until its graph is in the scene; the placeholder shows meanwhile.
    void showNode(const QString &spec)
    {
        QSignalSpy shown(view.get(), &LineageView::graphShown);
        view->openNode(spec);
        EXPECT_TRUE(view->placeholder()->isVisible());
        EXPECT_TRUE(view->isBusy());
        ASSERT_TRUE(shown.wait(30000)) << view->placeholder()->text().toStdString();
        EXPECT_FALSE(view->placeholder()->isVisible());
        EXPECT_TRUE(view->graphicsView()->isVisible());
    }

    qint64 id(const QString &spec)
    {
        auto n = registry->lineageNode(spec);
        EXPECT_TRUE(n) << spec.toStdString();
        return n ? n->id : 0;
    }
    QSet<qint64> ids(const QStringList &specs)
    {
        QSet<qint64> out;
        for (const QString &s : specs)
            out.insert(id(s));
        return out;
    }
    QString edge(const QString &src, const QString &dst) { return QStringLiteral("%1>%2").arg(id(src)).arg(id(dst)); }
    void addNodes(const QStringList &specs)
    {
        for (const QString &s : specs)
            ASSERT_TRUE(registry->addLineageNode(s)) << s.toStdString();
    }
    void addEdge(const QString &src, const QString &dst)
    {
        ASSERT_TRUE(registry->addLineageEdge(src, dst, QStringLiteral("derived_from")));
    }
    QPoint viewPos(qint64 node)
    {
        QGraphicsItem *item = view->scene()->nodeItem(node);
        EXPECT_TRUE(item);
        if (!item)
            return {};
        view->graphicsView()->centerOn(item);
        return view->graphicsView()->mapFromScene(item->sceneBoundingRect().center());
    }

    // source:s -> a, b -> c (a diamond), c -> p -> q -> r -> p (a cycle).
    void diamondAndCycle()
    {
        addNodes({QStringLiteral("source:s"), QStringLiteral("dataset:a@1"), QStringLiteral("dataset:b@1"),
                  QStringLiteral("dataset:c@1"), QStringLiteral("pipeline:p@1"), QStringLiteral("pipeline:q@1"),
                  QStringLiteral("pipeline:r@1")});
        addEdge(QStringLiteral("source:s"), QStringLiteral("dataset:a@1"));
        addEdge(QStringLiteral("source:s"), QStringLiteral("dataset:b@1"));
        addEdge(QStringLiteral("dataset:a@1"), QStringLiteral("dataset:c@1"));
        addEdge(QStringLiteral("dataset:b@1"), QStringLiteral("dataset:c@1"));
        addEdge(QStringLiteral("dataset:c@1"), QStringLiteral("pipeline:p@1"));
        addEdge(QStringLiteral("pipeline:p@1"), QStringLiteral("pipeline:q@1"));
        addEdge(QStringLiteral("pipeline:q@1"), QStringLiteral("pipeline:r@1"));
        addEdge(QStringLiteral("pipeline:r@1"), QStringLiteral("pipeline:p@1"));
    }

    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
    std::unique_ptr<RegistryClient> client;
    std::unique_ptr<LineageView> view;
};
MD_INSTANTIATE_BOTH(LineageViewTest);

TEST_P(LineageViewTest, SceneHoldsExactlyTheDiamondAndTheCycle)
{
    diamondAndCycle();
    openView();
    view->setDepth(10);
    showNode(QStringLiteral("source:s"));
    EXPECT_EQ(view->scene()->nodeIds(),
              ids({QStringLiteral("source:s"), QStringLiteral("dataset:a@1"), QStringLiteral("dataset:b@1"),
                   QStringLiteral("dataset:c@1"), QStringLiteral("pipeline:p@1"), QStringLiteral("pipeline:q@1"),
                   QStringLiteral("pipeline:r@1")}));
    EXPECT_EQ(view->scene()->edgeKeys(),
              (QSet<QString>{edge(QStringLiteral("source:s"), QStringLiteral("dataset:a@1")),
                             edge(QStringLiteral("source:s"), QStringLiteral("dataset:b@1")),
                             edge(QStringLiteral("dataset:a@1"), QStringLiteral("dataset:c@1")),
                             edge(QStringLiteral("dataset:b@1"), QStringLiteral("dataset:c@1")),
                             edge(QStringLiteral("dataset:c@1"), QStringLiteral("pipeline:p@1")),
                             edge(QStringLiteral("pipeline:p@1"), QStringLiteral("pipeline:q@1")),
                             edge(QStringLiteral("pipeline:q@1"), QStringLiteral("pipeline:r@1")),
                             edge(QStringLiteral("pipeline:r@1"), QStringLiteral("pipeline:p@1"))}));
    EXPECT_TRUE(view->statusLabel()->text().contains(QStringLiteral("7 nodes")));

    // Click a node: it is selected and its details are shown.
    QTest::mouseClick(view->graphicsView()->viewport(), Qt::LeftButton, {}, viewPos(id(QStringLiteral("dataset:c@1"))));
    EXPECT_EQ(view->scene()->selectedNode(), id(QStringLiteral("dataset:c@1")));
    EXPECT_TRUE(view->detailsLabel()->text().contains(QStringLiteral("dataset:c@1")));

    // One hop around the source, then double-click a to re-centre on it.
    view->setDepth(1);
    QSignalSpy shown(view.get(), &LineageView::graphShown);
    ASSERT_TRUE(shown.wait(30000));
    EXPECT_EQ(view->scene()->nodeIds(),
              ids({QStringLiteral("dataset:a@1"), QStringLiteral("dataset:b@1"), QStringLiteral("source:s")}));
    const QPoint a = viewPos(id(QStringLiteral("dataset:a@1")));
    QTest::mouseDClick(view->graphicsView()->viewport(), Qt::LeftButton, {}, a);
    ASSERT_TRUE(shown.wait(30000));
    EXPECT_EQ(view->currentSpec(), QStringLiteral("dataset:a@1"));
    EXPECT_EQ(view->scene()->nodeIds(),
              ids({QStringLiteral("source:s"), QStringLiteral("dataset:a@1"), QStringLiteral("dataset:c@1")}));
}

TEST_P(LineageViewTest, DepthControlChangesTheNodeSet)
{
    diamondAndCycle();
    openView();
    view->setDepth(1);
    showNode(QStringLiteral("dataset:c@1"));
    EXPECT_EQ(view->scene()->nodeIds(), ids({QStringLiteral("dataset:c@1"), QStringLiteral("dataset:a@1"),
                                             QStringLiteral("dataset:b@1"), QStringLiteral("pipeline:p@1")}));
    EXPECT_EQ(view->scene()->edgeKeys().size(), 3);

    // Step the spin box up with the keyboard: two hops reach the source and q.
    QSignalSpy shown(view.get(), &LineageView::graphShown);
    view->depthSpin()->setFocus();
    QTest::keyClick(view->depthSpin(), Qt::Key_Up);
    EXPECT_EQ(view->depth(), 2);
    ASSERT_TRUE(shown.wait(30000));
    EXPECT_EQ(view->scene()->nodeIds(),
              ids({QStringLiteral("dataset:c@1"), QStringLiteral("dataset:a@1"), QStringLiteral("dataset:b@1"),
                   QStringLiteral("pipeline:p@1"), QStringLiteral("source:s"), QStringLiteral("pipeline:q@1")}));
    EXPECT_TRUE(view->statusLabel()->text().contains(QStringLiteral("beyond this depth")));
}

TEST_P(LineageViewTest, ImpactModeHighlightsExactlyTheDownstreamSet)
{
    auto alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
    auto rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
    auto dave = db->openAs(QStringLiteral("dave"), QStringLiteral("deployer"));
    ASSERT_TRUE(alice && rita && dave);
    auto make = [&](const QString &model, const QString &pipeline) {
        VersionSpec s = sampleSpec(model);
        s.inputs << *parseInputSpec(pipeline);
        ASSERT_TRUE(alice->registerVersion(s));
    };
    make(QStringLiteral("fraud"), QStringLiteral("pipeline:features@2.3"));
    make(QStringLiteral("fraud"), QStringLiteral("pipeline:features@2.4"));
    make(QStringLiteral("ranker"), QStringLiteral("pipeline:features@2.3"));
    ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), 1, Stage::Staging, {}));
    auto req = alice->requestPromotion(QStringLiteral("fraud"), 1, Stage::Production, QStringLiteral("go"));
    ASSERT_TRUE(req);
    ASSERT_TRUE(rita->decide(req->id, true, QStringLiteral("ok"), {}));
    ASSERT_TRUE(
        dave->reportDeployment(QStringLiteral("fraud-api"), QStringLiteral("prod-eu"), QStringLiteral("fraud"), 1));

    openView();
    view->setDepth(3);
    showNode(QStringLiteral("pipeline-family:features"));
    const QSet<qint64> all =
        ids({QStringLiteral("pipeline-family:features"), QStringLiteral("pipeline:features@2.3"),
             QStringLiteral("pipeline:features@2.4"), QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"),
             QStringLiteral("model:ranker@1"), QStringLiteral("deployment:fraud-api@prod-eu")});
    EXPECT_EQ(view->scene()->nodeIds(), all);
    EXPECT_TRUE(view->scene()->highlightedNodes().isEmpty());

    // Impact mode on, then pick pipeline v2.3 with the mouse.
    view->setImpactMode(true);
    QSignalSpy impact(view.get(), &LineageView::impactShown);
    ASSERT_TRUE(impact.wait(15000)); // the centre node's impact first
    QTest::mouseClick(view->graphicsView()->viewport(), Qt::LeftButton, {},
                      viewPos(id(QStringLiteral("pipeline:features@2.3"))));
    ASSERT_TRUE(impact.wait(15000));
    const QSet<qint64> downstream =
        ids({QStringLiteral("pipeline:features@2.3"), QStringLiteral("model:fraud@1"), QStringLiteral("model:ranker@1"),
             QStringLiteral("deployment:fraud-api@prod-eu")});
    EXPECT_EQ(view->scene()->highlightedNodes(), downstream);
    EXPECT_EQ(view->scene()->emphasisedNodes(),
              ids({QStringLiteral("model:fraud@1"), QStringLiteral("deployment:fraud-api@prod-eu")}));
    EXPECT_EQ(view->scene()->mark(id(QStringLiteral("pipeline:features@2.3"))), LineageScene::Mark::ImpactRoot);
    ASSERT_FALSE((all - downstream).isEmpty()); // some nodes are not derived from the pipeline: they dim
    for (qint64 n : all - downstream)
        EXPECT_EQ(view->scene()->mark(n), LineageScene::Mark::Dimmed);
    QStringList listed;
    for (int i = 0; i < view->impactList()->count(); ++i)
        listed << view->impactList()->item(i)->text().trimmed();
    EXPECT_TRUE(listed.contains(QStringLiteral("fraud v1"))) << listed.join(QLatin1Char('|')).toStdString();
    EXPECT_TRUE(listed.contains(QStringLiteral("fraud-api (prod-eu) runs fraud v1")));
    EXPECT_TRUE(listed.contains(QStringLiteral("ranker v1 · None")));
    EXPECT_FALSE(listed.join(QLatin1Char('|')).contains(QStringLiteral("fraud v2")));

    // Impact mode off: nothing is highlighted any more.
    view->setImpactMode(false);
    EXPECT_TRUE(view->scene()->highlightedNodes().isEmpty());
    EXPECT_EQ(view->impactList()->count(), 0);
}

TEST_P(LineageViewTest, ExportsSvgAndPng)
{
    diamondAndCycle();
    openView();
    QString error;
    EXPECT_FALSE(view->exportPng(db->tempPath(QStringLiteral("empty.png")), &error)); // nothing shown yet
    EXPECT_EQ(error, QStringLiteral("There is no graph to export."));
    EXPECT_FALSE(QFile::exists(db->tempPath(QStringLiteral("empty.png"))));
    showNode(QStringLiteral("dataset:c@1"));
    const QString svg = db->tempPath(QStringLiteral("lineage.svg"));
    const QString png = db->tempPath(QStringLiteral("lineage.png"));
    ASSERT_TRUE(view->exportSvg(svg, &error)) << error.toStdString();
    ASSERT_TRUE(view->exportPng(png, &error)) << error.toStdString();
    QSvgRenderer renderer(svg);
    EXPECT_TRUE(renderer.isValid());
    EXPECT_GT(renderer.defaultSize().width(), 100);
    QFile f(svg);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_TRUE(f.readAll().contains("dataset @ 1")); // node labels are text in the SVG
    QImage image(png);
    ASSERT_FALSE(image.isNull());
    EXPECT_GT(image.width(), 200);
    // Not blank: the node fills are drawn.
    bool coloured = false;
    for (int y = 0; y < image.height() && !coloured; y += 3)
        for (int x = 0; x < image.width() && !coloured; x += 3)
            coloured = image.pixelColor(x, y) != Qt::white;
    EXPECT_TRUE(coloured);
    EXPECT_FALSE(view->exportPng(QStringLiteral("/nonexistent-dir/x.png"), &error));
    EXPECT_EQ(error, QStringLiteral("Cannot write /nonexistent-dir/x.png."));
}

TEST_P(LineageViewTest, MainWindowLineageTabFollowsTheSelectedVersion)
{
    for (const char *pipeline : {"pipeline:features@2.3", "pipeline:features@2.4"}) {
        VersionSpec s = sampleSpec(QStringLiteral("fraud"));
        s.inputs << *parseInputSpec(QString::fromLatin1(pipeline));
        ASSERT_TRUE(registry->registerVersion(s));
    }
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    QSignalSpy opened(&window, &MainWindow::registryOpened);
    window.openRegistry(db->url());
    ASSERT_TRUE(opened.wait(15000));
    window.openVersion(QStringLiteral("fraud"), 1);
    LineageView *lineage = window.lineageView();
    QSignalSpy shown(lineage, &LineageView::graphShown);

    // Nothing is laid out while the tab is hidden; clicking the tab loads the selected version's lineage.
    QTest::qWait(300);
    EXPECT_EQ(shown.count(), 0);
    QTabBar *tabs = window.detailTabs()->tabBar();
    QTest::mouseClick(tabs, Qt::LeftButton, {}, tabs->tabRect(1).center());
    ASSERT_TRUE(shown.wait(30000));
    EXPECT_EQ(lineage->currentSpec(), QStringLiteral("model:fraud@1"));
    EXPECT_EQ(lineage->scene()->nodeIds(),
              ids({QStringLiteral("model:fraud@1"), QStringLiteral("pipeline:features@2.3"),
                   QStringLiteral("pipeline-family:features")}));

    // Another version selected in the table: the graph follows.
    window.openVersion(QStringLiteral("fraud"), 2);
    ASSERT_TRUE(shown.wait(30000));
    EXPECT_EQ(lineage->currentSpec(), QStringLiteral("model:fraud@2"));
    EXPECT_TRUE(lineage->scene()->hasNode(id(QStringLiteral("pipeline:features@2.4"))));

    // Any node, in impact mode.
    QSignalSpy impact(lineage, &LineageView::impactShown);
    window.showLineage(QStringLiteral("pipeline:features@2.3"), true);
    ASSERT_TRUE(impact.wait(30000));
    EXPECT_EQ(lineage->scene()->highlightedNodes(),
              ids({QStringLiteral("pipeline:features@2.3"), QStringLiteral("model:fraud@1")}));
}

// The impact panel is not a snapshot: a promotion made elsewhere (another client, another connection) reaches it
// through the change feed, and the graph stays where the user moved it.
TEST_P(LineageViewTest, ImpactPanelFollowsAPromotionFromAnotherConnection)
{
    auto alice = db->openAs(QStringLiteral("alice"), QStringLiteral("scientist"));
    auto rita = db->openAs(QStringLiteral("rita"), QStringLiteral("reviewer"));
    ASSERT_TRUE(alice && rita);
    for (int i = 0; i < 2; ++i) {
        VersionSpec s = sampleSpec(QStringLiteral("fraud"));
        s.inputs << *parseInputSpec(QStringLiteral("pipeline:features@2.3"));
        ASSERT_TRUE(alice->registerVersion(s));
    }
    auto toProduction = [&](int version) {
        ASSERT_TRUE(alice->promote(QStringLiteral("fraud"), version, Stage::Staging, {}));
        auto req = alice->requestPromotion(QStringLiteral("fraud"), version, Stage::Production, QStringLiteral("go"));
        ASSERT_TRUE(req);
        ASSERT_TRUE(rita->decide(req->id, true, QStringLiteral("ok"), {}));
    };
    toProduction(1);

    MainWindow window;
    window.resize(1280, 800);
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    QSignalSpy opened(&window, &MainWindow::registryOpened);
    window.openRegistry(db->url());
    ASSERT_TRUE(opened.wait(15000));
    LineageView *lineage = window.lineageView();
    QSignalSpy impact(lineage, &LineageView::impactShown);
    window.showLineage(QStringLiteral("pipeline:features@2.3"), true);
    ASSERT_TRUE(impact.wait(30000));
    auto listed = [&]() {
        QStringList out;
        for (int i = 0; i < lineage->impactList()->count(); ++i)
            out << lineage->impactList()->item(i)->text().trimmed();
        return out;
    };
    ASSERT_TRUE(listed().contains(QStringLiteral("fraud v1"))) << listed().join(QLatin1Char('|')).toStdString();
    ASSERT_TRUE(listed().contains(QStringLiteral("fraud v2 · None")));
    lineage->graphicsView()->setTransform(QTransform::fromScale(1.7, 1.7));

    toProduction(2); // by alice and rita, not by this window
    ASSERT_TRUE(waitFor([&]() { return listed().contains(QStringLiteral("fraud v2")); }, 30000))
        << listed().join(QLatin1Char('|')).toStdString();
    EXPECT_FALSE(listed().contains(QStringLiteral("fraud v2 · None")));
    EXPECT_TRUE(lineage->impactSummary()->text().contains(QStringLiteral("in Production")));
    EXPECT_DOUBLE_EQ(lineage->graphicsView()->transform().m11(), 1.7) << "the refresh keeps the user's zoom";
    EXPECT_FALSE(lineage->placeholder()->isVisible());
}

TEST_P(LineageViewTest, WholeModelShowsEveryVersionsLineageAndGoesBack)
{
    // fraud@1 <- clicks@1 <- source; fraud@2 <- clicks@2; fraud@1 -> fraud@2; fraud@3 alone; fraud@2 -> ranker@1.
    addNodes({QStringLiteral("source:eu"), QStringLiteral("dataset:clicks@1"), QStringLiteral("dataset:clicks@2")});
    addEdge(QStringLiteral("source:eu"), QStringLiteral("dataset:clicks@1"));
    auto reg = [&](const QString &model, const QStringList &inputs) {
        VersionSpec s = sampleSpec(model);
        for (const QString &i : inputs)
            s.inputs << *parseInputSpec(i);
        ASSERT_TRUE(registry->registerVersion(s));
    };
    reg(QStringLiteral("fraud"), {QStringLiteral("dataset:clicks@1")});
    reg(QStringLiteral("fraud"), {QStringLiteral("dataset:clicks@2")});
    reg(QStringLiteral("fraud"), {});
    reg(QStringLiteral("ranker"), {QStringLiteral("model:fraud@2")});
    addEdge(QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"));
    openView();
    view->setDepth(1);
    showNode(QStringLiteral("model:fraud@2"));
    const QSet<qint64> neighbourhood = view->scene()->nodeIds();
    EXPECT_EQ(neighbourhood, ids({QStringLiteral("model:fraud@2"), QStringLiteral("dataset:clicks@2"),
                                  QStringLiteral("model:fraud@1"), QStringLiteral("model:ranker@1")}));
    QToolButton *whole = view->overviewButton();
    ASSERT_TRUE(whole->isEnabled());

    QSignalSpy shown(view.get(), &LineageView::graphShown);
    QTest::mouseClick(whole, Qt::LeftButton);
    EXPECT_TRUE(view->overview());
    ASSERT_TRUE(shown.wait(30000)) << view->placeholder()->text().toStdString();
    const QSet<qint64> expected =
        ids({QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"), QStringLiteral("model:fraud@3"),
             QStringLiteral("dataset:clicks@1"), QStringLiteral("dataset:clicks@2"), QStringLiteral("source:eu"),
             QStringLiteral("model:ranker@1")});
    // (registering with an input also records its dataset family: whatever else is there is upstream of it)
    const QSet<qint64> shownIds = view->scene()->nodeIds();
    EXPECT_TRUE(shownIds.contains(expected)) << shownIds.size();
    EXPECT_TRUE(
        view->scene()->edgeKeys().contains(edge(QStringLiteral("model:fraud@1"), QStringLiteral("model:fraud@2"))));
    EXPECT_TRUE(view->statusLabel()->text().contains(QStringLiteral("every version of fraud")))
        << view->statusLabel()->text().toStdString();
    EXPECT_FALSE(view->depthSpin()->isEnabled()) << "no hop limit in the whole-model view";
    // The versions are one column, newest on top.
    QGraphicsItem *v1 = view->scene()->nodeItem(id(QStringLiteral("model:fraud@1")));
    QGraphicsItem *v3 = view->scene()->nodeItem(id(QStringLiteral("model:fraud@3")));
    ASSERT_TRUE(v1 && v3);
    EXPECT_NEAR(v1->sceneBoundingRect().center().x(), v3->sceneBoundingRect().center().x(), 0.5);
    EXPECT_LT(v3->sceneBoundingRect().bottom(), v1->sceneBoundingRect().top());

    // Off again: the neighbourhood at the depth chosen before.
    QTest::mouseClick(whole, Qt::LeftButton);
    ASSERT_TRUE(shown.wait(30000));
    EXPECT_EQ(view->scene()->nodeIds(), neighbourhood);
    EXPECT_TRUE(view->depthSpin()->isEnabled());
    EXPECT_TRUE(view->statusLabel()->text().contains(QStringLiteral("up to 1 hop")))
        << view->statusLabel()->text().toStdString();

    // A node that is not a model version has no whole model.
    showNode(QStringLiteral("dataset:clicks@1"));
    EXPECT_FALSE(whole->isEnabled());
}
