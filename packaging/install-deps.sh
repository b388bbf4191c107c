#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing ModelDesk needs.
# Idempotent: when everything is already installed it only checks and exits.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqt6svg6
  libqt6sql6-sqlite libqt6sql6-psql libsqlite3-dev libgl-dev
  libqcustomplot-dev libgraphviz-dev graphviz
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql-15 postgresql-client-15
  sqlite3 xvfb xauth imagemagick fonts-dejavu-core
  clang-format clang-tidy
  librsvg2-bin dpkg-dev fakeroot file lintian desktop-file-utils appstream zsh
  clang python3 openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
