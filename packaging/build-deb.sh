#!/usr/bin/env bash
# Builds modeldesk_<version>_<arch>.deb from the default build (CMake install rules and CPack:
# packaging/CMakeLists.txt) into build/default/, and validates it: lintian (no errors), desktop-file-validate,
# appstreamcli. With --test it also installs the package into a throwaway root with `dpkg --root` and runs the
# installed programs: modelctl --version, a demo registry, the bash completion, and modeldesk --screenshot under
# Xvfb. --no-build packages the build as it is (the CTest test, which runs after the build). README, "Install the
# package".
set -euo pipefail
cd "$(dirname "$0")/.."
test_install=0
build=1
for arg in "$@"; do
  case "$arg" in
  --test) test_install=1 ;;
  --no-build) build=0 ;;
  *) echo "usage: packaging/build-deb.sh [--test] [--no-build]" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  bash packaging/install-deps.sh
  cmake --preset default >/dev/null
  cmake --build --preset default
fi
rm -f build/default/modeldesk_*.deb
(cd build/default && cpack -G DEB >/dev/null)
deb="$(ls build/default/modeldesk_*.deb)"
echo "build-deb: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends Installed-Size

desktop-file-validate packaging/org.modeldesk.ModelDesk.desktop
appstreamcli validate --no-net packaging/org.modeldesk.ModelDesk.metainfo.xml
# lintian: errors fail the build; warnings and informational tags are printed (README lists the known ones).
lintian --fail-on error --suppress-tags-from-file packaging/lintian-accepted "$deb"

[ "$test_install" = 1 ] || exit 0

root="$(mktemp -d)"
work="$(mktemp -d)"
trap 'rm -rf "$root" "$work"' EXIT
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# Dependencies are the host's (the same Debian 12); the package's own files land in the throwaway root.
dpkg --root="$root" --force-depends --force-script-chrootless --log=/dev/null -i "$deb" >"$work/dpkg.log" 2>&1 ||
  { cat "$work/dpkg.log" >&2; exit 1; }
dpkg --root="$root" -L modeldesk >"$work/files"
for f in /usr/bin/modelctl /usr/bin/modeldesk /usr/share/applications/org.modeldesk.ModelDesk.desktop \
  /usr/share/metainfo/org.modeldesk.ModelDesk.metainfo.xml /usr/share/icons/hicolor/scalable/apps/org.modeldesk.ModelDesk.svg \
  /usr/share/icons/hicolor/256x256/apps/org.modeldesk.ModelDesk.png /usr/share/man/man1/modelctl.1.gz \
  /usr/share/man/man1/modeldesk.1.gz /usr/share/bash-completion/completions/modelctl \
  /usr/share/zsh/vendor-completions/_modelctl /lib/systemd/system/modeldesk-webhooks.service \
  /usr/share/doc/modeldesk/copyright /usr/share/doc/modeldesk/README.md; do
  grep -qx "$f" "$work/files" || { echo "build-deb: the package lacks $f" >&2; exit 1; }
done
version="$(sed -n 's/^project(ModelDesk VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
[ "$("$root/usr/bin/modelctl" --version)" = "modelctl $version" ] || { echo "build-deb: modelctl --version" >&2; exit 1; }
[ "$(QT_QPA_PLATFORM=offscreen "$root/usr/bin/modeldesk" --version)" = "modeldesk $version" ] ||
  { echo "build-deb: modeldesk --version" >&2; exit 1; }
# The embedded registry and the settings follow XDG.
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
"$root/usr/bin/modelctl" init >/dev/null
[ -f "$XDG_DATA_HOME/modeldesk/registry.db" ] || { echo "build-deb: no registry under XDG_DATA_HOME" >&2; exit 1; }
"$root/usr/bin/modelctl" --registry "sqlite://$work/demo.db" demo >/dev/null 2>&1
[ "$("$root/usr/bin/modelctl" --registry "sqlite://$work/demo.db" --json models | grep -o '"name"' | wc -l)" -ge 12 ] ||
  { echo "build-deb: the demo registry has no models" >&2; exit 1; }
# The bash completion, as bash runs it: commands, a command's options, model names.
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _modelctl; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$root/usr/share/bash-completion/completions/modelctl" "$@"
}
export PATH="$root/usr/bin:$PATH"
complete_words modelctl wat | grep -qx watch || { echo "build-deb: completion of commands" >&2; exit 1; }
complete_words modelctl watch --no | grep -qx -- --no-follow || { echo "build-deb: completion of options" >&2; exit 1; }
complete_words modelctl --registry "$work/demo.db" versions payments/fr | grep -qx payments/fraud-detector ||
  { echo "build-deb: completion of model names" >&2; exit 1; }
if command -v zsh >/dev/null; then zsh -n "$root/usr/share/zsh/vendor-completions/_modelctl"; fi
# The installed app opens the demo registry and draws its window.
xvfb-run -a -s "-screen 0 1280x800x24" "$root/usr/bin/modeldesk" --registry "$work/demo.db" \
  --screenshot "$work/shot.png" >/dev/null 2>&1
[ -s "$work/shot.png" ] || { echo "build-deb: modeldesk --screenshot wrote nothing" >&2; exit 1; }
[ -n "$(ls -A "$XDG_CONFIG_HOME" 2>/dev/null)" ] || { echo "build-deb: no settings under XDG_CONFIG_HOME" >&2; exit 1; }
echo "build-deb: installed into a throwaway root and ran: modelctl, the demo, completion, modeldesk --screenshot"
