#!/usr/bin/env bash
# Scoring overhead: durable send throughput into a support channel with advocacy scoring on
# and off, measured in one run, alternating on/off ROUNDS times (machines here are noisy, so
# compare medians taken side by side). Every message is a question in `help`, so every one
# reaches the advocacy engine as a new question.
#
# FEATURE=search measures the search indexer the same way ([search] enabled on and off; every
# message is then also indexed), FEATURE=advocacy (the default) the advocacy scoring. With
# search on, the indexing lag (parley_search_lag_seconds on /metrics) is sampled every 100 ms
# during the load, and after it the time until the index has caught up is measured.
#
# FEATURE=baseline compares two builds instead of a setting: "on" runs this build's parleyd,
# "off" the one named by BASELINE_PARLEYD (e.g. a worktree of the commit before a change on
# the message path), with the same default config, alternating as above.
#
# FEATURE=webhooks measures webhooks: "on" registers WEBHOOKS (5) webhooks subscribed to
# message.created, all pointing at a local sink (peers/webhook-sink.js, answering 204 at once),
# "off" none; after each "on" round the deliveries made and dropped are read from /metrics.
#
# SCENARIO=fanout runs the fan-out scenario instead (MEMBERS members of `general`, one sender,
# FANOUT_WINDOW sends in flight): its rate is deliveries/s.
#
# Usage: load-tests/run-scoring-overhead.sh     (from the repository root, after building)
# Environment: BUILD_DIR (build), SENDERS (500), WINDOW (4), DURATION (8), WARMUP (2),
#   ROUNDS (3), DURABILITY (fsync), FEATURE (advocacy | search), SCENARIO (throughput |
#   fanout), MEMBERS (100), FANOUT_WINDOW (512), SUMMARY_JSON (write the summary there too),
#   BASELINE_PARLEYD (FEATURE=baseline: the other parleyd).
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
SCENARIO=${SCENARIO:-throughput}
MEMBERS=${MEMBERS:-100}
FANOUT_WINDOW=${FANOUT_WINDOW:-512}
SUMMARY_JSON=${SUMMARY_JSON:-}
[[ $FEATURE == advocacy || $FEATURE == search || $FEATURE == baseline || $FEATURE == webhooks ]] ||
  { echo "FEATURE must be advocacy, search, baseline or webhooks"; exit 2; }
WEBHOOKS=${WEBHOOKS:-5}
if [[ $FEATURE == webhooks ]]; then
  # The sink runs on the project's pinned Node.js (scripts/node-setup.sh).
  PARLEY_ROOT=$ROOT
  . "$ROOT/scripts/node-env.sh"
fi
if [[ $FEATURE == baseline ]]; then
  [[ -x ${BASELINE_PARLEYD:-} ]] || { echo "FEATURE=baseline needs BASELINE_PARLEYD, an executable parleyd"; exit 2; }
fi
[[ $SCENARIO == throughput || $SCENARIO == fanout ]] || { echo "SCENARIO must be throughput or fanout"; exit 2; }
if [[ $SCENARIO == throughput ]]; then
  RATE_KEY=acked_msgs
  SCENARIO_ARGS=(throughput --connections "$SENDERS" --window "$WINDOW" --channels help)
else
  RATE_KEY=deliveries
  SCENARIO_ARGS=(fanout --members "$MEMBERS" --senders 1 --window "$FANOUT_WINDOW" --channel general)
fi
# Samples parley_search_lag_seconds from /metrics every 100 ms until killed: "<lag>" lines.
sample_lag() {
  while :; do
    curl -s --max-time 1 "http://127.0.0.1:$1/metrics" | awk '$1 == "parley_search_lag_seconds" {print $2}'
    sleep 0.1
  done
}
temp_dir parley_scoring

status=0
declare -A RATES CPU
LAGS=""
for round in $(seq "$ROUNDS"); do
  for scoring in on off; do
    enabled=$([[ $scoring == on ]] && echo true || echo false)
    server=$PARLEYD
    if [[ $FEATURE == baseline ]]; then
      limits_toml >"$TMP/parley-$scoring.toml"
      [[ $scoring == off ]] && server=$BASELINE_PARLEYD
    elif [[ $FEATURE == webhooks ]]; then
      { limits_toml; printf '[webhooks]\nallow_hosts = ["127.0.0.1"]\n'; } >"$TMP/parley-$scoring.toml"
    else
      { limits_toml; printf '[%s]\nenabled = %s\n' "$FEATURE" "$enabled"; } >"$TMP/parley-$scoring.toml"
    fi
    data="$TMP/data-$scoring-$round"
    rm -f "$TMP/port"
    "$server" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --data-dir "$data" \
      --config "$TMP/parley-$scoring.toml" --durability "$DURABILITY" >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
    [[ -s "$TMP/port" ]] || { echo "parleyd did not start"; cat "$TMP/server.log"; exit 1; }
    json="$TMP/r-$scoring-$round.json"
    port=$(cat "$TMP/port")
    sink=""
    if [[ $FEATURE == webhooks && $scoring == on ]]; then
      rm -f "$TMP/sink-port" "$TMP/sink-count"
      # The sink stands for the receivers, which a deployment has on other machines: at nice 19
      # it takes only CPU the server and the load generator leave.
      nice -n 19 node "$ROOT/load-tests/peers/webhook-sink.js" "$TMP/sink-port" "$TMP/sink-count" &
      sink=$!
      for _ in $(seq 100); do [[ -s "$TMP/sink-port" ]] && break; sleep 0.1; done
      admin=$("$PARLEYD" token --data-dir "$data" --user bench-admin --role admin)
      for i in $(seq "$WEBHOOKS"); do
        curl -s -o /dev/null -w '' -X POST -H "Authorization: Bearer $admin" \
          -d "{\"url\":\"http://127.0.0.1:$(cat "$TMP/sink-port")/hook$i\",\"events\":[\"message.created\"]}" \
          "http://127.0.0.1:$port/api/webhooks"
      done
    fi
    sampler=""
    if [[ $FEATURE == search && $scoring == on ]]; then
      sample_lag "$port" >"$TMP/lag-$round.txt" &
      sampler=$!
    fi
    "$LOAD" "${SCENARIO_ARGS[@]}" --port "$port" --data-dir "$data" \
      --duration "$DURATION" --warmup "$WARMUP" --quiet --server-pid "$SERVER_PID" \
      --json "$json" >"$TMP/load.log" 2>&1 || { status=1; tail -20 "$TMP/load.log"; }
    if [[ -n $sampler ]]; then
      kill "$sampler" 2>/dev/null
      wait "$sampler" 2>/dev/null
      # How long the index takes to catch up once the load stops (bounded at 60 s).
      t0=$(date +%s%N)
      caught=""
      for _ in $(seq 600); do
        lag=$(curl -s --max-time 1 "http://127.0.0.1:$port/metrics" |
          awk '$1 == "parley_search_lag_messages" {print $2}')
        if [[ $lag == 0 ]]; then
          ms=$((($(date +%s%N) - t0) / 1000000))
          caught=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
          break
        fi
        sleep 0.1
      done
      LAGS+="$TMP/lag-$round.txt:${caught:-60+} "
    fi
    if [[ -n $sink ]]; then
      wh=$(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk '
        $1 == "parley_webhook_deliveries_delivered_total" {d=$2}
        $1 == "parley_webhook_deliveries_dropped_total" {x=$2}
        $1 == "parley_webhook_deliveries_pending" {p=$2}
        END {printf "delivered %d, dropped %d, pending %d", d, x, p}')
      kill "$sink" 2>/dev/null
      wait "$sink" 2>/dev/null
      echo "round $round  webhooks: $wh at the end of the run (sink received $(cat "$TMP/sink-count" 2>/dev/null))"
    fi
    stop_server
    read -r rate cpu_us < <(python3 - "$json" "$RATE_KEY" <<'PY' 2>/dev/null || echo "0 0"
import json, sys
r = json.load(open(sys.argv[1]))
rate = r["rates_per_s"][sys.argv[2]]
cores = r["info"]["server_cpu_cores"]
print(round(rate), round(cores * 1e6 / rate, 2) if rate else 0)
PY
)
    RATES[$scoring]+="$rate "
    CPU[$scoring]+="$cpu_us "
    echo "round $round  $FEATURE $scoring  $RATE_KEY/s $rate  server CPU us/$RATE_KEY $cpu_us"
  done
done

python3 - "${RATES[on]}" "${RATES[off]}" "${CPU[on]}" "${CPU[off]}" "$RATE_KEY" "$LAGS" \
  "$FEATURE" "$SCENARIO" "$SUMMARY_JSON" <<'PY'
import json, statistics, sys
on, off = ([int(x) for x in a.split()] for a in sys.argv[1:3])
con, coff = ([float(x) for x in a.split()] for a in sys.argv[3:5])
unit, lags, feature, scenario, summary_json = sys.argv[5:10]
m_on, m_off = statistics.median(on), statistics.median(off)
c_on, c_off = statistics.median(con), statistics.median(coff)
print(f"\nscoring on : {on}  median {m_on:.0f} {unit}/s, server CPU {c_on:.1f} us per {unit}")
print(f"scoring off: {off}  median {m_off:.0f} {unit}/s, server CPU {c_off:.1f} us per {unit}")
print(f"throughput ratio on/off (medians): {m_on / m_off:.3f}")
print(f"server CPU per message ratio on/off (medians): {c_on / c_off:.3f}")
# Each round runs on and off back to back, so a round's ratio cancels slow drifts of the
# machine's load; their median is the steadiest figure.
pairs = sorted(a / b for a, b in zip(on, off) if b)
print(f"throughput ratio on/off, median of the rounds' ratios: {statistics.median(pairs):.3f}"
      f"  (rounds: {' '.join(f'{x:.3f}' for x in pairs)})")
summary = {"feature": feature, "scenario": scenario, "unit": unit, "on": on, "off": off,
           "ratio_of_medians": m_on / m_off, "median_round_ratio": statistics.median(pairs),
           "cpu_us_on": c_on, "cpu_us_off": c_off}
if lags.strip():
    samples, caught = [], []
    for item in lags.split():
        path, _, secs = item.rpartition(":")
        samples += [float(x) for x in open(path).read().split()]
        caught.append(secs)
    samples.sort()
    pct = lambda p: samples[min(len(samples) - 1, int(p * len(samples)))] if samples else float("nan")
    print(f"indexing lag while loaded ({len(samples)} samples, every 100 ms): p50 {pct(0.5):.2f} s, "
          f"p99 {pct(0.99):.2f} s, max {samples[-1] if samples else float('nan'):.2f} s; "
          f"caught up after the load in: {' '.join(caught)} s")
    summary.update(lag_samples=len(samples), lag_p50_s=pct(0.5), lag_p99_s=pct(0.99),
                   lag_max_s=samples[-1] if samples else None, caught_up_s=caught)
if summary_json:
    json.dump(summary, open(summary_json, "w"), indent=1)
PY
exit $status
