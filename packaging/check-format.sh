#!/usr/bin/env bash
# Fails when a C++ source file is not formatted by the project's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -- '*.cpp' '*.h' 2>/dev/null || true)
if [ ${#files[@]} -eq 0 ]; then exit 0; fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/modeldesk-format.log; then
  echo "check-format: these files need clang-format -i:" >&2
  grep -o '^[^:]*\.\(cpp\|h\)' /tmp/modeldesk-format.log | sort -u >&2
  exit 1
fi
