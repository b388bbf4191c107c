#include "metrictrendchart.h"

#include "items/metricdirection.h"
#include "stagestyle.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>

#include <algorithm>
#include <limits>

namespace md {

namespace {
std::optional<double> metricValue(const ModelVersion &v, const QString &key)
{
    for (const Metric &m : v.metrics)
        if (m.key() == key)
            return m.value;
    return std::nullopt;
}
} // namespace

MetricTrendChart::MetricTrendChart(QWidget *parent) : ChartWidget(parent), m_metricBox(new QComboBox(this))
{
    setObjectName(QStringLiteral("trendChart"));
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Metric:"), this));
    m_metricBox->setObjectName(QStringLiteral("trendMetric"));
    m_metricBox->setMinimumContentsLength(18);
    bar->addWidget(m_metricBox);
    bar->addStretch(1);
    layout()->insertLayout(0, bar);
    connect(m_metricBox, &QComboBox::currentTextChanged, this, [this](const QString &key) {
        if (!key.isEmpty() && key != m_metric) {
            m_metric = key;
            rebuild();
        }
    });
    QCustomPlot *p = plot();
    p->addLayer(QStringLiteral("bands"), p->layer(QStringLiteral("grid")), QCustomPlot::limBelow);
    p->legend->setVisible(true);
    p->legend->setBorderPen(QPen(QColor(0xbd, 0xbd, 0xbd)));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    p->xAxis->setLabel(tr("version"));
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    p->xAxis->setTicker(ticker);
    p->xAxis->grid()->setVisible(false);
}

void MetricTrendChart::setData(const QString &modelName, const QList<ModelVersion> &versions,
                               const QList<ProductionPeriod> &periods)
{
    m_modelName = modelName;
    m_versions = versions;
    std::sort(m_versions.begin(), m_versions.end(),
              [](const ModelVersion &a, const ModelVersion &b) { return a.version < b.version; });
    m_periods = periods;
    QStringList keys;
    for (const ModelVersion &v : m_versions)
        for (const Metric &m : v.metrics)
            if (m.slice.isEmpty() && !keys.contains(m.key()))
                keys << m.key();
    keys.sort();
    m_metricKeys = keys;
    const QString keep = m_metric;
    {
        const QSignalBlocker block(m_metricBox);
        m_metricBox->clear();
        m_metricBox->addItems(keys);
    }
    if (keys.contains(keep))
        m_metric = keep;
    else if (keys.contains(QStringLiteral("auc@test")))
        m_metric = QStringLiteral("auc@test");
    else
        m_metric = keys.value(0);
    m_metricBox->setCurrentText(m_metric);
    rebuild();
}

void MetricTrendChart::setHighlighted(const QSet<int> &versions)
{
    m_highlighted = versions;
    rebuild();
}

void MetricTrendChart::setMetric(const QString &metricKey)
{
    m_metricBox->setCurrentText(metricKey); // rebuilds through the signal when it changes
    if (m_metric != metricKey && m_metricKeys.contains(metricKey)) {
        m_metric = metricKey;
        rebuild();
    }
}

double MetricTrendChart::xOfTime(const QString &isoTime) const
{
    if (m_versions.isEmpty())
        return 0.0;
    const QDateTime t = QDateTime::fromString(isoTime, Qt::ISODateWithMs);
    const double first = m_versions.first().version - 0.5;
    const double last = m_versions.last().version + 0.5;
    if (!t.isValid())
        return last;
    QDateTime previous;
    double previousX = first;
    for (const ModelVersion &v : m_versions) {
        const QDateTime c = QDateTime::fromString(v.createdAt, Qt::ISODateWithMs);
        if (!c.isValid())
            continue;
        if (t < c) {
            if (!previous.isValid() || previous >= c)
                return std::max(first, v.version - 0.5);
            const double f = double(previous.msecsTo(t)) / double(previous.msecsTo(c));
            return previousX + f * (v.version - previousX);
        }
        previous = c;
        previousX = v.version;
    }
    return std::min(last, previousX + 0.5);
}

void MetricTrendChart::rebuild()
{
    QCustomPlot *p = plot();
    p->clearPlottables();
    p->clearItems();
    m_values = nullptr;
    m_highlight = nullptr;
    m_bandCount = 0;
    m_rollbackCount = 0;
    if (m_versions.isEmpty() || m_metric.isEmpty()) {
        p->replot();
        return;
    }
    const bool lower = m_directions.lowerIsBetter(splitMetricKey(m_metric).name);
    m_values = p->addGraph();
    m_values->setName(m_metric + (lower ? tr(" (lower is better)") : tr(" (higher is better)")));
    m_values->setPen(QPen(QColor(0x00, 0x72, 0xb2), 1.5));
    m_values->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(0x00, 0x72, 0xb2), Qt::white, 5));
    m_highlight = p->addGraph();
    m_highlight->setName(tr("compared versions"));
    m_highlight->setLineStyle(QCPGraph::lsNone);
    m_highlight->setScatterStyle(
        QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(QColor(0x21, 0x21, 0x21), 1.5), QColor(0xe6, 0x9f, 0x00), 11));
    double low = std::numeric_limits<double>::max();
    double high = std::numeric_limits<double>::lowest();
    for (const ModelVersion &v : m_versions) {
        const auto value = metricValue(v, m_metric);
        if (!value)
            continue;
        m_values->addData(v.version, *value);
        if (m_highlighted.contains(v.version))
            m_highlight->addData(v.version, *value);
        low = std::min(low, *value);
        high = std::max(high, *value);
    }
    if (low > high) {
        low = 0;
        high = 1;
    }
    const double pad = std::max((high - low) * 0.12, 1e-6);
    p->yAxis->setRange(low - pad, high + pad * 2.5); // room at the top for the period labels
    p->yAxis->setLabel(m_metric + (lower ? QStringLiteral(" ↓") : QString()));
    p->xAxis->setRange(m_versions.first().version - 0.7, m_versions.last().version + 0.7);

    // Production periods.
    const QColor band = stageColor(Stage::Production);
    int n = 0;
    for (const ProductionPeriod &period : m_periods) {
        const double x0 = xOfTime(period.from);
        const double x1 = period.to.isEmpty() ? m_versions.last().version + 0.5 : xOfTime(period.to);
        auto *rect = new QCPItemRect(p);
        rect->setLayer(QStringLiteral("bands"));
        rect->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->topLeft->setCoords(x0, 0.0);
        rect->bottomRight->setCoords(std::max(x1, x0 + 0.05), 1.0);
        QColor fill = band;
        fill.setAlpha(n % 2 == 0 ? 90 : 150); // neighbouring periods stay apart
        rect->setBrush(fill);
        rect->setPen(QPen(band.darker(140), 1));
        rect->setSelectable(false);
        rect->setObjectName(QStringLiteral("productionBand"));
        ++m_bandCount;
        ++n;
        auto *label = new QCPItemText(p);
        label->position->setTypeX(QCPItemPosition::ptPlotCoords);
        label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        label->position->setCoords(x0, 0.01 + 0.05 * (n % 3)); // short periods side by side stay legible
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setPadding(QMargins(3, 1, 3, 1));
        label->setText(QStringLiteral("v%1").arg(period.version));
        label->setColor(QColor(0x0d, 0x47, 0xa1));
        label->setClipToAxisRect(true);
        label->setSelectable(false);
        if (period.enteredKind == QLatin1String("rollback")) {
            auto *line = new QCPItemLine(p);
            line->start->setTypeX(QCPItemPosition::ptPlotCoords);
            line->start->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->end->setTypeX(QCPItemPosition::ptPlotCoords);
            line->end->setTypeY(QCPItemPosition::ptAxisRectRatio);
            line->start->setCoords(x0, 0.0);
            line->end->setCoords(x0, 1.0);
            line->setPen(QPen(QColor(0xc6, 0x28, 0x28), 2, Qt::DashLine));
            line->setObjectName(QStringLiteral("rollbackMark"));
            line->setSelectable(false);
            auto *text = new QCPItemText(p);
            text->position->setTypeX(QCPItemPosition::ptPlotCoords);
            text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            text->position->setCoords(x0, 0.18);
            text->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
            text->setPadding(QMargins(3, 1, 3, 1));
            text->setBrush(QColor(255, 255, 255, 220));
            text->setColor(QColor(0xc6, 0x28, 0x28));
            text->setText(tr("rollback to v%1").arg(period.version));
            text->setSelectable(false);
            ++m_rollbackCount;
        }
    }
    if (m_bandCount > 0) {
        // A legend entry for the bands: an empty bar series in the band colour.
        auto *key = new QCPBars(p->xAxis, p->yAxis);
        key->setName(tr("in Production (v = serving version)"));
        QColor fill = band;
        fill.setAlpha(120);
        key->setBrush(fill);
        key->setPen(QPen(band.darker(140)));
    }
    p->replot();
}

QList<QStringList> MetricTrendChart::csvRows() const
{
    QList<QStringList> rows;
    rows << QStringList{QStringLiteral("model"),
                        QStringLiteral("version"),
                        QStringLiteral("stage"),
                        QStringLiteral("created_at"),
                        m_metric,
                        QStringLiteral("compared")};
    for (const ModelVersion &v : m_versions) {
        const auto value = metricValue(v, m_metric);
        rows << QStringList{m_modelName,
                            QString::number(v.version),
                            stageName(v.stage),
                            v.createdAt,
                            value ? QString::number(*value, 'g', 17) : QString(),
                            m_highlighted.contains(v.version) ? QStringLiteral("yes") : QStringLiteral("no")};
    }
    return rows;
}

} // namespace md
