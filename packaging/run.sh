#!/usr/bin/env bash
# Builds ModelDesk and runs it on the embedded SQLite registry in the user's data folder,
# filling it with demo data the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
MODELCTL=build/default/app/modelctl/modelctl
if ! "$MODELCTL" models --json 2>/dev/null | grep -q '"name"'; then
  "$MODELCTL" demo
fi
"$MODELCTL" models
