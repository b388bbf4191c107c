// What the comparison charts and the diff hold: bars, values, tick labels, legend, normalise and delta
// modes, tooltips, trend shading and rollback marks, diff highlighting, and exports (PNG, PDF, SVG, CSV).
// Then the Compare view end to end from the main window on a demo registry.

#include "items/comparisonmodel.h"
#include "items/registryclient.h"
#include "items/versiontablemodel.h"
#include "registry/demo.h"
#include "testdb.h"
#include "views/compareview.h"
#include "views/difftableview.h"
#include "views/groupedbarchart.h"
#include "views/mainwindow.h"
#include "views/metrictrendchart.h"
#include "views/modeltreepanel.h"
#include "views/versiontableview.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace md;
using namespace md::test;

namespace {

ModelVersion makeVersion(int n, Stage stage, QList<Metric> metrics, const QString &createdAt = {})
{
    ModelVersion v;
    v.modelName = QStringLiteral("payments/fraud");
    v.version = n;
    v.stage = stage;
    v.createdAt = createdAt;
    v.artifactUri = QStringLiteral("s3://m/%1").arg(n);
    v.metrics = std::move(metrics);
    v.params = {{QStringLiteral("lr"), QStringLiteral("0.1")}};
    return v;
}

Metric m(const QString &name, double value, const QString &slice = {})
{
    return Metric{name, QStringLiteral("test"), slice, value};
}

// v1 None, v2 Production (baseline), v3 Staging without logloss; latency identical in v2 and v3.
QList<ModelVersion> versions()
{
    return {
        makeVersion(1, Stage::None,
                    {m(QStringLiteral("auc"), 0.80), m(QStringLiteral("logloss"), 0.40),
                     m(QStringLiteral("latency_ms"), 12), m(QStringLiteral("auc"), 0.78, QStringLiteral("country=DE")),
                     m(QStringLiteral("auc"), 0.82, QStringLiteral("country=FR"))}),
        makeVersion(2, Stage::Production,
                    {m(QStringLiteral("auc"), 0.85), m(QStringLiteral("logloss"), 0.30),
                     m(QStringLiteral("latency_ms"), 10), m(QStringLiteral("auc"), 0.84, QStringLiteral("country=DE")),
                     m(QStringLiteral("auc"), 0.86, QStringLiteral("country=FR"))}),
        makeVersion(3, Stage::Staging,
                    {m(QStringLiteral("auc"), 0.90), m(QStringLiteral("latency_ms"), 10),
                     m(QStringLiteral("auc"), 0.91, QStringLiteral("country=DE")),
                     m(QStringLiteral("auc"), 0.80, QStringLiteral("country=FR"))})};
}

QList<double> barValues(QCPBars *bars)
{
    QList<double> out;
    for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it)
        out << it->value;
    return out;
}

QStringList tickLabels(QCustomPlot *plot)
{
    auto ticker = plot->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    return ticker ? QStringList(ticker->ticks().values()) : QStringList();
}

QStringList legendNames(QCustomPlot *plot)
{
    QStringList out;
    for (int i = 0; i < plot->legend->itemCount(); ++i)
        if (auto *item = qobject_cast<QCPPlottableLegendItem *>(plot->legend->item(i)))
            out << item->plottable()->name();
    return out;
}

QByteArray head(const QString &path, int n)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.read(n);
}

class Charts : public ::testing::Test
{
protected:
    void SetUp() override
    {
        QSettings().remove(QStringLiteral("metricDirection"));
        model.setDiff(diffVersions(versions(), {}));
    }
    ComparisonModel model;
};

} // namespace

TEST_F(Charts, GroupedBarsHoldOneBarPerVersionPerMetric)
{
    GroupedBarChart chart(GroupedBarChart::Mode::Metrics);
    chart.resize(900, 500);
    chart.setModel(&model);
    chart.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&chart));
    QCustomPlot *plot = chart.plot();
    EXPECT_EQ(tickLabels(plot), (QStringList{QStringLiteral("auc@test"), QStringLiteral("latency_ms@test ↓"),
                                             QStringLiteral("logloss@test ↓")}));
    ASSERT_EQ(plot->plottableCount(), 3);
    ASSERT_EQ(chart.bars().size(), 3);
    EXPECT_EQ(barValues(chart.bars()[0]), (QList<double>{0.80, 12, 0.40}));
    EXPECT_EQ(barValues(chart.bars()[1]), (QList<double>{0.85, 10, 0.30}));
    EXPECT_EQ(barValues(chart.bars()[2]), (QList<double>{0.90, 10})); // no logloss: no bar
    EXPECT_EQ(legendNames(plot), (QStringList{QStringLiteral("v1 · None"), QStringLiteral("v2 · Production (baseline)"),
                                              QStringLiteral("v3 · Staging")}));
    EXPECT_EQ(plot->yAxis->label(), QStringLiteral("value"));

    // Hovering over v3's auc bar names it, its value and how it compares with the baseline.
    plot->replot();
    const QPointF top = chart.bars()[2]->dataPixelPosition(0);
    const QString tip = chart.toolTipAt(QPoint(int(top.x()), int(top.y()) + 4));
    EXPECT_TRUE(tip.startsWith(QStringLiteral("v3 · Staging\nauc@test = 0.9\n+0.05"))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QStringLiteral("(better)")));
    EXPECT_TRUE(chart.toolTipAt(QPoint(2, 2)).isEmpty());
}

TEST_F(Charts, NormaliseAndDeltaModes)
{
    GroupedBarChart chart(GroupedBarChart::Mode::Metrics);
    chart.resize(900, 500);
    chart.setModel(&model);
    chart.setNormalised(true);
    ASSERT_EQ(chart.bars().size(), 3);
    // Divided by the largest value of each metric.
    const QList<double> v1 = barValues(chart.bars()[0]);
    ASSERT_EQ(v1.size(), 3);
    EXPECT_NEAR(v1[0], 0.80 / 0.90, 1e-12);
    EXPECT_NEAR(v1[1], 1.0, 1e-12);
    EXPECT_NEAR(v1[2], 1.0, 1e-12);
    EXPECT_LE(chart.plot()->yAxis->range().upper, 1.2);

    chart.setNormalised(false);
    chart.setDeltas(true);
    EXPECT_EQ(chart.plot()->yAxis->label(), QStringLiteral("difference vs v2"));
    const QList<double> d1 = barValues(chart.bars()[0]);
    EXPECT_NEAR(d1[0], -0.05, 1e-12);
    EXPECT_NEAR(d1[1], 2.0, 1e-12);
    EXPECT_NEAR(d1[2], 0.10, 1e-12);
    EXPECT_EQ(barValues(chart.bars()[1]), (QList<double>{0, 0, 0})); // the baseline itself
    EXPECT_LT(chart.plot()->yAxis->range().lower, 0.0);
    // Better/worse sides of zero are tinted in each of the three groups, and a zero line drawn.
    EXPECT_EQ(chart.plot()->itemCount(), 3 * 2 + 1 + 1);

    // In percent of the baseline's value with both toggles; a new baseline changes every bar.
    chart.setNormalised(true);
    EXPECT_NEAR(barValues(chart.bars()[2])[0], (0.90 - 0.85) / 0.85 * 100.0, 1e-9);
    model.setBaseline(0);
    EXPECT_EQ(chart.plot()->yAxis->label(), QStringLiteral("change vs v1 (%)"));
    EXPECT_NEAR(barValues(chart.bars()[2])[0], (0.90 - 0.80) / 0.80 * 100.0, 1e-9);
    EXPECT_EQ(legendNames(chart.plot())[0], QStringLiteral("v1 · None (baseline)"));
}

TEST_F(Charts, SubgroupBarsShowOneMetricAcrossSlices)
{
    GroupedBarChart chart(GroupedBarChart::Mode::Slices);
    chart.setModel(&model);
    EXPECT_EQ(GroupedBarChart::slicedMetrics(&model), QStringList{QStringLiteral("auc@test")});
    chart.setSliceMetric(QStringLiteral("auc@test"));
    EXPECT_EQ(tickLabels(chart.plot()),
              (QStringList{QStringLiteral("overall"), QStringLiteral("country=DE"), QStringLiteral("country=FR")}));
    ASSERT_EQ(chart.bars().size(), 3);
    // v3 improved overall but regressed on FR: visible here.
    EXPECT_EQ(barValues(chart.bars()[2]), (QList<double>{0.90, 0.91, 0.80}));
    chart.setSliceMetric(QStringLiteral("f1@test"));
    EXPECT_TRUE(chart.groupLabels().isEmpty());
    EXPECT_EQ(chart.plot()->plottableCount(), 0);
}

TEST_F(Charts, ExportsChartAndData)
{
    GroupedBarChart chart(GroupedBarChart::Mode::Metrics);
    chart.resize(800, 450);
    chart.setModel(&model);
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("bars.png"));
    const QString pdf = dir.filePath(QStringLiteral("bars.pdf"));
    const QString svg = dir.filePath(QStringLiteral("bars.svg"));
    const QString csv = dir.filePath(QStringLiteral("bars.csv"));
    EXPECT_EQ(chart.exportImage(png), QString());
    EXPECT_EQ(chart.exportImage(pdf), QString());
    EXPECT_EQ(chart.exportImage(svg), QString());
    EXPECT_EQ(chart.exportCsv(csv), QString());
    EXPECT_FALSE(chart.exportImage(dir.filePath(QStringLiteral("bars.bmpx"))).isEmpty());
    EXPECT_EQ(head(png, 8), QByteArray("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(head(pdf, 5), QByteArray("%PDF-"));
    QFile svgFile(svg);
    ASSERT_TRUE(svgFile.open(QIODevice::ReadOnly));
    const QByteArray svgText = svgFile.readAll();
    EXPECT_TRUE(svgText.contains("<svg")) << svgText.left(200).toStdString();
    EXPECT_TRUE(svgText.contains("</svg>"));
    QImage image(png);
    EXPECT_EQ(image.size(), QSize(800, 450));
    QFile csvFile(csv);
    ASSERT_TRUE(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(csvFile.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    ASSERT_EQ(lines.size(), 1 + 8); // header + 3 + 3 + 2 bars
    EXPECT_EQ(lines[0], QStringLiteral("metric,model,version,stage,value,delta_vs_baseline,plotted,lower_is_better"));
    EXPECT_EQ(lines[1], QStringLiteral("auc@test,payments/fraud,1,None,0.80000000000000004,-0.049999999999999933,"
                                       "0.80000000000000004,no"));
}

TEST(Trend, ShadesProductionPeriodsMarksRollbacksAndHighlights)
{
    QList<ModelVersion> all;
    for (int i = 1; i <= 10; ++i)
        all << makeVersion(i, i == 3 ? Stage::Production : Stage::None, {m(QStringLiteral("auc"), 0.7 + i * 0.01)},
                           QStringLiteral("2026-01-%1T00:00:00.000Z").arg(i * 2, 2, 10, QLatin1Char('0')));
    all[4].metrics.clear(); // v5 has no auc: a gap
    auto period = [](int version, const char *from, const char *to, const char *kind) {
        ProductionPeriod p;
        p.version = version;
        p.from = QLatin1String(from);
        p.to = QLatin1String(to);
        p.enteredKind = QLatin1String(kind);
        return p;
    };
    const ProductionPeriod p1 = period(3, "2026-01-07T00:00:00.000Z", "2026-01-13T00:00:00.000Z", "promote");
    const ProductionPeriod p2 = period(7, "2026-01-13T00:00:00.000Z", "2026-01-15T00:00:00.000Z", "promote");
    const ProductionPeriod p3 = period(3, "2026-01-15T00:00:00.000Z", "", "rollback");
    MetricTrendChart chart;
    chart.resize(900, 450);
    chart.setData(QStringLiteral("payments/fraud"), all, {p1, p2, p3});
    chart.setHighlighted({2, 8});
    EXPECT_EQ(chart.metric(), QStringLiteral("auc@test"));
    EXPECT_EQ(chart.productionBandCount(), 3);
    EXPECT_EQ(chart.rollbackMarkCount(), 1);
    ASSERT_TRUE(chart.valueGraph());
    EXPECT_EQ(chart.valueGraph()->dataCount(), 9);
    ASSERT_TRUE(chart.highlightGraph());
    EXPECT_EQ(chart.highlightGraph()->dataCount(), 2);
    EXPECT_DOUBLE_EQ(chart.highlightGraph()->data()->at(1)->value, 0.78);
    // Day 7 lies halfway between v3 (day 6) and v4 (day 8); still in Production: to the end.
    EXPECT_DOUBLE_EQ(chart.xOfTime(p1.from), 3.5);
    EXPECT_DOUBLE_EQ(chart.xOfTime(QStringLiteral("2027-01-01T00:00:00.000Z")), 10.5);
    int bands = 0;
    for (int i = 0; i < chart.plot()->itemCount(); ++i)
        bands += chart.plot()->item(i)->objectName() == QLatin1String("productionBand") ? 1 : 0;
    EXPECT_EQ(bands, 3);
    EXPECT_EQ(chart.csvRows().size(), 11);
    EXPECT_EQ(chart.csvRows()[2].last(), QStringLiteral("yes"));
}

TEST_F(Charts, DiffHighlightsDifferencesBetterWorseAndMissing)
{
    DiffTableView view(&model);
    view.resize(900, 500);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    QAbstractItemModel *shown = view.table()->model();
    auto find = [shown](const QString &key) {
        for (int r = 0; r < shown->rowCount(); ++r)
            if (shown->index(r, 0).data().toString() == key)
                return r;
        return -1;
    };
    const int auc = find(QStringLiteral("auc@test"));
    const int loss = find(QStringLiteral("logloss@test"));
    const int lr = find(QStringLiteral("lr"));
    ASSERT_GE(auc, 0);
    ASSERT_GE(loss, 0);
    ASSERT_GE(lr, 0);
    const QColor better = DiffTableView::cellColor(shown->index(auc, 3));
    const QColor worse = DiffTableView::cellColor(shown->index(auc, 1));
    EXPECT_TRUE(better.isValid());
    EXPECT_TRUE(worse.isValid());
    EXPECT_NE(better, worse);
    EXPECT_EQ(DiffTableView::cellColor(shown->index(loss, 1)), worse);     // higher loss than baseline
    EXPECT_FALSE(DiffTableView::cellColor(shown->index(lr, 1)).isValid()); // identical: not highlighted
    const QColor differs = DiffTableView::cellColor(shown->index(auc, 0));
    EXPECT_TRUE(differs.isValid());
    const QColor missing = DiffTableView::cellColor(shown->index(loss, 3));
    EXPECT_TRUE(missing.isValid());
    EXPECT_NE(missing, differs);
    EXPECT_EQ(shown->index(auc, 1).data().toString(), QStringLiteral("0.8  (-0.05)"));

    const int all = shown->rowCount();
    QCheckBox *only = view.differencesOnlyBox();
    QTest::mouseClick(only, Qt::LeftButton, {}, QPoint(8, only->height() / 2));
    ASSERT_TRUE(only->isChecked());
    EXPECT_LT(shown->rowCount(), all);
    EXPECT_EQ(find(QStringLiteral("lr")), -1);
    EXPECT_EQ(find(QStringLiteral("Params")), -1); // nothing left in that section
    EXPECT_GE(find(QStringLiteral("auc@test")), 0);
    EXPECT_EQ(view.csvRows().size(), shown->rowCount() + 1);
}

TEST(CompareFromMainWindow, SelectVersionsCompareAndExport)
{
    TestDatabase db(Backend::Sqlite);
    ASSERT_TRUE(db.ready()) << db.error().toStdString();
    {
        auto registry = db.open();
        ASSERT_TRUE(registry);
        ASSERT_TRUE(fillDemoRegistry(*registry, 42));
    }
    auto window = std::make_unique<MainWindow>();
    window->resize(1280, 800);
    window->show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(window.get()));
    QSignalSpy opened(window.get(), &MainWindow::registryOpened);
    window->openRegistry(db.url());
    ASSERT_TRUE(opened.wait(15000));
    const QString name = QStringLiteral("payments/fraud-detector");
    window->openVersion(name, 3);
    QAbstractItemModel *table = window->versionView()->model();
    ASSERT_TRUE(
        waitFor([&]() { return table->rowCount() > 10 && !window->versionView()->selectedVersions().isEmpty(); }));
    // Select four rows (Ctrl+click adds to the selection), then Ctrl+D.
    VersionTableView *view = window->versionView();
    view->selectionModel()->clearSelection();
    for (int row : {0, 1, 2, 3}) {
        const QModelIndex i = table->index(row, 1);
        view->scrollTo(i);
        QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::ControlModifier, view->visualRect(i).center());
    }
    ASSERT_EQ(view->selectedVersions().size(), 4);
    QSignalSpy loaded(window->compareView(), &CompareView::loaded);
    window->activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(window.get()));
    view->setFocus();
    QTest::keyClick(view, Qt::Key_D, Qt::ControlModifier);
    ASSERT_TRUE(loaded.wait(15000));
    CompareView *compare = window->compareView();
    EXPECT_TRUE(compare->isVisible());
    // Normalised per metric from the start: every metric's largest bar is 1 (auc is not flattened by latency_ms).
    EXPECT_TRUE(compare->normaliseBox()->isChecked());
    EXPECT_TRUE(compare->metricBars()->normalised());
    const int n = compare->model()->versionCount();
    EXPECT_GE(n, 4); // plus the Production version as baseline when it was not chosen
    EXPECT_EQ(compare->model()->diff().versions[compare->model()->baseline()].stage, Stage::Production);
    EXPECT_EQ(compare->metricBars()->bars().size(), n);
    EXPECT_EQ(compare->metricBars()->groupLabels().size(), 7); // auc/f1 x test, validation ... overall metrics
    EXPECT_EQ(compare->sliceMetricBox()->currentText(), QStringLiteral("auc@test"));
    EXPECT_EQ(compare->sliceBars()->groupLabels().size(), 4); // overall + DE, FR, US
    auto periods = [&]() {
        auto r = db.open();
        auto h = r->productionHistory(name);
        return h ? int(h->size()) : -1;
    }();
    EXPECT_GT(periods, 0);
    EXPECT_EQ(compare->trend()->productionBandCount(), periods);
    EXPECT_EQ(compare->trend()->rollbackMarkCount(), 1); // the demo rolled fraud-detector back once
    EXPECT_EQ(compare->trend()->highlightGraph()->dataCount(), n);

    QTest::mouseClick(compare->deltasBox(), Qt::LeftButton, {}, QPoint(8, compare->deltasBox()->height() / 2));
    EXPECT_TRUE(compare->metricBars()->deltas());
    EXPECT_TRUE(compare->sliceBars()->deltas());
    compare->baselineBox()->setCurrentIndex(0);
    EXPECT_EQ(compare->model()->baseline(), 0);
    EXPECT_EQ(barValues(compare->metricBars()->bars()[0]), QList<double>(7, 0.0));

    // In a small window every control of the comparison stays inside it (Back to versions was once pushed off).
    window->resize(1024, 640);
    QApplication::processEvents();
    for (const char *name : {"compareClose", "compareExport", "baseline", "normalise", "deltas"}) {
        auto *w = compare->findChild<QWidget *>(QLatin1String(name));
        ASSERT_NE(w, nullptr) << name;
        const QRect inWindow(w->mapTo(window.get(), QPoint(0, 0)), w->size());
        EXPECT_TRUE(window->rect().contains(inWindow)) << name << " at " << inWindow.x() << "," << inWindow.y() << " "
                                                       << inWindow.width() << "x" << inWindow.height();
        EXPECT_GE(w->width(), w->minimumSizeHint().width()) << name << " is squeezed";
    }
    window->resize(1280, 800);

    QTemporaryDir dir;
    compare->tabs()->setCurrentIndex(CompareView::TrendTab);
    EXPECT_EQ(compare->exportCurrent(dir.filePath(QStringLiteral("trend.svg"))), QString());
    EXPECT_TRUE(head(dir.filePath(QStringLiteral("trend.svg")), 400).contains("<svg"));
    compare->tabs()->setCurrentIndex(CompareView::DiffTab);
    EXPECT_EQ(compare->exportCurrent(dir.filePath(QStringLiteral("diff.csv"))), QString());
    EXPECT_FALSE(compare->exportCurrent(dir.filePath(QStringLiteral("diff.png"))).isEmpty());
    window.reset();
}
