#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a bounded time (`make fuzz`).
#
#   FUZZ_SECONDS    seconds per target (default 60)
#   FUZZ_TARGETS    which targets (default: fuzz_frame fuzz_jwt fuzz_http fuzz_ws)
#   FUZZ_BUILD_DIR  build and scratch directory (default: build-fuzz at the repository root)
#   FUZZ_CXX        the clang++ to use (default clang++)
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-jobs=2 -workers=2"
#
# The committed seeds (corpus/<target>/, regressions/<target>/) are copied into a scratch corpus
# under the build directory, which libFuzzer grows from run to run; the committed folders are
# never written. Crashing inputs land in $FUZZ_BUILD_DIR/crashes/<target>/. Exits non-zero if
# any target crashed (or broke an invariant, or timed out on one input).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
targets="${FUZZ_TARGETS:-fuzz_frame fuzz_jwt fuzz_http fuzz_ws}"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="${FUZZ_CXX:-clang++}"

# Largest input per target. fuzz_http reaches past the 16 KiB header limit; inputs beyond the
# session's 80 KiB buffer cap add little but time (regressions/fuzz_http covers that path).
max_len() {
  case "$1" in
    fuzz_http) echo 32768 ;;
    *) echo 4096 ;;
  esac
}

echo "== building fuzzers in $build ($cxx)"
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
cmake --build "$build"

failed=()
summary=()
for t in $targets; do
  scratch="$build/corpus/$t"
  crashes="$build/crashes/$t"
  log="$build/logs/$t.log"
  mkdir -p "$scratch" "$crashes" "$(dirname "$log")"
  cp -n "$here/corpus/$t/"* "$scratch/" 2>/dev/null || true
  cp -n "$here/regressions/$t/"* "$scratch/" 2>/dev/null || true
  rm -f "$scratch/README.md"

  echo "== $t: ${seconds}s (log: $log)"
  status=0
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$build/$t" "$scratch" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -dict="$here/$t.dict" -artifact_prefix="$crashes/" -print_final_stats=1 \
    ${FUZZ_ARGS:-} >"$log" 2>&1 || status=$?

  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  corpus="$(find "$scratch" -type f | wc -l)"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    echo "!! $t failed (exit $status):"
    grep -E "check failed|ERROR:|SUMMARY:|Test unit written" "$log" | head -20 || tail -20 "$log"
  fi
  summary+=("$(printf '%-11s %12s execs %8s/s  corpus %5s  %s' "$t" "${execs:-?}" "${rate:-?}" \
    "$corpus" "$([ "$status" -eq 0 ] && echo ok || echo CRASH)")")
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "crashing inputs: $build/crashes/ — minimise with '<fuzzer> -minimize_crash=1 -runs=10000 FILE'," \
       "then add them to tests/fuzz/regressions/<target>/ (see tests/fuzz/README.md)" >&2
  exit 1
fi
