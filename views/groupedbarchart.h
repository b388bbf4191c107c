#pragma once

#include "chartwidget.h"

#include <QPointer>

class QAbstractItemModel;
class QCPBars;

namespace md {

// Grouped bars over a model with ComparisonModel's roles (read through roles only, so a proxy may sit
// in between): one bar per version (column), in groups. Metrics mode: one group per overall metric
// (rows without a slice). Slices mode: one group per slice of one metric (plus its overall value), to
// show a regression in one subgroup that the overall number hides.
//
// Values are raw, or normalised per group (divided by the largest absolute value in the group), or
// deltas against the model's baseline version (normalised: in percent of the baseline's value).
// Groups of metrics where lower is better are marked "↓"; in delta mode the better side of zero is
// tinted in every group.
class GroupedBarChart final : public ChartWidget
{
    Q_OBJECT
public:
    enum class Mode
    {
        Metrics,
        Slices
    };
    explicit GroupedBarChart(Mode mode, QWidget *parent = nullptr);

    void setModel(QAbstractItemModel *model);
    // Slices mode: the metric shown, as "name@dataset" (e.g. "auc@test").
    void setSliceMetric(const QString &nameAtDataset);
    void setNormalised(bool on);
    void setDeltas(bool on);
    bool normalised() const { return m_normalised; }
    bool deltas() const { return m_deltas; }

    // What the chart holds, for tests and the CSV export.
    QStringList groupLabels() const { return m_groupLabels; }
    QList<QCPBars *> bars() const { return m_bars; }
    // The tooltip text for a point on the plot ("" when no bar is under it).
    QString toolTipAt(const QPoint &plotPos) const;
    QList<QStringList> csvRows() const override;

    // Every "name@dataset" that has slices in the model.
    static QStringList slicedMetrics(const QAbstractItemModel *model);

    void rebuild();

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Group
    {
        QString label;
        int row = -1;
        bool lowerIsBetter = false;
    };
    QList<Group> collectGroups() const;
    double plotted(int row, int column, bool *ok) const;
    void updateTickRotation();

    Mode m_mode;
    QPointer<QAbstractItemModel> m_model;
    QString m_sliceMetric;
    bool m_normalised = false;
    bool m_deltas = false;
    QList<Group> m_groups;
    QStringList m_groupLabels;
    QList<QCPBars *> m_bars; // one per version, in column order
    QList<int> m_barColumns;
};

} // namespace md
