#pragma once

// Side-by-side comparison of versions (metrics, params, provenance, tags, lineage inputs, artifact).
// Pure functions over loaded versions; used by `modelctl diff` and the comparison views.

#include "policy.h"
#include "types.h"

#include <optional>

namespace md {

struct DiffRow
{
    enum class Section
    {
        Artifact,
        Metric,
        Param,
        Fact,
        Tag,
        Input
    };
    Section section = Section::Metric;
    QString key;                          // "auc@test[country=DE]", "learning_rate", "data.dataset_version", ...
    QList<std::optional<QString>> values; // one per version; nullopt where the version lacks it
    QList<std::optional<double>> numbers; // metrics (and numeric params): the value as a number
    QList<std::optional<double>> deltas;  // numbers minus the baseline's (the first version's)
    bool differs = false;                 // not all versions have the same value (missing counts as different)
    bool lowerIsBetter = false;           // metrics only
};

struct VersionDiff
{
    QList<ModelVersion> versions; // the first is the baseline
    QList<DiffRow> rows;
    int differingRows() const;
};

QString diffSectionName(DiffRow::Section section);

// versions must be loaded with full metadata (Registry::version()); directions are the model's
// (Registry::metricDirections), so `modelctl diff` and Compare call the same number better.
VersionDiff diffVersions(const QList<ModelVersion> &versions, const MetricDirections &directions);

} // namespace md
