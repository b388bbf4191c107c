#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for SECONDS (default 60) on
# its seed corpus (tests/fuzz/corpus/TARGET) plus the inputs it finds, in a scratch copy. A crash, a sanitizer
# report or a timeout fails the run and leaves the input in build/fuzz/findings/ (make it a regression test).
# Prints each target's executions per second and coverage. Part of packaging/test.sh (60 s each).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/findings
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
for target in filter manifest url policy; do
  work="$(mktemp -d)"
  cp tests/fuzz/corpus/"$target"/* "$work"/
  log="build/fuzz/findings/$target.log"
  if build/fuzz/tests/fuzz/fuzz_"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=16384 -artifact_prefix=build/fuzz/findings/"$target"- "$work" >"$log" 2>&1; then
    summary="$(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1)"
    echo "fuzz $target: ok, $seconds s: $summary"
  else
    echo "fuzz $target: FAILED (see $log)" >&2
    tail -40 "$log" >&2
    status=1
  fi
  rm -rf "$work"
done
exit $status
