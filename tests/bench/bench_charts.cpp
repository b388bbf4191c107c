// Chart benchmark: build the comparison model and the grouped bar chart for 20 versions x 20 metrics and
// draw it offscreen into a QImage (target: under 50 ms). Its own binary, because widgets need a
// QApplication.

#include "comparisonmodel.h"
#include "groupedbarchart.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <benchmark/benchmark.h>

using namespace md;

namespace {

QList<ModelVersion> syntheticVersions(int versions, int metrics)
{
    QList<ModelVersion> out;
    for (int v = 1; v <= versions; ++v) {
        ModelVersion mv;
        mv.modelName = QStringLiteral("bench/model");
        mv.version = v;
        mv.stage = v == versions / 2 ? Stage::Production : Stage::None;
        mv.artifactUri = QStringLiteral("s3://bench/%1").arg(v);
        for (int m = 0; m < metrics; ++m)
            mv.metrics << Metric{QStringLiteral("metric_%1").arg(m, 2, 10, QLatin1Char('0')),
                                 QStringLiteral("test"),
                                 {},
                                 0.5 + 0.01 * ((v * 7 + m * 13) % 40)};
        out << mv;
    }
    return out;
}

void BM_GroupedBarChart20x20(benchmark::State &state)
{
    const QList<ModelVersion> versions = syntheticVersions(20, 20);
    QImage image(1200, 700, QImage::Format_ARGB32_Premultiplied);
    int bars = 0;
    for (auto _ : state) {
        ComparisonModel model;
        model.setDiff(diffVersions(versions));
        GroupedBarChart chart(GroupedBarChart::Mode::Metrics);
        chart.resize(1200, 700);
        chart.setModel(&model);
        image.fill(Qt::white);
        QCPPainter painter(&image);
        chart.plot()->toPainter(&painter, image.width(), image.height());
        painter.end();
        bars = 0;
        for (QCPBars *b : chart.bars())
            bars += b->dataCount();
        benchmark::DoNotOptimize(image.constBits());
    }
    state.counters["bars"] = bars;
}
BENCHMARK(BM_GroupedBarChart20x20)->Unit(benchmark::kMillisecond)->MinTime(1.0);

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
