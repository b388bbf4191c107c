#pragma once

#include "items/comparisondata.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QTabWidget;
class QToolButton;

namespace md {

class ComparisonModel;
class DiffTableView;
class GroupedBarChart;
class MetricTrendChart;
class RegistryClient;

// The Compare tab: 2 to 50 versions side by side as grouped metric bars, the trend of one metric over
// all versions of a model (Production periods and rollbacks marked), subgroup (slice) bars and the
// diff table. Normalise, deltas and the baseline apply to both bar charts; the diff colours against
// the same baseline.
class CompareView final : public QWidget
{
    Q_OBJECT
public:
    enum Tab
    {
        MetricsTab,
        TrendTab,
        SubgroupsTab,
        DiffTab
    };
    explicit CompareView(RegistryClient *client, QWidget *parent = nullptr);

    // Loads the versions on the worker thread, then shows them (loaded() or loadFailed()).
    void compare(const QList<VersionRef> &versions);
    void setData(const ComparisonData &data);
    // Writes the current tab: a chart as .png/.pdf/.svg, or any tab's data as .csv. Returns an error or "".
    QString exportCurrent(const QString &path) const;

    ComparisonModel *model() const { return m_model; }
    QTabWidget *tabs() const { return m_tabs; }
    GroupedBarChart *metricBars() const { return m_metricBars; }
    GroupedBarChart *sliceBars() const { return m_sliceBars; }
    MetricTrendChart *trend() const { return m_trend; }
    DiffTableView *diffView() const { return m_diff; }
    QComboBox *baselineBox() const { return m_baseline; }
    QCheckBox *normaliseBox() const { return m_normalise; }
    QCheckBox *deltasBox() const { return m_deltas; }
    QComboBox *sliceMetricBox() const { return m_sliceMetric; }
    QComboBox *trendModelBox() const { return m_trendModel; }
    QLabel *titleLabel() const { return m_title; }

signals:
    void loaded();
    void loadFailed(const QString &message);
    void closeRequested();
    void directionChanged(const QString &metric); // stored in the registry

private:
    void showTrendFor(const QString &modelName);
    void rebuildDirectionMenu();
    // Stores the direction in the registry for the compared model (what gates and reviewers see too).
    void setMetricDirection(const QString &metric, bool lowerIsBetter);
    void exportDialog();

    RegistryClient *m_client;
    ComparisonModel *m_model;
    ComparisonData m_data;
    QLabel *m_title;
    QComboBox *m_baseline;
    QCheckBox *m_normalise;
    QCheckBox *m_deltas;
    QToolButton *m_directions;
    QTabWidget *m_tabs;
    GroupedBarChart *m_metricBars;
    MetricTrendChart *m_trend;
    QComboBox *m_trendModel;
    GroupedBarChart *m_sliceBars;
    QComboBox *m_sliceMetric;
    DiffTableView *m_diff;
    quint64 m_generation = 0;
};

} // namespace md
