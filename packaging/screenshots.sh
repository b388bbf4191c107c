#!/usr/bin/env bash
# Screenshots of every main screen and dialog of modeldesk, as a user sees them: under Xvfb with a window manager
# (openbox), on the demo registry, at 1024x640, 1280x800, 1920x1080 and at 2x scale on 2560x1600. Writes PNGs to
# build/default/screenshots (or $1), named SIZE-SCREEN.png. Run as root or with sudo on a fresh machine (it installs
# what it needs); look at every one of them. MODELDESK_SCREENSHOT_SIZES="1024x640 2x" takes fewer sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-build/default/screenshots}")"

bash packaging/install-deps.sh
if ! command -v openbox >/dev/null || ! command -v xdotool >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openbox xdotool >/dev/null
fi
cmake --preset default >/dev/null
cmake --build --preset default --target modeldesk modelctl

work="$(mktemp -d /tmp/modeldesk-shots.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
registry="$work/demo.db"
build/default/app/modelctl/modelctl --registry "$registry" demo >/dev/null 2>&1
mkdir -p "$out"
model=payments/fraud-detector
display=:93

# shoot SIZE WxH SCALE NAME "APP ARGS" [KEYS...]: one app run, keys typed once it is up, then the whole screen.
shoot() {
  local size="$1" geometry="$2" scale="$3" name="$4" args="$5"
  shift 5
  Xvfb "$display" -screen 0 "${geometry}x24" -nolisten tcp >/dev/null 2>&1 &
  local xvfb=$!
  sleep 1
  DISPLAY="$display" openbox >/dev/null 2>&1 &
  local wm=$!
  sleep 1
  rm -rf "$work/config"
  # A fresh demo registry for each run (the rollback shots roll back; the app is killed, so its WAL stays behind).
  rm -f "$work"/run.db*
  cp "$registry" "$work/run.db"
  # shellcheck disable=SC2086 # args are words
  DISPLAY="$display" QT_SCALE_FACTOR="$scale" XDG_CONFIG_HOME="$work/config" \
    build/default/app/modeldesk/modeldesk --registry "$work/run.db" $args >"$work/app.log" 2>&1 &
  local app=$!
  sleep 4
  for key in "$@"; do
    case "$key" in
    type:*) DISPLAY="$display" xdotool type --delay 20 "${key#type:}" ;;
    sleep:*) sleep "${key#sleep:}" ;;
    *) DISPLAY="$display" xdotool key "$key" ;;
    esac
    sleep 0.8
  done
  sleep 1.5
  DISPLAY="$display" import -window root "$out/$size-$name.png"
  kill "$app" "$wm" "$xvfb" 2>/dev/null || true
  wait "$app" "$wm" "$xvfb" 2>/dev/null || true
  echo "screenshots: $out/$size-$name.png"
}

declare -A geometries=([1024x640]="1024x640 1" [1280x800]="1280x800 1" [1920x1080]="1920x1080 1" [2x]="2560x1600 2")
for size in ${MODELDESK_SCREENSHOT_SIZES:-1024x640 1280x800 1920x1080 2x}; do
  read -r geometry scale <<<"${geometries[$size]}"
  shoot "$size" "$geometry" "$scale" main "--model $model"
  shoot "$size" "$geometry" "$scale" search "--search metrics.auc>0.85"
  shoot "$size" "$geometry" "$scale" compare "--model $model --compare 20-24"
  shoot "$size" "$geometry" "$scale" trend "--model $model --compare 1-34 --compare-tab trend"
  shoot "$size" "$geometry" "$scale" lineage "--model $model --lineage model:$model@27"
  shoot "$size" "$geometry" "$scale" lineage-whole "--model $model --lineage model:$model@27 --whole-model"
  shoot "$size" "$geometry" "$scale" rollback "--model $model --rollback $model"
  shoot "$size" "$geometry" "$scale" rollback-notice "--model $model --rollback $model" sleep:2 \
    "type:INC-42 alert storm" ctrl+Return
  shoot "$size" "$geometry" "$scale" about "--model $model" alt+h a
  shoot "$size" "$geometry" "$scale" connect "--model $model" alt+f c
  shoot "$size" "$geometry" "$scale" import "--model $model" alt+f m
  shoot "$size" "$geometry" "$scale" webhooks "--model $model" alt+r w
  shoot "$size" "$geometry" "$scale" verify "--model $model" alt+l v Return
done
