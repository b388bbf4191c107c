#!/usr/bin/env bash
# Builds ModelDesk and runs the benchmark suite on SQLite and on a throwaway PostgreSQL 15 cluster:
# generates the reference registry (1,000 models x 100 versions, full lifecycles, ~116,000 lineage
# nodes) on both, measures every row of the performance table (README, Architecture: performance
# targets) with its hand-written SQL floor, and prints the table at the end. Extra arguments go to
# Google Benchmark (e.g. --benchmark_filter='search|impact'). MODELDESK_BENCH_REUSE=1 keeps the SQLite reference
# registry of an earlier run (build/default/bench-data) instead of generating it again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
state="$PWD/build/default/bench-state"
trap 'bash tests/pg/pgcluster.sh stop "$state"' EXIT
bash tests/pg/pgcluster.sh start "$state" --standby
mkdir -p build/default/bench-data
start=$(date +%s)
MODELDESK_BENCH_DIR="$PWD/build/default/bench-data" MODELDESK_BENCH_PG_URL="$(cat "$state/pg-url.txt")" \
  MODELDESK_BENCH_PG_STANDBY_URL="$(cat "$state/pg-standby-url.txt")" \
  build/default/tests/bench/modeldesk_bench "$@"
echo "bench.sh: generation and benchmarks took $(($(date +%s) - start)) s"
