#!/usr/bin/env bash
# Before/after benchmark of two builds in one sitting of the machine: the runs of
# scripts/bench.sh that ONLY selects, for build A then build B, ROUNDS times in turn (so drift
# of a shared machine hits both alike), then a Markdown table of the medians per run: the main
# number (deliveries/s, acked msgs/s, server bytes per idle connection) and the server's CPU
# per unit of work, with the B/A ratios.
#
# Usage: scripts/bench-ab.sh A_BUILD_DIR B_BUILD_DIR
#   each dir holds bin/parleyd, bin/parley-load, bin/parley-tcp-limit, bin/parley-cpu-stalls
#   (copy build/bin of the old commit aside before rebuilding: mkdir -p /tmp/a/bin && cp …)
# Environment (optional): ROUNDS (3), ONLY (the fan-out, throughput and idle runs of Parley),
#   DURATION (5), IDLE_MAX (18000), OUT (build/bench-ab).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
ROUNDS=${ROUNDS:-3}
ONLY=${ONLY:-'^(fanout-100-parley-fast|fanout-100-parley-fsync|throughput-parley-fsync|throughput-parley-fast|idle-parley-fast)$'}
OUT=${OUT:-$ROOT/build/bench-ab}
rm -rf "$OUT"
mkdir -p "$OUT"
for ((r = 1; r <= ROUNDS; r++)); do
  for side in A B; do
    dir=$A
    [[ $side == B ]] && dir=$B
    echo "=== round $r, build $side ($dir)"
    BUILD_DIR=$dir OUT_DIR=$OUT/$side-$r DOC= PEERS= ONLY=$ONLY BUDGET=${BUDGET:-400} \
      DURATION=${DURATION:-5} IDLE_MAX=${IDLE_MAX:-18000} "$ROOT/scripts/bench.sh" >"$OUT/$side-$r.log" 2>&1 ||
      echo "  (bench.sh exited $?; see $OUT/$side-$r.log)"
  done
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, os, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])

def main_number(scenario, r):
    if scenario == 'fanout':
        return r['rates_per_s'].get('deliveries'), 'deliveries/s', 'server CPU µs/delivery'
    if scenario == 'throughput':
        return r['rates_per_s'].get('acked_msgs'), 'acked msgs/s', 'server CPU µs/msg'
    if scenario == 'idle':
        return r['info'].get('server_bytes_per_connection'), 'server bytes/connection', None
    return None, None, None

rows = {}
for side in 'AB':
    for k in range(1, rounds + 1):
        runs = os.path.join(out, f'{side}-{k}', 'runs.tsv')
        if not os.path.exists(runs):
            continue
        for line in open(runs):
            f = line.rstrip('\n').split('\t')
            rid, scenario, status, js = f[0], f[1], f[3], f[6]
            if status != 'ran' or not js or not os.path.exists(js):
                continue
            r = json.load(open(js))
            v, unit, cost_unit = main_number(scenario, r)
            if v is None or not r.get('ok', True):
                continue
            cores = r.get('info', {}).get('server_cpu_cores')
            cost = cores * 1e6 / v if cost_unit and cores and v else None
            e = rows.setdefault(rid, {'unit': unit, 'cost_unit': cost_unit, 'A': [], 'B': [],
                                      'Acost': [], 'Bcost': []})
            e[side].append(v)
            if cost is not None:
                e[side + 'cost'].append(cost)

def med(x):
    return statistics.median(x) if x else None

def fmt(x, d=0):
    return '–' if x is None else f'{x:,.{d}f}'

print('| run | measure | A (median) | B (median) | B/A | runs A/B |')
print('|---|---|---|---|---|---|')
for rid in sorted(rows):
    e = rows[rid]
    a, b = med(e['A']), med(e['B'])
    ratio = fmt(b / a, 3) if a and b else '–'
    print(f"| {rid} | {e['unit']} | {fmt(a)} | {fmt(b)} | {ratio} | {len(e['A'])}/{len(e['B'])} |")
    if e['cost_unit']:
        a, b = med(e['Acost']), med(e['Bcost'])
        ratio = fmt(b / a, 3) if a and b else '–'
        print(f"| {rid} | {e['cost_unit']} | {fmt(a, 2)} | {fmt(b, 2)} | {ratio} | "
              f"{len(e['Acost'])}/{len(e['Bcost'])} |")
PY
