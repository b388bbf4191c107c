#pragma once

// Generates large synthetic registries quickly, for benchmarks and paging tests. It writes rows with
// multi-row INSERTs in one transaction (seconds instead of the hours 100,000 registerVersion calls
// would take) and seals the versions at the end, like registration does. It writes no audit entries:
// a generated registry is test data, not history.

#include "registry.h"

#include <functional>

namespace md {

struct BulkSpec
{
    int models = 1000;
    int versionsPerModel = 100;
    int metricsPerVersion = 20; // "auc", "f1", ... on dataset "test", overall (no slice)
    int paramsPerVersion = 15;
    int factsPerVersion = 10;
    quint32 seed = 1;

    // The reference registry "large" of ARCHITECTURE.md.
    static BulkSpec large() { return {}; }
};

// "models=1000 versions=100 metrics=20 params=15 facts=10 seed=1": stored in registry_info as
// 'generated', so a benchmark can tell whether an existing registry is the one it wants.
QString describeBulkSpec(const BulkSpec &spec);

struct BulkSummary
{
    int models = 0;
    qint64 versions = 0;
    qint64 metricRows = 0;
    qint64 lineageNodes = 0;
    qint64 lineageEdges = 0;
};

// Refuses a registry that already holds models. The teams (namespaces) include "payments"; every
// version has the tag team=<its namespace>, a lineage input from a feature pipeline version, and
// each model has one Production version.
Result<BulkSummary> generateBulkRegistry(Registry &registry, const BulkSpec &spec,
                                         const std::function<void(qint64 done, qint64 total)> &progress = {});

} // namespace md
