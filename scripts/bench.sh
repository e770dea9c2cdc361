#!/usr/bin/env bash
# make bench: every load scenario against parleyd, against the two Node peers
# (load-tests/peers: ws and socket.io) where the scenario applies, and this machine's loopback
# fan-out limit (parley-tcp-limit), side by side, with how often the cores stall
# (parley-cpu-stalls); then the generated section of
# docs/PERFORMANCE.md is rewritten from the JSON results (load-tests/bench_report.py).
#
# Every target is started fresh for each run (parleyd: ephemeral port, temp data dir, rate
# limits lifted, as load-tests/run-throughput.sh does) and stopped after it. Every wait and
# every run is bounded; a trap stops whatever is still running. About 5 minutes on a 2-core
# machine. Runs that would overrun BUDGET are skipped (the table says so), and no run may go on
# more than 30 s past it, so the whole script ends within BUDGET + ~45 s (10 minutes by default).
#
# Usage: scripts/bench.sh     (after building parleyd, parley-load, parley-tcp-limit and
#                              parley-cpu-stalls)
# Environment (optional):
#   BUILD_DIR (build)            where bin/parleyd, bin/parley-load, bin/parley-tcp-limit and
#                                bin/parley-cpu-stalls are
#   OUT_DIR ($BUILD_DIR/bench)   JSON results, logs, runs.tsv (emptied first)
#   DOC (docs/PERFORMANCE.md)    the file whose generated section is rewritten; DOC= skips it
#   DURATION (5), WARMUP (1)     measured and warm-up seconds of every run
#   BUDGET (540)                 seconds for all runs; what would not fit is skipped
#   FANOUT_MEMBERS (10 50 100 1000), FANOUT_WINDOW (32)
#   FSYNC_FANOUT_WINDOW (512)    the window of the fan-out runs with fsync
#   PEER_FANOUT_WINDOWS (128 512) further windows the peers' fan-out runs at; the report compares
#                                Parley with each peer's best window
#   SENDERS (1000), WINDOW (4)   throughput: senders, each DMing its own partner
#   IDLE_MAX (18000)             idle connections (fewer if the descriptor limit is lower)
#   HISTORY_FILL (1000000)       messages in the channel before history readers start (filled
#                                once; the paced history run reuses the data dir)
#   PEERS (ws socketio)          which peers to run ("" = none)
#   ONLY                         a regex: run only the run ids that match (for debugging)
set -u
# The command as typed, for the report: the script plus the overrides taken from the environment.
COMMAND="scripts/bench.sh"
for v in ONLY PEERS HISTORY_FILL IDLE_MAX WINDOW SENDERS PEER_FANOUT_WINDOWS FSYNC_FANOUT_WINDOW \
         FANOUT_WINDOW FANOUT_MEMBERS BUDGET \
         WARMUP DURATION DOC OUT_DIR BUILD_DIR; do
  [[ -n ${!v+x} ]] && COMMAND="$v=${!v@Q} $COMMAND"
done
START=$(date +%s)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The peers run on the project's pinned Node.js 20 (scripts/node-setup.sh), never the system's.
PARLEY_ROOT=$ROOT
. "$ROOT/scripts/node-env.sh"
cd "$ROOT"
# limits_toml: the lifted-limits config the load scripts share. Sourced before this script's own
# stop_server below, which keeps its definition.
# shellcheck source=../load-tests/lib.sh
source "$ROOT/load-tests/lib.sh"
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd || echo "$BUILD_DIR")
OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench}
DOC=${DOC-$ROOT/docs/PERFORMANCE.md}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
BUDGET=${BUDGET:-540}
FANOUT_MEMBERS=${FANOUT_MEMBERS:-10 50 100 1000}
FANOUT_WINDOW=${FANOUT_WINDOW:-32}
FSYNC_FANOUT_WINDOW=${FSYNC_FANOUT_WINDOW:-512}
PEER_FANOUT_WINDOWS=${PEER_FANOUT_WINDOWS-128 512}
SENDERS=${SENDERS:-1000}
WINDOW=${WINDOW:-4}
IDLE_MAX=${IDLE_MAX:-18000}
HISTORY_FILL=${HISTORY_FILL:-1000000}
PEERS=${PEERS-ws socketio}
ONLY=${ONLY:-}
PARLEYD=$BUILD_DIR/bin/parleyd
LOAD=$BUILD_DIR/bin/parley-load
TCP_LIMIT=$BUILD_DIR/bin/parley-tcp-limit
CPU_STALLS=$BUILD_DIR/bin/parley-cpu-stalls
PEER_DIR=$ROOT/load-tests/peers

for b in "$PARLEYD" "$LOAD" "$TCP_LIMIT" "$CPU_STALLS"; do
  [[ -x $b ]] || {
    echo "missing $b: cmake --build $BUILD_DIR --target parleyd parley-load parley-tcp-limit" \
      "parley-cpu-stalls"
    exit 2
  }
done

# Thousands of sockets per process: every child inherits the hard descriptor limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)
IDLE_N=$IDLE_MAX
((IDLE_N > NOFILE - 500)) && IDLE_N=$((NOFILE - 500))

TMP=$(mktemp -d "${TMPDIR:-/tmp}/parley_bench.XXXXXX")
SERVER_PID=""
PORT=""
TARGET_ARGS=()
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  [[ -n $SERVER_PID ]] && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR/logs"
RUNS=$OUT_DIR/runs.tsv
printf 'id\tscenario\ttarget\tstatus\trc\tseconds\tjson\tcommand\n' >"$RUNS"

limits_toml >"$TMP/parley.toml"
echo "peer-secret-not-checked" >"$TMP/peer-secret"

# The machine, before anything runs (load average: the machine may be shared).
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
  echo "compiler=$(${cxx:-c++} --version 2>/dev/null | head -n1)"
  echo "build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" \
    2>/dev/null)"
  echo "node=$(node --version 2>/dev/null)"
  echo "nofile=$NOFILE"
  echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "command=$COMMAND"
  dirty=$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')
  echo "git=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$dirty"
} >"$OUT_DIR/machine.txt"

# The peers need their npm packages (npm ci when package-lock.json changed).
PEERS_OK=1
if [[ -n $PEERS ]]; then
  if ! bash "$PEER_DIR/run.sh" setup >"$OUT_DIR/logs/npm-ci.log" 2>&1; then
    PEERS_OK=0
    echo "peers: npm ci failed (see $OUT_DIR/logs/npm-ci.log); their runs are reported as not run"
  else
    for p in ws socket.io; do
      echo "${p//./}_version=$(node -p "require('$PEER_DIR/node_modules/$p/package.json').version")"
    done >>"$OUT_DIR/machine.txt"
  fi
fi

elapsed() { echo $(($(date +%s) - START)); }

# start_target TARGET LOG: parley-fsync | parley-fast | ws | socketio. Sets SERVER_PID, PORT,
# TARGET_ARGS (parley-load's auth and framing flags). parleyd gets a fresh data dir, or the one
# named DATA_NAME when that is set (runs that share what an earlier run stored).
start_target() {
  local target=$1 log=$2 data
  rm -f "$TMP/port"
  case $target in
    parley-*)
      data=$TMP/data-${DATA_NAME:-$RANDOM$RANDOM}
      "$PARLEYD" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --data-dir "$data" \
        --config "$TMP/parley.toml" --durability "${target#parley-}" >"$log" 2>&1 &
      TARGET_ARGS=(--data-dir "$data")
      ;;
    ws | socketio)
      node "$PEER_DIR/$target-peer.js" --port 0 --port-file "$TMP/port" >"$log" 2>&1 &
      TARGET_ARGS=(--secret-file "$TMP/peer-secret")
      [[ $target == socketio ]] && TARGET_ARGS+=(--peer-protocol socketio)
      ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 100); do
    [[ -s $TMP/port ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s $TMP/port ]]; then
    stop_server
    return 1
  fi
  PORT=$(cat "$TMP/port")
}

record() {  # id scenario target status rc seconds json command...
  local id=$1 scenario=$2 target=$3 status=$4 rc=$5 secs=$6 json=$7
  shift 7
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$scenario" "$target" "$status" "$rc" "$secs" \
    "$json" "$*" >>"$RUNS"
}

# run_case ID SCENARIO TARGET ESTIMATE_S LIMIT_S [args of parley-load, or of the probe that
# TARGET names: tcp = parley-tcp-limit, cpu = parley-cpu-stalls]
# Runs one measurement unless it would overrun the budget; records the outcome either way.
run_case() {
  local id=$1 scenario=$2 target=$3 est=$4 limit=$5
  shift 5
  [[ -n $ONLY && ! $id =~ $ONLY ]] && return 0
  local json=$OUT_DIR/$id.json log=$OUT_DIR/logs/$id.log
  if [[ $target == ws || $target == socketio ]] && ((PEERS_OK == 0)); then
    record "$id" "$scenario" "$target" "not_run:npm_ci_failed" "" "" "" ""
    return 0
  fi
  if (($(elapsed) + est > BUDGET)); then
    echo "--- $id: skipped (would end after the ${BUDGET}s budget; $(elapsed)s used)"
    record "$id" "$scenario" "$target" "skipped:time_budget" "" "" "" ""
    return 0
  fi
  local t0 cmd rc status=ran pid=""
  # A run that hangs still ends 30 s after the budget.
  ((limit > BUDGET + 30 - $(elapsed))) && limit=$((BUDGET + 30 - $(elapsed)))
  t0=$(date +%s)
  if [[ $target == tcp ]]; then
    cmd=("$TCP_LIMIT" "$@" --quiet --json "$json")
  elif [[ $target == cpu ]]; then
    cmd=("$CPU_STALLS" "$@" --quiet --json "$json")
  else
    if ! start_target "$target" "$log.server"; then
      echo "--- $id: $target did not start (log: $log.server)"
      record "$id" "$scenario" "$target" "failed:server_did_not_start" "" "" "" ""
      return 0
    fi
    cmd=("$LOAD" "$scenario" --port "$PORT" "${TARGET_ARGS[@]}" --server-pid "$SERVER_PID"
         --quiet --json "$json" "$@")
  fi
  echo "--- $id ($(elapsed)s): ${cmd[*]}"
  pid=$SERVER_PID
  timeout -k 5 "$limit" "${cmd[@]}" >"$log" 2>&1
  rc=$?
  ((rc == 124 || rc == 137)) && status=failed:timeout
  if [[ -n $SERVER_PID ]] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
    status=failed:server_died
  fi
  stop_server
  grep -E '^(status|errors):|deliveries /s|acked_msgs /s|pages /s|server_bytes_per|ge_1ms_per' \
    "$log" |
    sed 's/^/      /'
  # Paths and ports vary per run; the report shows the command with placeholders.
  local shown="${cmd[*]}"
  shown=${shown//$BUILD_DIR\/bin\//}
  shown=${shown//$OUT_DIR\//}
  shown=${shown//$TMP\//}
  [[ $target != tcp && $target != cpu ]] && shown=${shown//--port $PORT /--port PORT }
  [[ -n $pid ]] && shown=${shown//--server-pid $pid /--server-pid PID }
  record "$id" "$scenario" "$target" "$status" "$rc" "$(($(date +%s) - t0))" "$json" "$shown"
}

TARGETS=(parley-fast)
for p in $PEERS; do TARGETS+=("$p"); done
COMMON=(--duration "$DURATION" --warmup "$WARMUP")
# Whole seconds (rounded up) for the time estimates and limits below.
D=$(awk -v x="$DURATION" 'BEGIN { printf "%d", x == int(x) ? x : int(x) + 1 }')
W=$(awk -v x="$WARMUP" 'BEGIN { printf "%d", x == int(x) ? x : int(x) + 1 }')
NPROC=$(nproc)

# The peers' fan-out at the other windows too (ids fanout-M-PEER-wN): Parley's fsync rows run
# at FSYNC_FANOUT_WINDOW, and a peer may do better or worse at another window, so the report
# compares Parley with each peer's best run.
peer_windows() {  # MEMBERS ESTIMATE_S LIMIT_S
  local w t
  for w in $PEER_FANOUT_WINDOWS; do
    ((w == FANOUT_WINDOW)) && continue
    for t in "${TARGETS[@]:1}"; do
      run_case "fanout-$1-$t-w$w" fanout "$t" "$2" "$3" \
        --members "$1" --senders 1 --window "$w" "${COMMON[@]}"
    done
  done
}

# How often the cores stop running a thread that wants to run, with every core busy and with
# one: the floor under the latency percentiles below (a request queued on a stalled core waits
# out the stall). First, while nothing of ours runs.
run_case cpu-stalls-all cpu-stalls cpu 5 40 --threads "$NPROC" --duration 3
run_case cpu-stalls-one cpu-stalls cpu 5 40 --threads 1 --duration 3

# Required first, optional last (fan-out at 1000 members, fsync fan-out, idle on the peers), so
# the budget cuts what matters least.
for m in $FANOUT_MEMBERS; do
  ((m >= 1000)) && continue
  for t in "${TARGETS[@]}"; do
    run_case "fanout-$m-$t" fanout "$t" $((W + D + 6)) $((W + D + 90)) \
      --members "$m" --senders 1 --window "$FANOUT_WINDOW" "${COMMON[@]}"
  done
  peer_windows "$m" $((W + D + 6)) $((W + D + 90))
  for b in 1 16; do
    run_case "tcp-limit-$m-x$b" tcp-limit tcp $((W + D + 2)) $((W + D + 40)) \
      --receivers "$m" --batch "$b" --send-threads "$NPROC" "${COMMON[@]}"
  done
done
for t in parley-fsync parley-fast "${TARGETS[@]:1}"; do
  run_case "throughput-$t" throughput "$t" $((W + D + 8)) $((W + D + 120)) \
    --connections "$SENDERS" --window "$WINDOW" "${COMMON[@]}"
done
run_case "idle-parley-fast" idle parley-fast 40 240 --connections "$IDLE_N" --join general \
  --duration 3 --concurrency 512
# Filling HISTORY_FILL messages takes ~20 s per million here; the paced run below reads the same
# data dir (after a restart, so from SST files and the block cache rather than the memtables).
DATA_NAME=history run_case "history-parley-fast" history parley-fast \
  $((W + D + 15 + HISTORY_FILL / 25000)) $((W + D + 150 + HISTORY_FILL / 5000)) \
  --fill "$HISTORY_FILL" "${COMMON[@]}"

# Latency at half the measured maximum (issue 3's latency targets): the same runs paced with
# --rate at half of what the unpaced run above achieved (total sends or pages per second). In
# the fan-out run the generator has one thread per core: it measures the server's latency, and
# one generator thread receiving 130k deliveries/s one frame at a time was itself the queue
# (100 members, 1,324 msgs/s: p99 3-10 ms with one thread, 1.8-2.1 ms with two, same server).
# The history run keeps one: there the server is the busy side, and a second generator thread
# only took CPU from it (p99 2.7-3.2 ms with one, 5.1 ms with two).
PACED=(--threads "$NPROC")
half_rate() {  # JSON KEY DIVISOR -> half of rates_per_s[KEY] / DIVISOR, at least 1; empty if none
  python3 - "$1" "$2" "$3" <<'PY' 2>/dev/null
import json, sys
r = json.load(open(sys.argv[1]))
if r.get("ok"):
    print(max(1, int(r["rates_per_s"][sys.argv[2]] / float(sys.argv[3]) / 2)))
PY
}
rate=$(half_rate "$OUT_DIR/fanout-100-parley-fast.json" deliveries 100)
if [[ -n $rate ]]; then
  run_case "fanout-100-parley-fast-half" fanout parley-fast $((W + D + 6)) $((W + D + 90)) \
    --members 100 --senders 1 --window "$FANOUT_WINDOW" --rate "$rate" "${PACED[@]}" \
    "${COMMON[@]}"
fi
rate=$(half_rate "$OUT_DIR/history-parley-fast.json" pages 1)
if [[ -n $rate ]]; then
  DATA_NAME=history run_case "history-parley-fast-half" history parley-fast \
    $((W + D + 15 + HISTORY_FILL / 25000)) $((W + D + 150 + HISTORY_FILL / 5000)) \
    --fill "$HISTORY_FILL" --rate "$rate" "${COMMON[@]}"
fi
for m in $FANOUT_MEMBERS; do
  ((m < 1000)) && continue
  for t in "${TARGETS[@]}"; do
    run_case "fanout-$m-$t" fanout "$t" $((W + D + 12)) $((W + D + 120)) \
      --members "$m" --senders 1 --window "$FANOUT_WINDOW" "${COMMON[@]}"
  done
  peer_windows "$m" $((W + D + 12)) $((W + D + 120))
  for b in 1 16; do
    run_case "tcp-limit-$m-x$b" tcp-limit tcp $((W + D + 3)) $((W + D + 40)) \
      --receivers "$m" --batch "$b" --send-threads "$NPROC" "${COMMON[@]}"
  done
done
# Issue 3's fan-out target is with every message fsynced: the same runs in fsync mode, with
# more sends in flight (an ack waits for the fsync, so 32 in flight leave the disk idle between
# group commits).
for m in $FANOUT_MEMBERS; do
  ((m >= 1000)) && continue
  run_case "fanout-$m-parley-fsync" fanout parley-fsync $((W + D + 6)) $((W + D + 90)) \
    --members "$m" --senders 1 --window "$FSYNC_FANOUT_WINDOW" "${COMMON[@]}"
done
for t in "${TARGETS[@]:1}"; do
  run_case "idle-$t" idle "$t" 40 240 --connections "$IDLE_N" --join general --duration 3 \
    --concurrency 512
done

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT_DIR/machine.txt"
echo "seconds=$(elapsed)" >>"$OUT_DIR/machine.txt"
echo "=== all runs done in $(elapsed)s; results in $OUT_DIR"

status=0
awk -F'\t' 'NR > 1 && $4 != "ran" {bad=1} NR > 1 && $4 == "ran" && $5 != 0 {bad=1} END {exit bad}' \
  "$RUNS" || status=1
if [[ -n $DOC ]]; then
  python3 "$ROOT/load-tests/bench_report.py" --out-dir "$OUT_DIR" --doc "$DOC" || exit 2
  echo "=== rewrote the generated section of $DOC"
else
  python3 "$ROOT/load-tests/bench_report.py" --out-dir "$OUT_DIR"
fi
exit $status
