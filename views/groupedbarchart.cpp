#include "groupedbarchart.h"

#include "items/comparisonmodel.h"
#include "stagestyle.h"

#include <qcustomplot.h>

#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace md {

namespace {

const QColor kBetterTint(0xdf, 0xf0, 0xe8);
const QColor kWorseTint(0xfb, 0xe9, 0xd9);
const QColor kLowerIsBetterTint(0xf3, 0xf0, 0xf8);

QString number(double v)
{
    return QString::number(v, 'g', 5);
}

QString signedNumber(double v)
{
    return v > 0 ? QString(QLatin1Char('+') + number(v)) : number(v);
}

} // namespace

GroupedBarChart::GroupedBarChart(Mode mode, QWidget *parent) : ChartWidget(parent), m_mode(mode)
{
    setObjectName(mode == Mode::Metrics ? QStringLiteral("metricBars") : QStringLiteral("sliceBars"));
    QCustomPlot *p = plot();
    p->setMouseTracking(true);
    p->addLayer(QStringLiteral("bands"), p->layer(QStringLiteral("grid")), QCustomPlot::limBelow);
    // The legend sits right of the axis rect, so it never covers bars.
    p->legend->setVisible(true);
    p->legend->setBorderPen(Qt::NoPen);
    p->legend->setIconSize(14, 10);
    // Rows keep their natural height: an empty element below the legend takes the spare height.
    auto *side = new QCPLayoutGrid;
    p->plotLayout()->addElement(0, 1, side);
    side->addElement(0, 0, p->legend);
    side->addElement(1, 0, new QCPLayoutElement(p));
    side->setRowStretchFactor(0, 0.001);
    side->setRowStretchFactor(1, 1.0);
    p->plotLayout()->setColumnStretchFactor(1, 0.001);
    p->legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    p->xAxis->grid()->setVisible(false);
    p->yAxis->grid()->setSubGridVisible(false);
    connect(p, &QCustomPlot::mouseMove, this, [this](QMouseEvent *event) {
        const QString text = toolTipAt(event->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPosition().toPoint(), text, plot());
    });
}

void GroupedBarChart::setModel(QAbstractItemModel *model)
{
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    m_model = model;
    if (model) {
        connect(model, &QAbstractItemModel::modelReset, this, &GroupedBarChart::rebuild);
        connect(model, &QAbstractItemModel::dataChanged, this, &GroupedBarChart::rebuild);
        connect(model, &QAbstractItemModel::layoutChanged, this, &GroupedBarChart::rebuild);
        connect(model, &QAbstractItemModel::rowsInserted, this, &GroupedBarChart::rebuild);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &GroupedBarChart::rebuild);
    }
    rebuild();
}

void GroupedBarChart::setSliceMetric(const QString &nameAtDataset)
{
    m_sliceMetric = nameAtDataset;
    rebuild();
}

void GroupedBarChart::setNormalised(bool on)
{
    if (on != m_normalised) {
        m_normalised = on;
        rebuild();
    }
}

void GroupedBarChart::setDeltas(bool on)
{
    if (on != m_deltas) {
        m_deltas = on;
        rebuild();
    }
}

QStringList GroupedBarChart::slicedMetrics(const QAbstractItemModel *model)
{
    QStringList out;
    if (!model)
        return out;
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex i = model->index(r, 0);
        if (i.data(ComparisonModel::SliceRole).toString().isEmpty())
            continue;
        const QString dataset = i.data(ComparisonModel::DatasetRole).toString();
        const QString key = i.data(ComparisonModel::MetricNameRole).toString() +
                            (dataset.isEmpty() ? QString() : QString(QLatin1Char('@') + dataset));
        if (!out.contains(key))
            out << key;
    }
    return out;
}

QList<GroupedBarChart::Group> GroupedBarChart::collectGroups() const
{
    QList<Group> groups;
    if (!m_model)
        return groups;
    for (int r = 0; r < m_model->rowCount(); ++r) {
        const QModelIndex i = m_model->index(r, 0);
        if (i.data(ComparisonModel::IsSectionHeaderRole).toBool() ||
            i.data(ComparisonModel::SectionRole).toInt() != int(DiffRow::Section::Metric))
            continue;
        const QString slice = i.data(ComparisonModel::SliceRole).toString();
        const bool lower = i.data(ComparisonModel::LowerIsBetterRole).toBool();
        if (m_mode == Mode::Metrics) {
            if (slice.isEmpty())
                groups << Group{
                    i.data(ComparisonModel::KeyRole).toString() + (lower ? QStringLiteral(" ↓") : QString()), r, lower};
        } else {
            const QString dataset = i.data(ComparisonModel::DatasetRole).toString();
            const QString key = i.data(ComparisonModel::MetricNameRole).toString() +
                                (dataset.isEmpty() ? QString() : QString(QLatin1Char('@') + dataset));
            if (key == m_sliceMetric)
                groups << Group{slice.isEmpty() ? tr("overall") : slice, r, lower};
        }
    }
    return groups;
}

double GroupedBarChart::plotted(int row, int column, bool *ok) const
{
    *ok = false;
    const QModelIndex i = m_model->index(row, column);
    const QVariant n = i.data(ComparisonModel::NumberRole);
    if (!n.isValid())
        return 0.0;
    if (m_deltas) {
        const QVariant d = i.data(ComparisonModel::DeltaRole);
        if (!d.isValid())
            return 0.0;
        if (!m_normalised) {
            *ok = true;
            return d.toDouble();
        }
        const double base = n.toDouble() - d.toDouble();
        if (std::abs(base) < 1e-300)
            return 0.0;
        *ok = true;
        return d.toDouble() / std::abs(base) * 100.0;
    }
    if (!m_normalised) {
        *ok = true;
        return n.toDouble();
    }
    double largest = 0.0;
    for (int c = ComparisonModel::FirstVersionColumn; c < m_model->columnCount(); ++c)
        largest = std::max(largest, std::abs(m_model->index(row, c).data(ComparisonModel::NumberRole).toDouble()));
    if (largest <= 0.0)
        return 0.0;
    *ok = true;
    return n.toDouble() / largest;
}

void GroupedBarChart::rebuild()
{
    QCustomPlot *p = plot();
    p->clearPlottables();
    p->clearItems();
    m_bars.clear();
    m_barColumns.clear();
    m_groups = collectGroups();
    m_groupLabels.clear();
    for (const Group &g : m_groups)
        m_groupLabels << g.label;

    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (qsizetype g = 0; g < m_groups.size(); ++g)
        ticker->addTick(double(g + 1), m_groups[g].label);
    p->xAxis->setTicker(ticker);
    p->xAxis->setRange(0.4, double(m_groups.size()) + 0.6);

    const int columns = m_model ? m_model->columnCount() : 0;
    const int versions = std::max(0, columns - ComparisonModel::FirstVersionColumn);
    QString baselineLabel;
    for (int c = ComparisonModel::FirstVersionColumn; c < columns; ++c)
        if (m_model->headerData(c, Qt::Horizontal, ComparisonModel::IsBaselineRole).toBool())
            baselineLabel = m_model->headerData(c, Qt::Horizontal).toString().section(QLatin1Char('\n'), 0, 0);

    if (m_groups.isEmpty() || versions == 0) {
        auto *empty = new QCPItemText(p);
        empty->position->setType(QCPItemPosition::ptAxisRectRatio);
        empty->position->setCoords(0.5, 0.5);
        empty->setText(m_mode == Mode::Metrics ? tr("The chosen versions have no metrics to compare.")
                                               : tr("The chosen versions have no subgroup (slice) metrics."));
        p->yAxis->setRange(0, 1);
        p->replot();
        return;
    }

    auto *group = p->findChild<QCPBarsGroup *>(QStringLiteral("barsGroup"));
    if (!group) {
        group = new QCPBarsGroup(p);
        group->setObjectName(QStringLiteral("barsGroup"));
        group->setSpacingType(QCPBarsGroup::stAbsolute);
    }
    group->setSpacing(versions > 20 ? 0 : 1);

    // Legend entries flow into a second column when they do not fit the height.
    p->legend->setWrap(std::max(1, (std::max(p->height(), 300) - 40) / 18));
    double low = 0.0;
    double high = 0.0;
    const double width = 0.82 / versions;
    for (int c = ComparisonModel::FirstVersionColumn; c < columns; ++c) {
        const int v = c - ComparisonModel::FirstVersionColumn;
        auto *bars = new QCPBars(p->xAxis, p->yAxis);
        const QStringList header = m_model->headerData(c, Qt::Horizontal).toString().split(QLatin1Char('\n'));
        const Stage stage = Stage(m_model->headerData(c, Qt::Horizontal, ComparisonModel::StageRole).toInt());
        const bool isBaseline = m_model->headerData(c, Qt::Horizontal, ComparisonModel::IsBaselineRole).toBool();
        bars->setName(header.value(0) + QStringLiteral(" · ") + stageName(stage) +
                      (isBaseline ? tr(" (baseline)") : QString()));
        const QColor colour = seriesColor(v);
        bars->setBrush(colour);
        // The baseline and Production versions get a dark outline, so they are found at a glance.
        bars->setPen(isBaseline || stage == Stage::Production ? QPen(QColor(0x21, 0x21, 0x21), 1.5)
                                                              : QPen(colour.darker(125)));
        bars->setWidth(width);
        QVector<double> keys;
        QVector<double> values;
        for (qsizetype g = 0; g < m_groups.size(); ++g) {
            bool ok = false;
            const double value = plotted(m_groups[g].row, c, &ok);
            if (!ok)
                continue; // the version lacks this metric: no bar
            keys << double(g + 1);
            values << value;
            low = std::min(low, value);
            high = std::max(high, value);
        }
        bars->setData(keys, values, true);
        bars->setBarsGroup(group);
        bars->setSelectable(QCP::stNone);
        m_bars << bars;
        m_barColumns << c;
    }
    if (high - low <= 0.0)
        high = low + 1.0;
    const double pad = (high - low) * 0.08;
    p->yAxis->setRange(low < 0 ? low - pad : 0.0, high > 0 ? high + pad : 0.0 + pad);

    // Backgrounds per group: in delta mode the better side of zero green, the worse orange; otherwise a
    // tint behind groups where lower is better.
    for (qsizetype g = 0; g < m_groups.size(); ++g) {
        const double x = double(g + 1);
        auto band = [&](double y0, double y1, const QColor &colour) {
            auto *rect = new QCPItemRect(p);
            rect->setLayer(QStringLiteral("bands"));
            rect->setClipToAxisRect(true);
            rect->topLeft->setCoords(x - 0.48, y1);
            rect->bottomRight->setCoords(x + 0.48, y0);
            rect->setPen(Qt::NoPen);
            rect->setBrush(colour);
            rect->setSelectable(false);
        };
        const double top = p->yAxis->range().upper;
        const double bottom = p->yAxis->range().lower;
        if (m_deltas) {
            const bool lower = m_groups[g].lowerIsBetter;
            band(0.0, top, lower ? kWorseTint : kBetterTint);
            band(bottom, 0.0, lower ? kBetterTint : kWorseTint);
        } else if (m_groups[g].lowerIsBetter) {
            band(bottom, top, kLowerIsBetterTint);
        }
    }
    if (m_deltas) {
        auto *zero = new QCPItemStraightLine(p);
        zero->point1->setCoords(0, 0);
        zero->point2->setCoords(1, 0);
        zero->setPen(QPen(QColor(0x42, 0x42, 0x42)));
        zero->setSelectable(false);
    }

    QString yLabel;
    if (m_deltas)
        yLabel = m_normalised ? tr("change vs %1 (%)").arg(baselineLabel) : tr("difference vs %1").arg(baselineLabel);
    else
        yLabel = m_normalised ? tr("value / largest in group") : tr("value");
    if (m_mode == Mode::Slices)
        yLabel = m_sliceMetric + QStringLiteral(": ") + yLabel;
    p->yAxis->setLabel(yLabel);
    QStringList notes;
    if (m_deltas)
        notes << tr("green side of zero = better");
    else if (std::any_of(m_groups.begin(), m_groups.end(), [](const Group &g) { return g.lowerIsBetter; }))
        notes << tr("↓ shaded: lower is better");
    if (!notes.isEmpty()) {
        auto *note = new QCPItemText(p);
        note->position->setType(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(1.0, 0.0);
        note->setPositionAlignment(Qt::AlignRight | Qt::AlignTop);
        note->setPadding(QMargins(4, 2, 4, 2));
        note->setColor(QColor(0x55, 0x55, 0x55));
        note->setText(notes.join(QStringLiteral("; ")));
        note->setSelectable(false);
    }
    updateTickRotation();
    p->replot();
}

void GroupedBarChart::updateTickRotation()
{
    QCustomPlot *p = plot();
    if (m_groups.isEmpty())
        return;
    const QFontMetrics fm(p->xAxis->tickLabelFont());
    int widest = 0;
    for (const Group &g : m_groups)
        widest = std::max(widest, fm.horizontalAdvance(g.label));
    const int axisWidth = p->axisRect()->width() > 50 ? p->axisRect()->width() : std::max(300, p->width() - 200);
    const double perGroup = double(axisWidth) / double(m_groups.size());
    p->xAxis->setTickLabelRotation(widest + 8 > perGroup ? (widest > 3 * perGroup ? 90.0 : 35.0) : 0.0);
}

void GroupedBarChart::resizeEvent(QResizeEvent *event)
{
    ChartWidget::resizeEvent(event);
    plot()->legend->setWrap(std::max(1, (std::max(plot()->height(), 300) - 40) / 18));
    plot()->legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);
    updateTickRotation();
    plot()->replot();
}

QString GroupedBarChart::toolTipAt(const QPoint &plotPos) const
{
    for (qsizetype b = 0; b < m_bars.size(); ++b) {
        QVariant details;
        if (m_bars[b]->selectTest(QPointF(plotPos), false, &details) < 0)
            continue;
        const QCPDataSelection selection = details.value<QCPDataSelection>();
        if (selection.isEmpty())
            continue;
        const int dataIndex = selection.dataRange().begin();
        const int g = int(std::lround(m_bars[b]->data()->at(dataIndex)->key)) - 1;
        if (g < 0 || g >= m_groups.size())
            continue;
        const int c = m_barColumns[b];
        const QModelIndex i = m_model->index(m_groups[g].row, c);
        QString text = m_bars[b]->name() + QLatin1Char('\n') + m_model->index(m_groups[g].row, 0).data().toString() +
                       QStringLiteral(" = ") + number(i.data(ComparisonModel::NumberRole).toDouble());
        const QVariant delta = i.data(ComparisonModel::DeltaRole);
        if (delta.isValid() && !i.data(ComparisonModel::IsBaselineRole).toBool()) {
            text += QStringLiteral("\n") + tr("%1 vs baseline").arg(signedNumber(delta.toDouble()));
            const QVariant cmp = i.data(ComparisonModel::ComparisonRole);
            if (cmp.isValid())
                text += cmp.toInt() > 0 ? tr(" (better)") : cmp.toInt() < 0 ? tr(" (worse)") : tr(" (same)");
        }
        if (m_groups[g].lowerIsBetter)
            text += QStringLiteral("\n") + tr("lower is better");
        return text;
    }
    return {};
}

QList<QStringList> GroupedBarChart::csvRows() const
{
    QList<QStringList> rows;
    rows << QStringList{m_mode == Mode::Metrics ? QStringLiteral("metric") : QStringLiteral("slice"),
                        QStringLiteral("model"),
                        QStringLiteral("version"),
                        QStringLiteral("stage"),
                        QStringLiteral("value"),
                        QStringLiteral("delta_vs_baseline"),
                        QStringLiteral("plotted"),
                        QStringLiteral("lower_is_better")};
    if (!m_model)
        return rows;
    for (qsizetype b = 0; b < m_bars.size(); ++b) {
        const int c = m_barColumns[b];
        for (qsizetype g = 0; g < m_groups.size(); ++g) {
            const QModelIndex i = m_model->index(m_groups[g].row, c);
            const QVariant n = i.data(ComparisonModel::NumberRole);
            if (!n.isValid())
                continue;
            bool ok = false;
            const double shown = plotted(m_groups[g].row, c, &ok);
            const QVariant d = i.data(ComparisonModel::DeltaRole);
            rows << QStringList{
                m_mode == Mode::Metrics ? m_model->index(m_groups[g].row, 0).data(ComparisonModel::KeyRole).toString()
                                        : m_groups[g].label,
                m_model->headerData(c, Qt::Horizontal, ComparisonModel::ModelNameRole).toString(),
                m_model->headerData(c, Qt::Horizontal, ComparisonModel::VersionRole).toString(),
                stageName(Stage(m_model->headerData(c, Qt::Horizontal, ComparisonModel::StageRole).toInt())),
                QString::number(n.toDouble(), 'g', 17),
                d.isValid() ? QString::number(d.toDouble(), 'g', 17) : QString(),
                ok ? QString::number(shown, 'g', 17) : QString(),
                m_groups[g].lowerIsBetter ? QStringLiteral("yes") : QStringLiteral("no")};
        }
    }
    return rows;
}

} // namespace md
