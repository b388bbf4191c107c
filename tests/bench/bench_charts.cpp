// Comparing versions in a chart (README, Architecture: performance targets: "compare 20 versions x 20 metrics, chart
// drawn offscreen", target < 50 ms). compare_chart does what the Compare view does for 20 versions of one model of the
// reference registry: loadComparison() (the same code the view's worker runs: full metadata of the chosen versions,
// every version of the model with its metrics for the trend, the Production history), the ComparisonModel, and the
// grouped bar chart drawn into an image. compare_chart_sql is the floor of the database part: the same data read with
// five hand-written queries. chart_only_synthetic times the model and the chart alone on in-memory versions.

#include "benchutil.h"
#include "items/comparisondata.h"
#include "items/comparisonmodel.h"
#include "views/groupedbarchart.h"

#include <qcustomplot.h>

#include <QImage>
#include <QPainter>
#include <QSqlQuery>
#include <QSqlRecord>

using namespace md;

namespace {

constexpr int kVersions = 20;
constexpr int kImageWidth = 1200;
constexpr int kImageHeight = 700;

struct ModelRange
{
    QString name;
    int lastVersion = 0;
};

// Every model of the registry with its newest version number (untimed set-up), so that each iteration
// compares a different model's newest 20 versions and no iteration finds its rows cached by the previous.
QList<ModelRange> comparableModels(benchmark::State &state, Registry &r)
{
    QList<ModelRange> out;
    auto q = RegistryInternals::database(r).exec(
        QStringLiteral("SELECT name, last_version FROM registered_models WHERE last_version >= ? ORDER BY id"),
        {kVersions});
    if (!q) {
        bench::skip(state, q.error().message);
        return out;
    }
    while (q->next())
        out << ModelRange{q->value(0).toString(), q->value(1).toInt()};
    if (out.isEmpty())
        bench::skip(state, QStringLiteral("the reference registry has no model with %1 versions").arg(kVersions));
    return out;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Draws the chart the way the Compare view's Metrics tab shows it, into image.
int drawChart(ComparisonModel &model, QImage &image)
{
    GroupedBarChart chart(GroupedBarChart::Mode::Metrics);
    chart.resize(image.width(), image.height());
    chart.setModel(&model);
    image.fill(Qt::white);
    QCPPainter painter(&image);
    chart.plot()->toPainter(&painter, image.width(), image.height());
    painter.end();
    int bars = 0;
    for (QCPBars *b : chart.bars())
        bars += b->dataCount();
    benchmark::DoNotOptimize(image.constBits());
    return bars;
}

void compare_chart(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const QList<ModelRange> models = comparableModels(state, *r);
    if (models.isEmpty())
        return;
    QImage image(kImageWidth, kImageHeight, QImage::Format_ARGB32_Premultiplied);
    int next = 0;
    int bars = 0;
    qsizetype versions = 0;
    qsizetype metricRows = 0;
    std::vector<double> loadMs, chartMs;
    bench::timeEach(state, [&] {
        const ModelRange &m = models[next++ % models.size()];
        QList<VersionRef> refs;
        for (int v = m.lastVersion - kVersions + 1; v <= m.lastVersion; ++v)
            refs << VersionRef{m.name, v};
        const auto start = std::chrono::steady_clock::now();
        auto data = loadComparison(*r, refs);
        if (!data) {
            bench::skip(state, data.error().message);
            return false;
        }
        const auto loaded = std::chrono::steady_clock::now();
        loadMs.push_back(std::chrono::duration<double, std::milli>(loaded - start).count());
        ComparisonModel model;
        model.setDiff(diffVersions(data->versions, data->directions));
        versions = model.versionCount();
        metricRows = 0;
        for (const DiffRow &row : model.diff().rows)
            metricRows += row.section == DiffRow::Section::Metric ? 1 : 0;
        bars = drawChart(model, image);
        chartMs.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - loaded).count());
        return true;
    });
    // Where the time goes: loading (loadComparison) and the model plus the chart.
    state.counters["load_ms"] = median(loadMs);
    state.counters["chart_ms"] = median(chartMs);
    state.counters["versions"] = double(versions);
    state.counters["metrics"] = double(metricRows);
    state.counters["bars"] = bars;
}

// By hand: the data loadComparison() reads, in five queries: every version of the model with all its
// metrics (the 20 compared and the trend), the params, facts and tags of the 20, and the Production
// history. Its floor is the load (load_ms of compare_chart); the chart has no SQL equivalent.
void compare_chart_sql(benchmark::State &state, Dialect dialect)
{
    auto r = bench::openReference(state, dialect);
    if (!r)
        return;
    const QList<ModelRange> models = comparableModels(state, *r);
    if (models.isEmpty())
        return;
    const QString chosen = QStringLiteral(" FROM registered_models m JOIN model_versions v ON v.model_id = m.id "
                                          "JOIN %1 x ON x.version_id = v.id WHERE m.name = ? AND v.version > ?");
    const QStringList sqls = {
        QStringLiteral("SELECT v.id, v.version, v.stage, v.created_at, v.created_by, v.artifact_uri, x.name, "
                       "x.dataset, x.slice, x.value FROM registered_models m JOIN model_versions v ON v.model_id = "
                       "m.id LEFT JOIN metrics x ON x.version_id = v.id WHERE m.name = ? AND v.version > ? "
                       "ORDER BY v.version, x.name"),
        QStringLiteral("SELECT v.version, x.name, x.value") + chosen.arg(QStringLiteral("params")),
        QStringLiteral("SELECT v.version, x.category, x.name, x.value") + chosen.arg(QStringLiteral("facts")),
        QStringLiteral("SELECT v.version, x.key, x.value") + chosen.arg(QStringLiteral("version_tags")),
        QStringLiteral("SELECT v.version, x.from_stage, x.to_stage, x.kind, x.actor, x.at, x.reason, x.approval_id") +
            chosen.arg(QStringLiteral("stage_transitions")) +
            QStringLiteral(" AND (x.to_stage = 'Production' OR x.from_stage = 'Production') ORDER BY x.id"),
    };
    int next = 0;
    qsizetype values = 0;
    bench::timeEach(state, [&] {
        const ModelRange &m = models[next++ % models.size()];
        values = 0;
        for (qsizetype i = 0; i < sqls.size(); ++i) {
            // The first query reads every version (the trend); the others the 20 compared.
            qsizetype rows = 0;
            if (!bench::readAll(state, RegistryInternals::database(*r), sqls[i],
                                {m.name, i == 0 ? 0 : m.lastVersion - kVersions}, &rows))
                return false;
            values += rows;
        }
        return true;
    });
    state.counters["rows"] = double(values);
}

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

// The model and the chart alone (no database), on 20 in-memory versions x 20 metrics.
void chart_only_synthetic(benchmark::State &state)
{
    const QList<ModelVersion> versions = syntheticVersions(kVersions, 20);
    QImage image(kImageWidth, kImageHeight, QImage::Format_ARGB32_Premultiplied);
    int bars = 0;
    bench::timeEach(state, [&] {
        ComparisonModel model;
        model.setDiff(diffVersions(versions, {}));
        bars = drawChart(model, image);
        return true;
    });
    state.counters["bars"] = bars;
}

} // namespace

MD_BENCH_BOTH(compare_chart);
MD_BENCH_BOTH(compare_chart_sql);
BENCHMARK(chart_only_synthetic)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
