#pragma once

#include <QString>

#include <optional>

namespace md {

// Whether lower values of a metric are better: the user's per-metric setting (kept in QSettings under
// "metricDirection/<name>"), else the registry's naming convention (lowerIsBetter() in gates.h).
// A metric is named without dataset or slice ("logloss", not "logloss@test").
bool metricLowerIsBetter(const QString &metricName);
std::optional<bool> metricDirectionOverride(const QString &metricName);
// nullopt removes the override, so the convention applies again.
void setMetricDirectionOverride(const QString &metricName, std::optional<bool> lowerIsBetter);

// "auc@test[country=DE]" -> name "auc", dataset "test", slice "country=DE".
struct MetricKeyParts
{
    QString name;
    QString dataset;
    QString slice;
};
MetricKeyParts splitMetricKey(const QString &key);

} // namespace md
