#!/usr/bin/env bash
# Builds ModelDesk and runs the whole test suite: unit, registry and CLI tests on SQLite and on a
# throwaway PostgreSQL 15 cluster that the suite starts and stops itself.
# Installs the Debian packages it needs first (packaging/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
bash packaging/check-format.sh
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default -j2
