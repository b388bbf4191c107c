#!/usr/bin/env bash
# Writes a man page from a program's own help (run at build time): manpage.sh PROGRAM OUTPUT.gz
# modelctl(1) gets one section per command, from `modelctl COMMAND --help`; modeldesk(1) its --help.
set -euo pipefail
prog="$1"
out="$2"
name="$(basename "$prog")"
export QT_QPA_PLATFORM=offscreen
version="$("$prog" --version | awk '{print $NF}')"
date="$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)"

# Help text as literal roff: backslashes, leading dots and quotes escaped, hyphens as minus signs.
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

{
  echo ".TH ${name^^} 1 \"$date\" \"ModelDesk $version\" \"User Commands\""
  echo ".SH NAME"
  if [ "$name" = modelctl ]; then
    echo "modelctl \\- command\\-line interface to a ModelDesk model registry"
  else
    echo "modeldesk \\- desktop model registry (browse, compare, approve, roll back)"
  fi
  echo ".SH SYNOPSIS"
  if [ "$name" = modelctl ]; then
    echo ".B modelctl"
    echo "[\\fB\\-\\-registry\\fR \\fIURL\\fR] [\\fB\\-\\-json\\fR] [\\fB\\-\\-as\\fR \\fIUSER\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]"
  else
    echo ".B modeldesk"
    echo "[\\fIOPTIONS\\fR] [\\fIREGISTRY\\fR]"
  fi
  echo ".SH DESCRIPTION"
  echo ".nf"
  "$prog" --help | roff
  echo ".fi"
  if [ "$name" = modelctl ]; then
    echo ".SH COMMANDS"
    for cmd in $("$prog" --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}'); do
      echo ".SS $cmd"
      echo ".nf"
      "$prog" "$cmd" --help | roff
      echo ".fi"
    done
  fi
  cat <<'ROFF'
.SH ENVIRONMENT
.TP
.B MODELDESK_REGISTRY
The registry URL when none is given: a file path, sqlite:///path or postgresql://user@host:port/db.
.TP
.B XDG_DATA_HOME
The embedded registry is $XDG_DATA_HOME/modeldesk/registry.db (default ~/.local/share/modeldesk/registry.db).
.TP
.B XDG_CONFIG_HOME
The desktop app's settings are in $XDG_CONFIG_HOME/ModelDesk/ (default ~/.config/ModelDesk/).
.TP
.B PGPASSFILE, PGPASSWORD, PGSERVICE
libpq finds PostgreSQL passwords there: ModelDesk never stores one.
.SH FILES
.TP
.I /usr/share/doc/modeldesk/README.md
The full documentation: search language, JSON output, the change feed and webhooks, what the database enforces.
.TP
.I /lib/systemd/system/modeldesk-webhooks.service
A systemd unit that runs modelctl webhook deliver \-\-follow.
.SH SEE ALSO
ROFF
  if [ "$name" = modelctl ]; then echo ".BR modeldesk (1)"; else echo ".BR modelctl (1)"; fi
} | gzip -9n >"$out"
