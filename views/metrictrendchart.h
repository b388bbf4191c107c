#pragma once

#include "chartwidget.h"
#include "registry/policy.h"
#include "registry/types.h"

#include <QSet>

class QComboBox;
class QCPGraph;

namespace md {

// One metric across all versions of a model, in version order. Production periods are shaded: a band
// spans the versions registered while that version was in Production (so a band shows what was
// serving while the next candidates were trained); a rollback is a dashed red line where it happened.
// Chosen versions are drawn larger.
class MetricTrendChart final : public ChartWidget
{
    Q_OBJECT
public:
    explicit MetricTrendChart(QWidget *parent = nullptr);

    // versions in version order, with metrics; periods from productionHistory().
    void setData(const QString &modelName, const QList<ModelVersion> &versions, const QList<ProductionPeriod> &periods);
    void setHighlighted(const QSet<int> &versions);
    void setMetric(const QString &metricKey); // "auc@test"
    void setDirections(const MetricDirections &directions) { m_directions = directions; }
    QString metric() const { return m_metric; }
    QStringList metricKeys() const { return m_metricKeys; }
    QComboBox *metricBox() const { return m_metricBox; }

    int productionBandCount() const { return m_bandCount; }
    int rollbackMarkCount() const { return m_rollbackCount; }
    QCPGraph *valueGraph() const { return m_values; }
    QCPGraph *highlightGraph() const { return m_highlight; }
    QList<QStringList> csvRows() const override;
    // Where a moment falls on the version axis (interpolated between registration times).
    double xOfTime(const QString &isoTime) const;

private:
    void rebuild();

    QComboBox *m_metricBox;
    QString m_modelName;
    QList<ModelVersion> m_versions;
    QList<ProductionPeriod> m_periods;
    QSet<int> m_highlighted;
    QString m_metric;
    MetricDirections m_directions;
    QStringList m_metricKeys;
    QCPGraph *m_values = nullptr;
    QCPGraph *m_highlight = nullptr;
    int m_bandCount = 0;
    int m_rollbackCount = 0;
};

} // namespace md
