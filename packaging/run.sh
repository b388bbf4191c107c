#!/usr/bin/env bash
# Builds ModelDesk and launches the desktop app on the embedded SQLite registry in the user's data
# folder, filling it with demo data the first time. Arguments go to modeldesk (e.g. --registry URL).
# Without a display it says so and shows how to run it under a virtual X server (xvfb-run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
MODELCTL=build/default/app/modelctl/modelctl
MODELDESK=build/default/app/modeldesk/modeldesk
if [ -z "${MODELDESK_REGISTRY:-}" ] && [[ " $* " != *" --registry "* ]]; then
  if ! "$MODELCTL" models --json 2>/dev/null | grep -q '"name"'; then
    "$MODELCTL" demo
  fi
  "$MODELCTL" models
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo >&2
  echo "run.sh: no display is available, so the desktop app cannot open a window here." >&2
  echo "Run it on a desktop session, or under a virtual X server (xvfb is installed):" >&2
  echo "  xvfb-run -a -s \"-screen 0 1280x800x24\" $MODELDESK --screenshot modeldesk.png" >&2
  echo "(--screenshot saves a PNG of the window and quits; modelctl works without a display.)" >&2
  exit 1
fi
exec "$MODELDESK" "$@"
