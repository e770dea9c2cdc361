#!/usr/bin/env bash
# ctest load_cpu_stalls_smoke: parley-cpu-stalls for a moment on one core. It must measure,
# exit 0 and write a JSON result with every count the report reads; a bad option exits 2.
# Usage: cpu_stalls_smoke.sh PATH/TO/parley-cpu-stalls
set -u
bin=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpu-stalls-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

timeout 30 "$bin" --threads 1 --duration 0.2 --quiet --json "$tmp/r.json" >"$tmp/out.txt" 2>&1 ||
  fail "exit $? ($(cat "$tmp/out.txt"))"
json=$(cat "$tmp/r.json")
for want in '"scenario":"cpu-stalls"' '"ok":true' '"threads":1' '"name":"thread_ms_measured"' \
  '"stalls_ge_1ms":' '"stalls_ge_1ms_per_thread":' '"stall":{"count":' '"lost_fraction":'; do
  [[ $json == *"$want"* ]] || fail "the JSON lacks $want: $json"
done
# 0.2 s on one thread: close to 200 ms of spinning measured (a stall can eat some of it).
ms=$(sed -n 's/.*"thread_ms_measured","count":\([0-9]*\).*/\1/p' "$tmp/r.json")
[[ -n $ms ]] && ((ms >= 100 && ms <= 400)) || fail "thread_ms_measured = '$ms', not about 200"
grep -q 'status: OK' "$tmp/out.txt" || fail "no 'status: OK' in the table: $(cat "$tmp/out.txt")"

timeout 10 "$bin" --threads 0 >"$tmp/bad.txt" 2>&1
rc=$?
((rc == 2)) || fail "--threads 0 exited $rc, not 2"
echo "ok: $ms thread-ms measured"
