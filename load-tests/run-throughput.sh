#!/usr/bin/env bash
# Throughput benchmark: for each durability mode (fsync, then fast) start a fresh parleyd on an
# ephemeral port with a temp data dir and the rate limits lifted, run `parley-load throughput`
# with 1000 senders for ~10 s, print the result, stop the server and clean up.
#
# Usage: load-tests/run-throughput.sh            (from the repository root, after building)
# Environment (optional): BUILD_DIR (build), SENDERS (1000), WINDOW (4), DURATION (10),
#   WARMUP (2), SERVER_THREADS (server default), LOAD_THREADS (1), CHANNELS (dm),
#   OUT_DIR (keep the JSON results there; default: discarded with the temp dir).
set -u
. "$(dirname "$0")/lib.sh"
bench_env
SENDERS=${SENDERS:-1000}
WINDOW=${WINDOW:-4}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
LOAD_THREADS=${LOAD_THREADS:-1}
CHANNELS=${CHANNELS:-dm}
temp_dir parley_bench
limits_toml >"$TMP/parley.toml"

declare -A SUMMARY
status=0
for mode in fsync fast; do
  data="$TMP/data-$mode"
  rm -f "$TMP/port"
  args=(serve --listen 127.0.0.1:0 --port-file "$TMP/port" --data-dir "$data"
        --config "$TMP/parley.toml" --durability "$mode")
  [[ -n ${SERVER_THREADS:-} ]] && args+=(--threads "$SERVER_THREADS")
  "$PARLEYD" "${args[@]}" >"$TMP/server-$mode.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    [[ -s "$TMP/port" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$TMP/port" ]]; then
    echo "parleyd ($mode) did not start:"; cat "$TMP/server-$mode.log"; exit 1
  fi
  port=$(cat "$TMP/port")
  echo "=== durability=$mode  parleyd pid $SERVER_PID port $port"
  cmd=("$LOAD" throughput --port "$port" --data-dir "$data" --connections "$SENDERS"
       --window "$WINDOW" --duration "$DURATION" --warmup "$WARMUP" --threads "$LOAD_THREADS"
       --channels "$CHANNELS" --server-pid "$SERVER_PID" --json "$TMP/throughput-$mode.json")
  echo "+ ${cmd[*]}"
  "${cmd[@]}"
  rc=$?
  [[ $rc -ne 0 ]] && status=1
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "parleyd ($mode) died during the run; log tail:"; tail -n 30 "$TMP/server-$mode.log"
    status=1
  fi
  SUMMARY[$mode]=$(python3 - "$TMP/throughput-$mode.json" <<'PY' 2>/dev/null || echo "no result"
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latency_us"]["send->ack"]
print(f'{r["rates_per_s"]["acked_msgs"]:>10.0f} acked msgs/s   ack p50 {l["p50"]/1000:7.2f} ms'
      f'   p99 {l["p99"]/1000:7.2f} ms   p99.9 {l["p99_9"]/1000:7.2f} ms'
      f'   errors {r["errors"]["total"]}')
PY
)
  stop_server
  if [[ -n ${OUT_DIR:-} ]]; then
    mkdir -p "$OUT_DIR"
    cp "$TMP/throughput-$mode.json" "$OUT_DIR/" 2>/dev/null
  fi
done

echo
echo "=== summary: $SENDERS senders, window $WINDOW, ${DURATION}s measured, channels=$CHANNELS"
for mode in fsync fast; do printf '  %-6s %s\n' "$mode" "${SUMMARY[$mode]}"; done
exit $status
