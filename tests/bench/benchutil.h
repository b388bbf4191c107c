#pragma once

// Shared helpers for the benchmarks: fresh databases on the benchmark PostgreSQL server.

#include "registry.h"

#include <QTemporaryDir>
#include <QUrl>

#include <benchmark/benchmark.h>

namespace md::bench {

// A new, empty database on the server named by MODELDESK_BENCH_PG_URL (set by packaging/bench.sh).
// Empty (and the benchmark marked skipped with the reason) when there is none.
QString freshPostgres(benchmark::State &state, const QString &name);

// Opens the registry as a login user "bench_reviewer" with the modeldesk_reviewer role.
std::unique_ptr<Registry> openAsReviewer(benchmark::State &state, const QString &url);

} // namespace md::bench
