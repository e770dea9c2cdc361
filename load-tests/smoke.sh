#!/usr/bin/env bash
# load_smoke: start a private parleyd (ephemeral port, temp data dir, rate limits lifted), run
# every parley-load scenario in --smoke mode, and fail if one did not complete with work
# measured and zero errors (parley-load's exit status). No timing assertions.
#
# Usage: smoke.sh PATH/TO/parleyd PATH/TO/parley-load
set -u
. "$(dirname "$0")/lib.sh"
PARLEYD=${1:?parleyd path}
LOAD=${2:?parley-load path}

temp_dir parley_load_smoke 50
limits_toml >"$TMP/parley.toml"

"$PARLEYD" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --data-dir "$TMP/data" \
  --config "$TMP/parley.toml" --durability fast --threads 1 >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  [[ -s "$TMP/port" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "parleyd exited:"; cat "$TMP/server.log"; exit 1; }
  sleep 0.1
done
[[ -s "$TMP/port" ]] || { echo "parleyd did not write its port file"; cat "$TMP/server.log"; exit 1; }
PORT=$(cat "$TMP/port")
echo "parleyd pid $SERVER_PID on port $PORT"

fail=0
for scenario in throughput fanout idle history; do
  echo "---- $scenario"
  # timeout(1) bounds each run even if the generator itself misbehaves.
  extra=()
  # history fills its own channel, so the fill path runs too (fanout writes to general).
  [[ $scenario == history ]] && extra=(--channel help)
  timeout -k 5 60 "$LOAD" "$scenario" "${extra[@]}" --smoke --quiet --port "$PORT" --data-dir "$TMP/data" \
    --server-pid "$SERVER_PID" --json "$TMP/$scenario.json"
  rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: $scenario exited with $rc"
    [[ -f "$TMP/$scenario.json" ]] && cat "$TMP/$scenario.json"
    fail=1
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "FAIL: parleyd died during $scenario"; cat "$TMP/server.log"; exit 1
  fi
done
if [[ $fail -ne 0 ]]; then
  echo "---- server log (tail)"; tail -n 50 "$TMP/server.log"
fi
exit $fail
