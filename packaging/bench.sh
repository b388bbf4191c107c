#!/usr/bin/env bash
# Builds ModelDesk and runs the benchmark suite on SQLite and on a throwaway PostgreSQL 15 cluster.
# Extra arguments go to Google Benchmark (e.g. --benchmark_filter=Register).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
state="$PWD/build/default/bench-state"
trap 'bash tests/pg/pgcluster.sh stop "$state"' EXIT
bash tests/pg/pgcluster.sh start "$state"
# The large browse registry (1,000 models x 100 versions) is generated on first use and kept here.
mkdir -p build/default/bench-data
MODELDESK_BENCH_DIR="$PWD/build/default/bench-data" MODELDESK_BENCH_PG_URL="$(cat "$state/pg-url.txt")" \
  build/default/tests/bench/modeldesk_bench "$@"
