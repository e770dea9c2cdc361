#!/usr/bin/env bash
# The knowledge numbers of issue 15 (docs/PERFORMANCE.md, "Knowledge: search and pages"), run
# by `make bench` after scripts/bench.sh:
#   1. search over PARLEY_SEARCH_BENCH_MESSAGES (1,000,000) messages: build/bin/search_bench,
#      index build rate, bytes per message, query latency at half the maximum rate, for the
#      english corpus (and the flat one with CORPORA="english flat");
#   2. the indexer's cost and lag: load-tests/run-scoring-overhead.sh with FEATURE=search, in the
#      throughput scenario (500 senders into `help`) and the fan-out one (100 members, fsync);
#   3. a knowledge page (/kb/help/SEQ, a solved thread with helpful replies) per second:
#      build/bin/parley-http-load against a fresh parleyd.
# Then the section between the "knowledge-begin"/"knowledge-end" markers of DOC is rewritten.
#
# Usage: load-tests/run-knowledge.sh     (from the repository root, after building)
# Environment: BUILD_DIR (build), OUT_DIR ($BUILD_DIR/bench-knowledge), DOC
#   (docs/PERFORMANCE.md; DOC= skips it), ROUNDS (3), CORPORA (english),
#   PARLEY_SEARCH_BENCH_MESSAGES (1000000), KB_CONNECTIONS (16), KB_DURATION (5).
set -u
. "$(dirname "$0")/lib.sh"
bench_env
START=$(date +%s)
OUT_DIR=${OUT_DIR:-$BUILD_DIR/bench-knowledge}
DOC=${DOC-$ROOT/docs/PERFORMANCE.md}
ROUNDS=${ROUNDS:-3}
CORPORA=${CORPORA:-english}
KB_CONNECTIONS=${KB_CONNECTIONS:-16}
KB_DURATION=${KB_DURATION:-5}
export PARLEY_SEARCH_BENCH_MESSAGES=${PARLEY_SEARCH_BENCH_MESSAGES:-1000000}
SEARCH_BENCH=$BUILD_DIR/bin/search_bench
HTTP_LOAD=$BUILD_DIR/bin/parley-http-load
for b in "$SEARCH_BENCH" "$HTTP_LOAD"; do
  [[ -x $b ]] || { echo "missing $b: cmake --build $BUILD_DIR --target search_bench parley-http-load"; exit 2; }
done
PARLEY_ROOT=$ROOT
. "$ROOT/scripts/node-env.sh"
bash "$ROOT/load-tests/peers/run.sh" setup >/dev/null || { echo "npm ci in load-tests/peers failed"; exit 2; }
rm -rf "$OUT_DIR"
mkdir -p "$OUT_DIR"
status=0

# 1. Search over a million messages.
for corpus in $CORPORA; do
  echo "=== search_bench, $corpus corpus, $PARLEY_SEARCH_BENCH_MESSAGES messages"
  PARLEY_SEARCH_BENCH_CORPUS=$corpus timeout 1800 "$SEARCH_BENCH" --benchmark_min_time=5 \
    --benchmark_out="$OUT_DIR/search-$corpus.json" --benchmark_out_format=json \
    >"$OUT_DIR/search-$corpus.log" 2>&1 || { status=1; tail -5 "$OUT_DIR/search-$corpus.log"; }
  grep -E "^search_bench:|^BM_" "$OUT_DIR/search-$corpus.log"
done

# 2. The indexer's cost (on/off, side by side) and its lag.
for scenario in throughput fanout; do
  echo "=== indexing on/off, $scenario"
  FEATURE=search SCENARIO=$scenario ROUNDS=$ROUNDS SUMMARY_JSON="$OUT_DIR/overhead-$scenario.json" \
    bash "$ROOT/load-tests/run-scoring-overhead.sh" >"$OUT_DIR/overhead-$scenario.log" 2>&1 || status=1
  tail -7 "$OUT_DIR/overhead-$scenario.log"
done

# 3. Knowledge pages per second.
echo "=== /kb/help/SEQ pages per second"
temp_dir parley_kb
limits_toml >"$TMP/parley.toml"
"$PARLEYD" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --data-dir "$TMP/data" \
  --config "$TMP/parley.toml" --durability fast >"$OUT_DIR/kb-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
PORT=$(cat "$TMP/port" 2>/dev/null)
page=""
if [[ -n $PORT ]]; then
  asker=$("$PARLEYD" token --data-dir "$TMP/data" --user kb-asker --name Ann)
  helper=$("$PARLEYD" token --data-dir "$TMP/data" --user kb-helper --name Bob)
  page=$(node "$ROOT/load-tests/peers/kb-thread.js" "$PORT" "$asker" "$helper")
  # Listed once indexed (bounded: 10 s).
  for _ in $(seq 100); do
    curl -s "http://127.0.0.1:$PORT/kb" | grep -q "href=\"$page\"" && break
    sleep 0.1
  done
fi
if [[ -n $page && $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$page") == 200 ]]; then
  "$HTTP_LOAD" --port "$PORT" --path "$page" --connections "$KB_CONNECTIONS" --duration "$KB_DURATION" \
    --server-pid "$SERVER_PID" --json "$OUT_DIR/kb-pages.json" >"$OUT_DIR/kb-pages.log" 2>&1 || status=1
  grep -E "pages /s|get |status" "$OUT_DIR/kb-pages.log"
else
  echo "the knowledge page could not be set up (see $OUT_DIR/kb-server.log)"
  status=1
fi
stop_server
echo "=== done in $(($(date +%s) - START)) s"

python3 - "$OUT_DIR" "$DOC" "$CORPORA" "$(($(date +%s) - START))" "$ROUNDS" <<'PY' || status=1
import datetime, json, os, subprocess, sys
out, doc, corpora, seconds, rounds = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4], sys.argv[5]
def load(name):
    try:
        return json.load(open(os.path.join(out, name)))
    except (OSError, ValueError):
        return None
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
when = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
lines = [f"**Command:** `make bench` (its last step, `load-tests/run-knowledge.sh`). This run: {when}, "
         f"commit {commit}, {seconds} s.", ""]
rows = [("| measure | result | target | met |"), ("|---|--:|---|---|")]
def row(what, result, target, met):
    rows.append(f"| {what} | {result} | {target} | {'–' if met is None else 'yes' if met else 'no'} |")
for corpus in corpora:
    b = load(f"search-{corpus}.json")
    if not b:
        rows.append(f"| search, {corpus} corpus | not measured | | no |")
        continue
    by = {x["name"]: x for x in b["benchmarks"]}
    s, p = by.get("BM_Search", {}), by.get("BM_SearchPacedHalfRate/iterations:1", {})
    n = int(b.get("context", {}).get("messages", 0)) or None
    row(f"search p99 at half the maximum rate ({p.get('max_rate_per_s', 0) / 2:,.0f} of {p.get('max_rate_per_s', 0):,.0f} queries/s), {corpus} corpus",
        f"{p.get('p99_us', 0) / 1000:.1f} ms (p50 {p.get('p50_us', 0) / 1000:.2f} ms, p99.9 {p.get('p999_us', 0) / 1000:.1f} ms)",
        "< 10 ms", p.get("p99_us", 1e12) < 10000)
    row(f"index size, {corpus} corpus", f"{s.get('bytes_per_message', 0):,.0f} bytes per message", "reported", None)
    row(f"index build, {corpus} corpus", f"{s.get('docs_per_s_build', 0):,.0f} documents/s", "–", None)
for scenario, label in (("throughput", "throughput (500 senders into help, fsync)"), ("fanout", "fan-out (100 members, fsync)")):
    o = load(f"overhead-{scenario}.json")
    if not o:
        rows.append(f"| indexing cost, {label} | not measured | < 5% | no |")
        continue
    cost = 1 - o["median_round_ratio"]
    row(f"indexing cost, {label}: {o['unit']}/s on/off, median of {rounds} rounds' ratios",
        f"{cost * 100:.0f}% ({o['ratio_of_medians']:.3f} on/off; medians {sorted(o['on'])[len(o['on']) // 2]:,} / {sorted(o['off'])[len(o['off']) // 2]:,})",
        "< 5%", cost < 0.05)
    if o.get("lag_samples"):
        row(f"indexing lag under {label}, sampled every 100 ms",
            f"p99 {o['lag_p99_s']:.2f} s (p50 {o['lag_p50_s']:.2f} s, max {o['lag_max_s']:.2f} s; caught up {', '.join(o['caught_up_s'])} s after the load)",
            "p99 < 1 s", o["lag_p99_s"] < 1)
k = load("kb-pages.json")
if k:
    rate = k["rates_per_s"]["pages"]
    lat = k["latency_us"]["get"] if "latency_us" in k else None
    extra = f" (p99 {lat['p99'] / 1000:.1f} ms, {k['parameters']['connections']} keep-alive connections, gzip)" if lat else ""
    row("a /kb/help/SEQ page (solved thread, helpful replies)", f"{rate:,.0f} pages/s{extra}", "≥ 5,000 pages/s",
        rate >= 5000 and k["errors"]["total"] == 0)
else:
    rows.append("| a /kb/help/SEQ page | not measured | ≥ 5,000 pages/s | no |")
section = "\n".join(lines + rows) + "\n"
print(section)
if doc:
    text = open(doc).read()
    begin, end = "<!-- knowledge-begin -->", "<!-- knowledge-end -->"
    a, b = text.find(begin), text.find(end)
    if a < 0 or b < a:
        sys.exit(f"{doc} has no {begin} … {end} section")
    open(doc, "w").write(text[: a + len(begin)] + "\n" + section + text[b:])
    print(f"=== rewrote the knowledge section of {doc}")
PY
exit $status
