#!/usr/bin/env bash
# Scoring overhead: durable send throughput into a support channel with advocacy scoring on
# and off, measured in one run, alternating on/off ROUNDS times (machines here are noisy, so
# compare medians taken side by side). Every message is a question in `help`, so every one
# reaches the advocacy engine as a new question.
#
# FEATURE=search measures the search indexer the same way ([search] enabled on and off; every
# message is then also indexed), FEATURE=advocacy (the default) the advocacy scoring.
#
# Usage: load-tests/run-scoring-overhead.sh     (from the repository root, after building)
# Environment: BUILD_DIR (build), SENDERS (500), WINDOW (4), DURATION (8), WARMUP (2),
#   ROUNDS (3), DURABILITY (fsync), FEATURE (advocacy | search).
set -u
. "$(dirname "$0")/lib.sh"
bench_env
SENDERS=${SENDERS:-500}
WINDOW=${WINDOW:-4}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
DURABILITY=${DURABILITY:-fsync}
FEATURE=${FEATURE:-advocacy}
[[ $FEATURE == advocacy || $FEATURE == search ]] || { echo "FEATURE must be advocacy or search"; exit 2; }
temp_dir parley_scoring

status=0
declare -A RATES CPU
for round in $(seq "$ROUNDS"); do
  for scoring in on off; do
    enabled=$([[ $scoring == on ]] && echo true || echo false)
    { limits_toml; printf '[%s]\nenabled = %s\n' "$FEATURE" "$enabled"; } >"$TMP/parley-$scoring.toml"
    data="$TMP/data-$scoring-$round"
    rm -f "$TMP/port"
    "$PARLEYD" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --data-dir "$data" \
      --config "$TMP/parley-$scoring.toml" --durability "$DURABILITY" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
    [[ -s "$TMP/port" ]] || { echo "parleyd did not start"; cat "$TMP/server.log"; exit 1; }
    json="$TMP/r-$scoring-$round.json"
    "$LOAD" throughput --port "$(cat "$TMP/port")" --data-dir "$data" --connections "$SENDERS" \
      --window "$WINDOW" --duration "$DURATION" --warmup "$WARMUP" --channels help --quiet \
      --server-pid "$SERVER_PID" \
      --json "$json" >"$TMP/load.log" 2>&1 || { status=1; tail -20 "$TMP/load.log"; }
    stop_server
    read -r rate cpu_us < <(python3 - "$json" <<'PY' 2>/dev/null || echo "0 0"
import json, sys
r = json.load(open(sys.argv[1]))
rate = r["rates_per_s"]["acked_msgs"]
cores = r["info"]["server_cpu_cores"]
print(round(rate), round(cores * 1e6 / rate, 2) if rate else 0)
PY
)
    RATES[$scoring]+="$rate "
    CPU[$scoring]+="$cpu_us "
    echo "round $round  $FEATURE $scoring  acked msgs/s $rate  server CPU us/msg $cpu_us"
  done
done

python3 - "${RATES[on]}" "${RATES[off]}" "${CPU[on]}" "${CPU[off]}" <<'PY'
import statistics, sys
on, off = ([int(x) for x in a.split()] for a in sys.argv[1:3])
con, coff = ([float(x) for x in a.split()] for a in sys.argv[3:5])
m_on, m_off = statistics.median(on), statistics.median(off)
c_on, c_off = statistics.median(con), statistics.median(coff)
print(f"\nscoring on : {on}  median {m_on:.0f} acked msgs/s, server CPU {c_on:.1f} us/msg")
print(f"scoring off: {off}  median {m_off:.0f} acked msgs/s, server CPU {c_off:.1f} us/msg")
print(f"throughput ratio on/off (medians): {m_on / m_off:.3f}")
print(f"server CPU per message ratio on/off (medians): {c_on / c_off:.3f}")
# Each round runs on and off back to back, so a round's ratio cancels slow drifts of the
# machine's load; their median is the steadiest figure.
pairs = sorted(a / b for a, b in zip(on, off) if b)
print(f"throughput ratio on/off, median of the rounds' ratios: {statistics.median(pairs):.3f}"
      f"  (rounds: {' '.join(f'{x:.3f}' for x in pairs)})")
PY
exit $status
