#!/usr/bin/env bash
# Builds ModelDesk and runs the whole test suite: unit, registry and CLI tests on SQLite and on a
# throwaway PostgreSQL 15 cluster that the suite starts and stops itself, the Debian package test, and the
# fuzz targets for 60 s each.
# Installs the Debian packages it needs first (packaging/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
bash packaging/check-format.sh
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default -j2
# The parsers under libFuzzer, 60 s each (tests/fuzz/run.sh; the fuzz preset builds with clang, ASan + UBSan).
bash tests/fuzz/run.sh 60
