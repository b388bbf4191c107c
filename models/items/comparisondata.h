#pragma once

#include "registry/registry.h"

#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>

#include <functional>

namespace md {

class RegistryClient;

// A version as the GUI names it: model name and version number.
using VersionRef = QPair<QString, int>;

// Everything the Compare view shows, loaded in one go on the worker thread.
struct ComparisonData
{
    QList<ModelVersion> versions;                      // full metadata, ordered by model, then version
    int addedBaseline = -1;                            // index of the Production version added as baseline, or -1
    QMap<QString, QList<ModelVersion>> allVersions;    // per model: every version with metrics, in version order
    QMap<QString, QList<ProductionPeriod>> production; // per model: Production periods, oldest first
    // Which way each metric is better: the registry's setting for the first model (a comparison across
    // models uses the first model's), the same answer the gates and the approval dialog use.
    MetricDirections directions;
};

constexpr int kMinCompareVersions = 2;
constexpr int kMaxCompareVersions = 50;

// Loads the chosen versions with full metadata, plus for each of their models every version's metrics
// and the Production history (for the trend). When all versions belong to one model whose Production
// version is not among them, it is added (as the default baseline) if there is room. done(result) runs
// on the GUI thread while receiver exists.
void loadComparison(RegistryClient *client, QObject *receiver, const QList<VersionRef> &refs,
                    std::function<void(Result<ComparisonData>)> done);

// The same, synchronously on the calling thread's registry (tests, tools).
Result<ComparisonData> loadComparison(Registry &registry, const QList<VersionRef> &refs);

} // namespace md
