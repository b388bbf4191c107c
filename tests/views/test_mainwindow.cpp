// The real widgets, driven offscreen: open a registry, select a model, sort, filter, search with a
// syntax error and with a valid filter, copy an artifact URI.

#include "items/modeltreemodel.h"
#include "items/registryclient.h"
#include "items/searchresultsmodel.h"
#include "items/versiontablemodel.h"
#include "registry/demo.h"
#include "testdb.h"
#include "views/aboutdialog.h"
#include "views/approvalqueuepanel.h"
#include "views/connectdialog.h"
#include "views/detailspanel.h"
#include "views/filterlineedit.h"
#include "views/focusstyle.h"
#include "views/hintviews.h"
#include "views/icons.h"
#include "views/lifecycleui.h"
#include "views/mainwindow.h"
#include "views/modeltreepanel.h"
#include "views/searchpanel.h"
#include "views/versiontableview.h"

#include <QApplication>
#include <QClipboard>
#include <QDockWidget>
#include <QFile>
#include <QHash>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenuBar>
#include <QProcess>

#include <QPushButton>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTest>
#include <QToolButton>
#include <cmath>

using namespace md;
using namespace md::test;

namespace {

void clickRow(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    const QPoint at = view->visualRect(index).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
}

} // namespace

class MainWindowTest : public ::testing::TestWithParam<Backend>
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
        window.reset(); // closes the window's connection before the database is dropped
        registry.reset();
        db.reset();
    }

    void openWindow()
    {
        window = std::make_unique<MainWindow>();
        window->resize(1280, 800);
        window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy opened(window.get(), &MainWindow::registryOpened);
        window->openRegistry(db->url());
        ASSERT_TRUE(opened.wait(15000));
    }

    QAbstractItemModel *tree() const { return window->treePanel()->view()->model(); }
    QAbstractItemModel *table() const { return window->versionView()->model(); }

    std::unique_ptr<TestDatabase> db;
    std::unique_ptr<Registry> registry;
    std::unique_ptr<MainWindow> window;
};

TEST_P(MainWindowTest, OpensSelectsSortsFiltersAndCopies)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 42));
    const QString model = QStringLiteral("payments/fraud-detector");
    auto versions = registry->versions(model);
    ASSERT_TRUE(versions);
    openWindow();
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 6; }));
    EXPECT_TRUE(
        window->findChild<QLabel *>(QStringLiteral("locationLabel"))->text().contains(registry->locationDisplay()));
    EXPECT_TRUE(window->findChild<QLabel *>(QStringLiteral("userLabel"))->text().contains(registry->actor()));

    // Filter the tree by typing.
    QTest::keyClicks(window->treePanel()->filterEdit(), QStringLiteral("fraud"));
    ASSERT_EQ(tree()->rowCount(), 1);
    const QModelIndex team = tree()->index(0, 0);
    ASSERT_EQ(tree()->rowCount(team), 1);
    const QModelIndex fraud = tree()->index(0, 0, team);
    EXPECT_EQ(fraud.data().toString(), QStringLiteral("fraud-detector"));

    // Select the model with the mouse: its versions load, newest first, with metric columns.
    clickRow(window->treePanel()->view(), fraud);
    ASSERT_TRUE(waitFor([&]() { return table()->rowCount() == versions->size() && table()->columnCount() > 7; }));
    EXPECT_EQ(table()->index(0, 0).data().toInt(), versions->size());
    EXPECT_EQ(table()->headerData(5, Qt::Horizontal).toString(), QStringLiteral("auc@test"));
    ASSERT_TRUE(waitFor([&]() { return table()->index(0, 5).data(VersionTableModel::LoadedRole).toBool(); }));
    EXPECT_FALSE(table()->index(0, 5).data().toString().isEmpty());

    // Sort by clicking the Version header: ascending now.
    QHeaderView *header = window->versionView()->horizontalHeader();
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
                      QPoint(header->sectionViewportPosition(0) + 10, header->height() / 2));
    ASSERT_TRUE(waitFor([&]() { return table()->index(0, 0).data().toInt() == 1; }));
    EXPECT_EQ(table()->index(table()->rowCount() - 1, 0).data().toInt(), versions->size());
    // Tags cannot be sorted by the database: the arrow stays on Version.
    const int tags = table()->columnCount() - 1;
    window->versionView()->scrollTo(table()->index(0, tags));
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {},
                      QPoint(header->sectionViewportPosition(tags) + 10, header->height() / 2));
    EXPECT_EQ(header->sortIndicatorSection(), 0);
    EXPECT_EQ(header->sortIndicatorOrder(), Qt::AscendingOrder);
    EXPECT_EQ(table()->index(0, 0).data().toInt(), 1);

    // Selecting a version shows its details; the copy button puts the artifact URI on the clipboard.
    clickRow(window->versionView(), table()->index(2, 1));
    const ModelVersion &v3 = versions->at(2);
    ASSERT_EQ(v3.version, 3);
    ASSERT_TRUE(waitFor([&]() { return window->detailsPanel()->artifactUri() == v3.artifactUri; }));
    QApplication::clipboard()->clear();
    QTest::mouseClick(window->findChild<QToolButton *>(QStringLiteral("copyArtifact")), Qt::LeftButton);
    EXPECT_EQ(QApplication::clipboard()->text(), v3.artifactUri);
    EXPECT_TRUE(
        window->findChild<QLabel *>(QStringLiteral("detailsTitle"))->text().contains(QStringLiteral("version 3")));

    // Ctrl+C copies the selected rows with a header line.
    window->versionView()->setFocus();
    QTest::keyClick(window->versionView(), Qt::Key_C, Qt::ControlModifier);
    const QStringList lines = QApplication::clipboard()->text().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 2);
    EXPECT_TRUE(lines[0].startsWith(QStringLiteral("Version\tStage\tAliases\tCreated (UTC)")));
    EXPECT_TRUE(lines[1].startsWith(QStringLiteral("3\tNone\t")));

    // Clearing the filter shows every team again, and the model stays selected.
    window->treePanel()->filterEdit()->clear();
    EXPECT_EQ(tree()->rowCount(), 6);
    EXPECT_EQ(window->treePanel()->currentModel(), model);
}

TEST_P(MainWindowTest, CtrlKFocusesTheModelFilterAndTabLeavesTheVersionTable)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 42));
    openWindow();
    QApplication::setActiveWindow(window.get());
    ASSERT_TRUE(QTest::qWaitForWindowActive(window.get()));
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 6; }));
    ASSERT_TRUE(window->treePanel()->selectModel(QStringLiteral("payments/fraud-detector")));
    ASSERT_TRUE(waitFor([&]() { return table()->rowCount() > 3; }));
    VersionTableView *view = window->versionView();
    ASSERT_TRUE(waitFor([&]() { return !window->versionModel()->isLoading(); }));
    QTest::qWait(200); // the selection the window restores after loading, if any, has happened
    view->setFocus();
    view->selectRow(2);
    ASSERT_EQ(view->currentIndex().row(), 2);
    const QModelIndexList before = view->selectionModel()->selectedRows();
    ASSERT_FALSE(before.isEmpty());

    // Tab moves on to the next widget: the selected version stays (cell-by-cell Tab changed it).
    QTest::keyClick(view, Qt::Key_Tab);
    EXPECT_NE(QApplication::focusWidget(), view);
    EXPECT_EQ(view->currentIndex().row(), 2);
    EXPECT_EQ(view->selectionModel()->selectedRows(), before);

    // Ctrl+K: to the model filter, its text selected to type over.
    QTest::keyClicks(window->treePanel()->filterEdit(), QStringLiteral("fr"));
    QApplication::setActiveWindow(window.get());
    view->setFocus();
    QTest::keyClick(view, Qt::Key_K, Qt::ControlModifier);
    EXPECT_EQ(QApplication::focusWidget(), window->treePanel()->filterEdit());
    EXPECT_EQ(window->treePanel()->filterEdit()->selectedText(), QStringLiteral("fr"));
}

// The focused cell of the version table has a frame one can see: two opaque pixels, in the highlighted text's colour
// on the selected row (Fusion's own was one half-transparent pixel that vanished on the selection).
TEST_P(MainWindowTest, TheFocusedCellHasAVisibleFrame)
{
    ASSERT_TRUE(qobject_cast<FocusFrameStyle *>(QApplication::style()));
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/focus"))));
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/focus"))));
    openWindow();
    QApplication::setActiveWindow(window.get());
    ASSERT_TRUE(QTest::qWaitForWindowActive(window.get()));
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(QStringLiteral("team/focus")));
    ASSERT_TRUE(waitFor([&]() { return table()->rowCount() == 2 && !window->versionModel()->isLoading(); }));
    VersionTableView *view = window->versionView();
    view->setFocus();
    view->selectRow(1);
    ASSERT_TRUE(waitFor([&]() { return view->hasFocus(); }));
    // The current cell is on the selected second row, wholly in view (so its pixels can be read).
    ASSERT_EQ(view->currentIndex().row(), 1);
    const QRect cell = view->visualRect(view->currentIndex());
    ASSERT_TRUE(view->viewport()->rect().contains(cell)) << cell.x() << "," << cell.y() << " " << cell.width();
    const QImage image = view->viewport()->grab().toImage();
    const double ratio = image.devicePixelRatio();
    const QColor frame = view->palette().color(QPalette::HighlightedText);
    auto framePixelsIn = [&](const QImage &shot, int y) {
        int n = 0;
        for (int x = cell.left() + 3; x < cell.right() - 3; ++x)
            n += shot.pixelColor(int(x * ratio), int(y * ratio)) == frame ? 1 : 0;
        return n;
    };
    auto framePixels = [&](int y) { return framePixelsIn(image, y); };
    const int inner = cell.width() - 7;
    EXPECT_GE(framePixels(cell.top()), inner * 9 / 10) << "top line";
    EXPECT_GE(framePixels(cell.top() + 1), inner * 9 / 10) << "second pixel of the top line";
    EXPECT_GE(framePixels(cell.bottom()), inner * 9 / 10) << "bottom line";
    EXPECT_LT(framePixels(cell.center().y()), inner / 2) << "the cell inside is the selection's colour";
    // The unfocused view draws no frame.
    window->treePanel()->filterEdit()->setFocus();
    ASSERT_TRUE(waitFor([&]() { return !view->hasFocus(); }));
    EXPECT_LT(framePixelsIn(view->viewport()->grab().toImage(), cell.top()), inner / 2);
}

TEST_P(MainWindowTest, AboutNamesTheRegistrySchemaAndEveryVersion)
{
    RegistryClient client;
    QSignalSpy opened(&client, &RegistryClient::opened);
    client.open(db->url(), Registry::Open::ExistingOnly);
    ASSERT_TRUE(opened.wait(15000));
    AboutDialog dialog(&client);
    QSignalSpy loaded(&dialog, &AboutDialog::loaded);
    dialog.show();
    ASSERT_TRUE(loaded.wait(15000));
    const QString text = dialog.text();
    EXPECT_TRUE(text.contains(QStringLiteral("ModelDesk ") + QApplication::applicationVersion())) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("schema version 9"))) << text.toStdString();
    EXPECT_TRUE(text.contains(registry->locationDisplay().toHtmlEscaped())) << text.toStdString();
    const QString engine = db->rawScalar(GetParam() == Backend::Sqlite ? QStringLiteral("SELECT sqlite_version()")
                                                                       : QStringLiteral("SHOW server_version"))
                               .toString();
    ASSERT_FALSE(engine.isEmpty());
    EXPECT_TRUE(text.contains(engine)) << text.toStdString();
    EXPECT_TRUE(text.contains(QString::fromLatin1(qVersion())));
    EXPECT_TRUE(text.contains(QStringLiteral("Graphviz</b></td><td>2."))) << text.toStdString();
    EXPECT_TRUE(text.contains(QStringLiteral("Licences")));
}

TEST_P(MainWindowTest, SearchUnderlinesErrorsAndOpensResults)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 42));
    openWindow();
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 6; }));
    SearchPanel *search = window->searchPanel();
    QTest::keyClick(window.get(), Qt::Key_F, Qt::ControlModifier);
    ASSERT_TRUE(waitFor([&]() { return search->isVisible(); }));
    EXPECT_TRUE(search->editor()->hasFocus());

    QTest::keyClicks(search->editor(), QStringLiteral("metrics.auc > AND"));
    QTest::keyClick(search->editor(), Qt::Key_Return);
    ASSERT_TRUE(waitFor([&]() { return !search->errorText().isEmpty(); }));
    EXPECT_TRUE(search->errorText().contains(QStringLiteral("column 15"))) << search->errorText().toStdString();
    EXPECT_EQ(search->editor()->errorPosition(), 14);
    EXPECT_GE(search->editor()->errorLength(), 1);

    search->editor()->clear();
    QTest::keyClicks(search->editor(), QStringLiteral("metrics.auc > 0.8 AND namespace = 'ads'"));
    EXPECT_EQ(search->editor()->errorLength(), 0); // editing clears the mark
    QTest::keyClick(search->editor(), Qt::Key_Return);
    QAbstractItemModel *results = search->resultsView()->model();
    ASSERT_TRUE(waitFor([&]() { return results->rowCount() > 0; }));
    EXPECT_TRUE(search->errorText().contains(QStringLiteral("match")));
    auto expected = registry->search(QStringLiteral("metrics.auc > 0.8 AND namespace = 'ads'"));
    ASSERT_TRUE(expected);
    EXPECT_EQ(results->rowCount(), expected->hits.size());

    // Double-click a result: the version opens in its model's table.
    const QModelIndex first = results->index(0, 1);
    const QString model = first.siblingAtColumn(0).data().toString();
    const int version = first.data().toInt();
    search->resultsView()->scrollTo(first);
    const QPoint at = search->resultsView()->visualRect(first).center();
    QTest::mouseClick(search->resultsView()->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(search->resultsView()->viewport(), Qt::LeftButton, {}, at);
    bool okOpen = waitFor([&]() {
        const QModelIndex current = window->versionView()->currentIndex();
        return window->versionView()->isVisible() && current.isValid() &&
               current.data(VersionTableModel::ModelNameRole).toString() == model &&
               current.data(VersionTableModel::VersionRole).toInt() == version;
    });
    ASSERT_TRUE(okOpen);
    EXPECT_EQ(window->treePanel()->currentModel(), model);
}

TEST_P(MainWindowTest, EmptyRegistrySaysWhatToDoAndOffersDemoData)
{
    openWindow();
    auto *demo = window->findChild<QPushButton *>(QStringLiteral("demoButton"));
    ASSERT_TRUE(demo);
    ASSERT_TRUE(waitFor([&]() { return demo->isVisible(); }));
    EXPECT_TRUE(window->findChild<QLabel *>(QStringLiteral("treeEmpty"))->text().contains(QStringLiteral("no models")));
    ASSERT_TRUE(
        waitFor([&]() { return window->versionView()->emptyHint().contains(QStringLiteral("registry is empty")); }));
    QTest::mouseClick(demo, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 6; }, 60000));
    EXPECT_TRUE(window->versionView()->emptyHint().contains(QStringLiteral("Select a model")));
    EXPECT_TRUE(window->treePanel()->view()->isVisible());
    // The approval queue shows the demo's pending requests without a refresh.
    auto pending = registry->requests(true);
    ASSERT_TRUE(pending);
    ASSERT_GE(pending->size(), 1);
    QAbstractItemModel *queue = window->lifecycle()->queuePanel()->view()->model();
    EXPECT_TRUE(waitFor([&]() { return queue->rowCount() == pending->size(); }))
        << queue->rowCount() << " rows for " << pending->size() << " pending requests";
}

// A first look at a model shows the metrics its gates check first (here zeta@test, last by name), then others.
TEST_P(MainWindowTest, DefaultColumnsStartWithTheGatedMetrics)
{
    VersionSpec s = sampleSpec(QStringLiteral("team/gated"));
    s.metrics = {Metric{QStringLiteral("accuracy"), QStringLiteral("test"), {}, 0.9},
                 Metric{QStringLiteral("brier"), QStringLiteral("test"), {}, 0.1},
                 Metric{QStringLiteral("coverage"), QStringLiteral("test"), {}, 0.7},
                 Metric{QStringLiteral("zeta"), QStringLiteral("test"), {}, 0.5}};
    ASSERT_TRUE(registry->registerVersion(s));
    GatePolicies policies;
    GateRule rule;
    rule.kind = GateRule::Kind::MetricMin;
    rule.metric = QStringLiteral("zeta");
    rule.dataset = QStringLiteral("test");
    rule.threshold = 0.4;
    policies.production.rules << rule;
    ASSERT_TRUE(registry->setGatePolicies(QStringLiteral("team/gated"), policies));
    QSettings().remove(QStringLiteral("metricColumns"));
    openWindow();
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(QStringLiteral("team/gated")));
    auto header = [&]() {
        QStringList out;
        for (int c = VersionTableModel::AuthorColumn + 1; c < table()->columnCount(); ++c)
            if (window->versionModel()->columnKind(c) == VersionTableModel::MetricColumnKind)
                out << table()->headerData(c, Qt::Horizontal).toString();
        return out;
    };
    ASSERT_TRUE(waitFor([&]() { return header().size() == 3; })) << header().join(QLatin1Char(',')).toStdString();
    EXPECT_EQ(header(), (QStringList{QStringLiteral("zeta@test"), QStringLiteral("accuracy@test"),
                                     QStringLiteral("brier@test")}));
}

// A search shows the values it searched by: `metrics.auc > 0.85 OR tags.team = 'x'` has auc and tags.team columns,
// a metric on two datasets shows both, and the column sorts numerically.
TEST_P(MainWindowTest, SearchResultsShowTheFieldsTheFilterNames)
{
    VersionSpec a = sampleSpec(QStringLiteral("team/a"));
    a.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.91},
                 Metric{QStringLiteral("auc"), QStringLiteral("val"), {}, 0.88}};
    a.tags.insert(QStringLiteral("team"), QStringLiteral("x"));
    ASSERT_TRUE(registry->registerVersion(a));
    VersionSpec a2 = sampleSpec(QStringLiteral("team/a"));
    a2.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.8}};
    ASSERT_TRUE(registry->registerVersion(a2));
    VersionSpec b = sampleSpec(QStringLiteral("team/b"));
    b.metrics = {Metric{QStringLiteral("auc"), QStringLiteral("test"), {}, 0.95},
                 Metric{QStringLiteral("latency_ms"), QStringLiteral("test"), {}, 12.0}};
    ASSERT_TRUE(registry->registerVersion(b));
    openWindow();
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 1; }));
    window->showSearch(true);
    SearchPanel *search = window->searchPanel();
    QTest::keyClicks(search->editor(), QStringLiteral("metrics.auc > 0.85 OR tags.team = 'x' OR metrics.auc > 0.85"));
    QTest::keyClick(search->editor(), Qt::Key_Return);
    QAbstractItemModel *results = search->resultsView()->model();
    ASSERT_TRUE(waitFor([&]() { return results->rowCount() == 2; }));
    ASSERT_EQ(results->columnCount(), SearchResultsModel::ColumnCount + 2) << "auc once, then tags.team";
    const int auc = SearchResultsModel::ColumnCount, team = auc + 1;
    EXPECT_EQ(results->headerData(auc, Qt::Horizontal).toString(), QStringLiteral("auc"));
    EXPECT_EQ(results->headerData(team, Qt::Horizontal).toString(), QStringLiteral("tags.team"));
    QHash<QString, QStringList> rows;
    for (int r = 0; r < results->rowCount(); ++r)
        rows.insert(results->index(r, 0).data().toString() + QLatin1Char('@') + results->index(r, 1).data().toString(),
                    {results->index(r, auc).data().toString(), results->index(r, team).data().toString()});
    EXPECT_EQ(rows.value(QStringLiteral("team/a@1")),
              (QStringList{QStringLiteral("0.91 @test · 0.88 @val"), QStringLiteral("x")}));
    EXPECT_EQ(rows.value(QStringLiteral("team/b@1")), (QStringList{QStringLiteral("0.95"), QString()}));
    EXPECT_FALSE(rows.contains(QStringLiteral("team/a@2")));

    // Sorting by the metric column: by value (0.91 < 0.95), descending puts b first.
    search->resultsView()->sortByColumn(auc, Qt::DescendingOrder);
    EXPECT_EQ(results->index(0, 0).data().toString(), QStringLiteral("team/b"));
    search->resultsView()->sortByColumn(auc, Qt::AscendingOrder);
    EXPECT_EQ(results->index(0, 0).data().toString(), QStringLiteral("team/a"));

    // A search without such fields has the plain columns again.
    search->editor()->clear();
    QTest::keyClicks(search->editor(), QStringLiteral("name = 'team/b'"));
    QTest::keyClick(search->editor(), Qt::Key_Return);
    ASSERT_TRUE(waitFor([&]() { return results->rowCount() == 1; }));
    EXPECT_EQ(results->columnCount(), SearchResultsModel::ColumnCount);

    // A metric on one named dataset: the bare number, whole numbers whole.
    search->editor()->clear();
    QTest::keyClicks(search->editor(), QStringLiteral("metrics.latency_ms@test < 50"));
    QTest::keyClick(search->editor(), Qt::Key_Return);
    ASSERT_TRUE(waitFor([&]() { return results->rowCount() == 1 && results->columnCount() > auc; }));
    EXPECT_EQ(results->headerData(auc, Qt::Horizontal).toString(), QStringLiteral("latency_ms@test"));
    EXPECT_EQ(results->index(0, auc).data().toString(), QStringLiteral("12"));
}

// "This registry has no models yet" is said only when it is true: not before a registry is open (that is its own
// state, with buttons to open one), not while a 1,000-model registry is loading, not when opening failed.
TEST_P(MainWindowTest, TheEmptyStateIsShownOnlyWhenTheRegistryIsEmpty)
{
    fillBare(*registry, 40, 3);
    window = std::make_unique<MainWindow>();
    window->resize(1280, 800);
    window->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
    auto *noRegistry = window->findChild<QLabel *>(QStringLiteral("treeNoRegistry"));
    auto *empty = window->findChild<QLabel *>(QStringLiteral("treeEmpty"));
    ASSERT_TRUE(noRegistry && empty);
    EXPECT_EQ(window->treePanel()->state(), ModelTreePanel::State::NoRegistry);
    EXPECT_TRUE(noRegistry->isVisible());
    EXPECT_TRUE(noRegistry->text().contains(QStringLiteral("No registry is open")));
    EXPECT_FALSE(empty->isVisible());
    EXPECT_TRUE(window->findChild<QPushButton *>(QStringLiteral("treeOpenButton"))->isVisible());
    EXPECT_TRUE(window->findChild<QPushButton *>(QStringLiteral("treeConnectButton"))->isVisible());

    // A registry that cannot be opened: still "no registry", with why; never "no models yet".
    QSignalSpy failed(window->client(), &RegistryClient::openFailed);
    window->openRegistry(db->tempPath(QStringLiteral("missing.db")));
    ASSERT_TRUE(failed.wait(15000));
    EXPECT_EQ(window->treePanel()->state(), ModelTreePanel::State::NoRegistry);
    EXPECT_TRUE(noRegistry->text().contains(QStringLiteral("Could not open the registry")));
    EXPECT_FALSE(empty->isVisible());

    // The registry with models: the empty page is never shown on the way (no flash of "Fill with demo data").
    auto *pages = noRegistry->parentWidget()->parentWidget();
    ASSERT_TRUE(qobject_cast<QStackedWidget *>(pages));
    QSignalSpy pageChanges(qobject_cast<QStackedWidget *>(pages), &QStackedWidget::currentChanged);
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(db->url());
    ASSERT_TRUE(opened.wait(15000));
    EXPECT_EQ(window->treePanel()->state(), ModelTreePanel::State::Loading);
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() > 0; }));
    EXPECT_EQ(window->treePanel()->state(), ModelTreePanel::State::Loaded);
    for (const QList<QVariant> &change : pageChanges)
        EXPECT_NE(change.at(0).toInt(), 1) << "the empty page flashed";
    EXPECT_FALSE(empty->isVisible());
    EXPECT_FALSE(noRegistry->isVisible());
}

// The error banner can be dismissed, and a long message does not make the window taller than the screen.
TEST_P(MainWindowTest, TheBannerCanBeDismissedAndStaysShort)
{
    openWindow();
    const int minimumBefore = window->minimumSizeHint().height();
    QSignalSpy failed(window->client(), &RegistryClient::openFailed);
    window->openRegistry(db->tempPath(QString(400, QLatin1Char('x')) + QStringLiteral("/missing.db")));
    ASSERT_TRUE(failed.wait(15000));
    ASSERT_TRUE(window->banner()->isVisible());
    EXPECT_TRUE(window->banner()->text().contains(QStringLiteral("Could not open the registry")));
    EXPECT_LE(window->minimumSizeHint().height(), minimumBefore + 5 * window->fontMetrics().lineSpacing());
    EXPECT_EQ(window->banner()->toolTip(), window->banner()->text()) << "the whole text stays readable";
    auto *close = window->findChild<QToolButton *>(QStringLiteral("bannerClose"));
    ASSERT_TRUE(close);
    QTest::mouseClick(close, Qt::LeftButton);
    EXPECT_FALSE(window->banner()->isVisible());
    // The registry that was open stays open.
    EXPECT_TRUE(window->client()->isOpen());
    EXPECT_EQ(window->client()->session().url, db->url());
}

// Every menu command and toolbar button has an icon, every icon name resolves to a drawn SVG, and the application
// icon is drawn at every size a desktop asks for.
TEST_P(MainWindowTest, EveryCommandHasAnIcon)
{
    openWindow();
    QStringList missing;
    for (QAction *menu : window->menuBar()->actions())
        for (QAction *a : menu->menu()->actions())
            if (!a->isSeparator() && !a->menu() && a->icon().isNull() && !a->isCheckable())
                missing << menu->text() + QStringLiteral(" > ") + a->text();
    EXPECT_TRUE(missing.isEmpty()) << missing.join(QStringLiteral(", ")).toStdString();
    EXPECT_TRUE(icon(QStringLiteral("no/such-icon")).isNull());
    EXPECT_FALSE(icon(QStringLiteral("stages/stage-production")).pixmap(32, 32).isNull());
    for (int size : {16, 24, 32, 48, 128, 256}) {
        EXPECT_TRUE(QFile::exists(QStringLiteral(":/icons/app/modeldesk-%1.svg").arg(size))) << size;
        EXPECT_EQ(applicationIcon().pixmap(size, size).width(), size);
    }
    EXPECT_FALSE(window->windowIcon().isNull());
}

// First start on a laptop screen (1024x640, and 1280x800 at 2x: 640x400): the docks are one tabbed group, Production
// in front, and the version table with its details keeps at least 60 % of the height below the toolbars.
TEST_P(MainWindowTest, FirstStartDocksLeaveTheCentreSixtyPercent)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 42));
    for (const QSize size : {QSize(1024, 640), QSize(640, 400)}) {
        QSettings().remove(QStringLiteral("window"));
        window = std::make_unique<MainWindow>();
        window->resize(size);
        window->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
        QSignalSpy opened(window.get(), &MainWindow::registryOpened);
        window->openRegistry(db->url());
        ASSERT_TRUE(opened.wait(15000));
        window->openVersion(QStringLiteral("payments/fraud-detector"), 1);
        ASSERT_TRUE(waitFor([&]() { return table()->rowCount() > 0; }));
        QTest::qWait(100);
        auto *production = window->findChild<QDockWidget *>(QStringLiteral("productionDock"));
        ASSERT_TRUE(production);
        const QList<QDockWidget *> tabbed = window->tabifiedDockWidgets(production);
        EXPECT_EQ(tabbed.size(), 2) << "queue and audit share Production's tabs";
        EXPECT_TRUE(production->isVisible()) << "Production is the tab in front";
        for (QDockWidget *other : tabbed)
            EXPECT_TRUE(other->visibleRegion().isEmpty()) << other->objectName().toStdString() << " is behind a tab";
        const int centre = window->centralWidget()->height();
        const int docks = production->height();
        EXPECT_GE(centre, 0.6 * (centre + docks))
            << size.width() << "x" << size.height() << ": centre " << centre << ", docks " << docks;
        EXPECT_GT(docks, 0);
        window.reset();
    }
    QSettings().remove(QStringLiteral("window"));
}

TEST_P(MainWindowTest, RefreshesWhenAnotherClientRegistersAndExportsCsv)
{
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/live-model"))));
    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/live-model"))));
    openWindow();
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(QStringLiteral("team/live-model")));
    ASSERT_TRUE(waitFor([&]() { return table()->rowCount() == 2 && window->versionView()->currentIndex().isValid(); }));
    const QPersistentModelIndex selected = window->versionView()->currentIndex();
    ASSERT_EQ(selected.data(VersionTableModel::VersionRole).toInt(), 2);

    ASSERT_TRUE(registry->registerVersion(sampleSpec(QStringLiteral("team/live-model"))));
    ASSERT_TRUE(waitFor([&]() { return table()->rowCount() == 3; }));
    EXPECT_EQ(table()->index(0, 0).data().toInt(), 3);
    EXPECT_EQ(window->versionView()->currentIndex().data(VersionTableModel::VersionRole).toInt(), 2);

    // F5 refreshes on demand too (nothing changed: same rows).
    QTest::keyClick(window.get(), Qt::Key_F5);
    QTest::qWait(100);
    EXPECT_EQ(table()->rowCount(), 3);

    const QString path = db->tempPath(QStringLiteral("versions.csv"));
    QSignalSpy exported(window.get(), &MainWindow::csvExported);
    window->exportCsv(path);
    ASSERT_TRUE(exported.wait(10000));
    EXPECT_EQ(exported.first().at(1).toString(), QString());
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 4);
    EXPECT_TRUE(lines[0].startsWith(QStringLiteral("Version,Stage,Aliases,Created (UTC),Author,auc@test")));
    EXPECT_TRUE(lines[1].startsWith(QStringLiteral("3,None,")));
}

// The results table of a search matching 10,000 versions scrolls to the end: pages load as the view
// reaches the bottom, and the last version is shown.
TEST_P(MainWindowTest, SearchResultsScrollToTenThousandRows)
{
    fillBare(*registry, 5, 2100);
    ASSERT_FALSE(HasFatalFailure());
    openWindow();
    window->showSearch(true);
    SearchPanel *search = window->searchPanel();
    QTest::keyClicks(search->editor(), QStringLiteral("version > 100"));
    QTest::keyClick(search->editor(), Qt::Key_Return);
    QAbstractItemView *view = search->resultsView();
    QAbstractItemModel *results = view->model();
    ASSERT_TRUE(waitFor([&]() { return results->rowCount() > 0; }, 30000));
    EXPECT_EQ(results->rowCount(), SearchResultsModel::kPageSize);
    // The total is known at once (the search returns every matching id), though only a page is loaded.
    EXPECT_TRUE(search->errorText().contains(QStringLiteral("more load as you scroll")) &&
                search->errorText().contains(QLocale().toString(10000) + QStringLiteral(" versions match")))
        << search->errorText().toStdString();

    // Scroll to the end, as a user dragging the scroll bar down would, until nothing more loads.
    int scrolls = 0;
    ASSERT_TRUE(waitFor(
        [&]() {
            if (window->searchModel()->isFetching())
                return false;
            if (!results->canFetchMore({}))
                return true;
            QScrollBar *bar = view->verticalScrollBar();
            bar->setValue(bar->maximum());
            ++scrolls;
            return false;
        },
        120000));
    EXPECT_GE(scrolls, 9);
    ASSERT_EQ(results->rowCount(), 10000);
    view->scrollToBottom();
    QTest::qWait(50);
    const QModelIndex last = results->index(9999, SearchResultsModel::VersionColumn);
    EXPECT_TRUE(view->viewport()->rect().intersects(view->visualRect(last)));
    EXPECT_EQ(last.data().toInt(), 101);
    EXPECT_TRUE(search->errorText().contains(QStringLiteral("10000 version")) &&
                !search->errorText().contains(QStringLiteral("scroll")))
        << search->errorText().toStdString();
}

MD_INSTANTIATE_BOTH(MainWindowTest);

TEST(ConnectDialogTest, AFailedConnectKeepsTheDialogOpenWithTheUrlAndTheReason)
{
    TestDatabase pg(Backend::Postgres);
    ASSERT_TRUE(pg.ready()) << pg.error().toStdString();
    ASSERT_TRUE(pg.open());
    RegistryClient client;
    const QString unreachable = QStringLiteral("postgresql://nobody@127.0.0.1:1/registry");
    ConnectDialog dialog(
        [&](const QString &url, std::function<void(bool, QString)> done) { client.test(url, &client, done); },
        unreachable);
    dialog.show();
    auto *connectButton = dialog.findChild<QPushButton *>(QStringLiteral("connectButton"));
    auto *status = dialog.findChild<QLabel *>(QStringLiteral("connectStatus"));
    auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("connectUrl"));
    ASSERT_TRUE(connectButton && status && url);
    QTest::mouseClick(connectButton, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return status->text().contains(QStringLiteral("Cannot reach")); }))
        << status->text().toStdString();
    EXPECT_TRUE(dialog.isVisible());
    EXPECT_NE(dialog.result(), QDialog::Accepted);
    EXPECT_EQ(url->text(), unreachable);
    EXPECT_TRUE(connectButton->isEnabled());
    url->setText(pg.url());
    QTest::mouseClick(connectButton, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return dialog.result() == QDialog::Accepted; })) << status->text().toStdString();
    EXPECT_EQ(dialog.url(), pg.url());
}

TEST(ConnectDialogTest, TestButtonSaysWhatIsWrong)
{
    RegistryClient client;
    ConnectDialog dialog(
        [&](const QString &url, std::function<void(bool, QString)> done) { client.test(url, &client, done); },
        QStringLiteral("postgresql://nobody@127.0.0.1:1/registry"));
    dialog.show();
    auto *status = dialog.findChild<QLabel *>(QStringLiteral("connectStatus"));
    QPushButton *test = nullptr;
    for (QPushButton *b : dialog.findChildren<QPushButton *>())
        if (b->text().contains(QStringLiteral("Test")))
            test = b;
    ASSERT_TRUE(status && test);
    QTest::mouseClick(test, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return status->text().contains(QStringLiteral("Cannot reach")); }))
        << status->text().toStdString();

    auto *url = dialog.findChild<QLineEdit *>(QStringLiteral("connectUrl"));
    url->setText(QStringLiteral("postgresql://alice:secret@localhost/registry"));
    QTest::mouseClick(test, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&]() { return status->text().contains(QStringLiteral("password")); }))
        << status->text().toStdString();

    const QString pg = postgresBaseUrl();
    ASSERT_FALSE(pg.isEmpty());
    url->setText(pg);
    QTest::mouseClick(test, Qt::LeftButton);
    // The server's maintenance database is reachable but holds no registry.
    ASSERT_TRUE(waitFor([&]() { return status->text().contains(QStringLiteral("registry")) && test->isEnabled(); }))
        << status->text().toStdString();
    EXPECT_FALSE(status->text().startsWith(QStringLiteral("Connected")));
}

TEST(MainWindowConnection, BannerWhileTheServerIsGoneAndRefreshAfterReconnecting)
{
    TestDatabase pg(Backend::Postgres);
    ASSERT_TRUE(pg.ready()) << pg.error().toStdString();
    {
        auto reg = pg.open();
        ASSERT_TRUE(reg && reg->registerVersion(sampleSpec(QStringLiteral("team/watched"))));
    }
    auto window = std::make_unique<MainWindow>();
    window->show();
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(pg.url());
    ASSERT_TRUE(opened.wait(15000));
    QAbstractItemModel *tree = window->treePanel()->view()->model();
    ASSERT_TRUE(waitFor([&]() { return tree->rowCount() == 1; }));
    ASSERT_TRUE(window->treePanel()->selectModel(QStringLiteral("team/watched")));
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 1; }));

    EXPECT_EQ(pg.rawExec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND pid <> pg_backend_pid()")),
              QString());
    ASSERT_TRUE(waitFor([&]() { return window->banner()->isVisible(); }));
    EXPECT_TRUE(window->banner()->text().contains(QStringLiteral("lost"))) << window->banner()->text().toStdString();
    // What was loaded stays on screen.
    EXPECT_EQ(window->versionView()->model()->rowCount(), 1);
    // The app reconnects by itself, hides the banner and shows what changed meanwhile.
    {
        auto reg = pg.open();
        ASSERT_TRUE(reg && reg->registerVersion(sampleSpec(QStringLiteral("team/watched"))));
    }
    ASSERT_TRUE(waitFor([&]() { return !window->banner()->isVisible(); }));
    ASSERT_TRUE(waitFor([&]() { return window->versionView()->model()->rowCount() == 2; }));
    window.reset();
}

// Runs the real modeldesk offscreen on `db` (with a settings folder of its own) with `args`, which make it write a
// report of "key value" lines to `report` and quit; returns the report's values (none, and a failure, when the app
// failed).
static QMap<QByteArray, qint64> runAppReport(TestDatabase &db, const QStringList &args, const QString &report)
{
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), db.tempPath(QStringLiteral("config")));
    app.setProcessEnvironment(env);
    app.start(QStringLiteral(MODELDESK_APP_PATH), QStringList{QStringLiteral("--registry"), db.url()} + args);
    QMap<QByteArray, qint64> values;
    if (!app.waitForFinished(120000) || app.exitStatus() != QProcess::NormalExit || app.exitCode() != 0) {
        ADD_FAILURE() << "modeldesk " << args.join(QLatin1Char(' ')).toStdString()
                      << " failed: " << app.readAllStandardError().toStdString();
        return values;
    }
    QFile f(report);
    if (!f.open(QIODevice::ReadOnly)) {
        ADD_FAILURE() << "modeldesk wrote no report " << report.toStdString();
        return values;
    }
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QList<QByteArray> kv = line.simplified().split(' ');
        if (kv.size() == 2)
            values.insert(kv[0], qint64(std::llround(kv[1].toDouble()))); // "12.5" ms: 13
    }
    return values;
}

// modeldesk --startup-report: the milestones of a cold start, in order, for the registry's models.
TEST(ModeldeskApp, StartupReportWritesTheMilestonesInOrder)
{
    TestDatabase db(Backend::Sqlite);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    {
        auto registry = db.open();
        ASSERT_TRUE(registry);
        ASSERT_TRUE(fillDemoRegistry(*registry, 3));
    }
    const QString report = db.tempPath(QStringLiteral("startup.txt"));
    const QMap<QByteArray, qint64> figures = runAppReport(db, {QStringLiteral("--startup-report"), report}, report);
    const QByteArray order[] = {"window_shown_ms", "registry_opened_ms", "tree_loaded_ms", "tree_painted_ms",
                                "interactive_ms"};
    qint64 previous = 0;
    for (const QByteArray &key : order) {
        ASSERT_TRUE(figures.contains(key)) << key.toStdString();
        EXPECT_GE(figures.value(key), previous) << key.toStdString() << " before the milestone ahead of it";
        previous = figures.value(key);
    }
    EXPECT_GE(figures.value("process_to_interactive_ms") + 20, figures.value("interactive_ms"));
    EXPECT_EQ(figures.value("models"), 12);
}

// modeldesk --action-report: every GUI action of the performance table, timed and with what it cost in statements,
// on both dialects. The counts are checked (a count is a fact, not a timing): the approval queue once read every
// pending request with two statements each, and a model's first look loaded its table twice.
TEST(ModeldeskApp, ActionReportMeasuresEveryActionWithItsStatements)
{
    for (const Backend backend : {Backend::Sqlite, Backend::Postgres}) {
        SCOPED_TRACE(backend == Backend::Sqlite ? "SQLite" : "PostgreSQL");
        TestDatabase db(backend);
        ASSERT_TRUE(db.ready()) << db.error().toStdString();
        {
            auto registry = db.open();
            ASSERT_TRUE(registry);
            ASSERT_TRUE(fillDemoRegistry(*registry, 3));
        }
        const QString report = db.tempPath(QStringLiteral("actions.txt"));
        const QMap<QByteArray, qint64> values = runAppReport(
            db,
            {QStringLiteral("--model"), QStringLiteral("payments/fraud-detector"), QStringLiteral("--search"),
             QStringLiteral("metrics.auc > 0.85"), QStringLiteral("--action-report"), report},
            report);
        for (const char *action :
             {"open", "select_model", "select_version", "approval_dialog", "rollback_dialog", "search"}) {
            const QByteArray ms = QByteArray(action) + "_ms";
            const QByteArray statements = QByteArray(action) + "_statements";
            ASSERT_TRUE(values.contains(ms)) << action;
            ASSERT_TRUE(values.contains(statements)) << action;
            EXPECT_GE(values.value(ms), 0) << action;
            EXPECT_GE(values.value(statements), 1) << action << " ran no statement: nothing was loaded?";
        }
        EXPECT_LE(values.value("open_statements"), 16);
        EXPECT_LE(values.value("select_model_statements"), 20);
        EXPECT_LE(values.value("select_version_statements"), 4);
        EXPECT_LE(values.value("approval_dialog_statements"), 5);
        EXPECT_LE(values.value("rollback_dialog_statements"), 5);
    }
}

// modeldesk --memory-report: the real application opens a registry, shows a model, searches, scrolls to the
// end, writes its peak resident memory and quits.
TEST(ModeldeskApp, MemoryReportWritesPeakResidentMemory)
{
    TestDatabase db(Backend::Sqlite);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    {
        auto registry = db.open();
        ASSERT_TRUE(registry);
        ASSERT_TRUE(fillDemoRegistry(*registry, 3));
    }
    const QString report = db.tempPath(QStringLiteral("memory.txt"));
    const QMap<QByteArray, qint64> values =
        runAppReport(db,
                     {QStringLiteral("--model"), QStringLiteral("payments/fraud-detector"), QStringLiteral("--search"),
                      QStringLiteral("version > 0"), QStringLiteral("--memory-report"), report},
                     report);
    ASSERT_FALSE(values.isEmpty());
    EXPECT_GT(values.value("peak_rss_kb"), 10 * 1024); // a Qt Widgets application is well over 10 MB
    EXPECT_LT(values.value("peak_rss_kb"), 4 * 1024 * 1024);
    auto registry = db.open();
    auto versions = registry->versions(QStringLiteral("payments/fraud-detector"));
    ASSERT_TRUE(versions);
    EXPECT_EQ(values.value("version_rows"), versions->size());
    auto all = registry->search(QStringLiteral("version > 0"), 100000);
    ASSERT_TRUE(all);
    EXPECT_EQ(values.value("search_rows"), all->hits.size());
}

// A 1024x640 laptop screen: the window fits, with its docks, once a model is shown.
TEST_P(MainWindowTest, FitsASmallScreen)
{
    ASSERT_TRUE(fillDemoRegistry(*registry, 42));
    openWindow();
    ASSERT_TRUE(waitFor([&]() { return tree()->rowCount() == 6; }));
    // A model with a Production history: the Production dock's header and timeline are filled.
    window->openVersion(QStringLiteral("payments/fraud-detector"), 1);
    ASSERT_TRUE(waitFor([&]() { return table()->rowCount() > 0; }));
    QTest::qWait(300);
    window->resize(1024, 640);
    QApplication::processEvents();
    const QSize minimum = window->minimumSizeHint().expandedTo(window->minimumSize());
    std::string culprits;
    for (QWidget *w : window->findChildren<QWidget *>())
        if (w->isVisibleTo(window.get()) && (w->minimumSizeHint().height() > 300 || w->minimumSizeHint().width() > 400))
            culprits += w->metaObject()->className() + std::string(" ") + w->objectName().toStdString() + " " +
                        std::to_string(w->minimumSizeHint().width()) + "x" +
                        std::to_string(w->minimumSizeHint().height()) + "\n";
    EXPECT_LE(minimum.width(), 1024) << culprits;
    EXPECT_LE(minimum.height(), 640) << culprits;
    EXPECT_LE(window->width(), 1024);
    EXPECT_LE(window->height(), 640);
}

namespace {

// First start: the window takes most of the screen, centred; a saved geometry on a screen that is gone (or larger
// than this one) comes back inside the screen instead of partly off it.
TEST(MainWindowPlacement, FirstStartFillsMostOfTheScreenAndASavedGeometryStaysOnIt)
{
    QSettings settings;
    settings.remove(QStringLiteral("window"));
    const QRect room = QGuiApplication::primaryScreen()->availableGeometry();
    {
        md::MainWindow window;
        // 85 % of a large screen; all of a small one (under 1280x800).
        const double share = room.width() < 1280 || room.height() < 800 ? 1.0 : 0.85;
        EXPECT_NEAR(window.width(), std::max<double>(room.width() * share, window.minimumSizeHint().width()), 2);
        EXPECT_NEAR(window.height(), std::max<double>(room.height() * share, window.minimumSizeHint().height()), 2);
        EXPECT_TRUE(room.contains(window.geometry().topLeft())) << window.x() << "," << window.y();
        if (window.minimumSizeHint().width() <= room.width() && window.minimumSizeHint().height() <= room.height()) {
            EXPECT_TRUE(room.contains(window.geometry())) << window.x() << "," << window.y();
        }
    }
    for (const QRect &saved : {QRect(room.right() + 4000, 100, 700, 500), // a second monitor that is gone
                               QRect(room.right() - 200, room.bottom() - 100, 600, 400), // hanging off the corner
                               QRect(room.x(), room.y(), room.width() * 2, room.height() * 2)}) { // too big
        QWidget probe;
        probe.setGeometry(saved);
        settings.setValue(QStringLiteral("window/geometry"), probe.saveGeometry());
        md::MainWindow window;
        EXPECT_TRUE(room.contains(window.geometry()))
            << "saved " << saved.x() << "," << saved.y() << " " << saved.width() << "x" << saved.height() << " -> "
            << window.x() << "," << window.y() << " " << window.width() << "x" << window.height();
        settings.remove(QStringLiteral("window"));
    }
}

} // namespace
