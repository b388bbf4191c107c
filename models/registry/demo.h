#pragma once

#include "registry.h"

#include <functional>

namespace md {

struct DemoSummary
{
    int models = 0;
    int versions = 0;
};

// Fills a registry with a realistic, deterministic sample (same seed, same content): several teams,
// a dozen models, dozens of versions each with improving and regressing metrics, subgroup metrics,
// full provenance and lineage to shared datasets, feature pipelines and commits.
// Refuses a registry that already holds models.
Result<DemoSummary> fillDemoRegistry(Registry &registry, quint32 seed,
                                     const std::function<void(int done, int total)> &progress = {});

} // namespace md
