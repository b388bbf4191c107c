#pragma once

#include <QString>

namespace md {

// Which way a metric is better is the registry's (Registry::metricDirections, policy.h); this header
// only splits the metric keys the item models show.

// "auc@test[country=DE]" -> name "auc", dataset "test", slice "country=DE".
struct MetricKeyParts
{
    QString name;
    QString dataset;
    QString slice;
};
MetricKeyParts splitMetricKey(const QString &key);

} // namespace md
