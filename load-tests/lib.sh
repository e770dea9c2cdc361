# Sourced by the scripts that run parleyd locally (run-throughput.sh, run-scoring-overhead.sh,
# smoke.sh); defines functions only. Expects `set -u`.
#   bench_env            ROOT (the repository), BUILD_DIR (default $ROOT/build), PARLEYD and LOAD
#                        under $BUILD_DIR/bin; exits 2 naming the build target if one is missing.
#   temp_dir PREFIX [N]  TMP: a fresh directory "${TMPDIR:-/tmp}/PREFIX.XXXXXX", and SERVER_PID="";
#                        on exit the server is stopped (stop_server N) and TMP removed; INT/TERM
#                        exit 130.
#   stop_server [N]      SIGTERM $SERVER_PID, wait up to N tenths of a second (default 100), then
#                        SIGKILL; reaps it and clears SERVER_PID.
#   limits_toml          prints a parleyd config [limits] section with the rate limits lifted.

bench_env() {
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  BUILD_DIR=${BUILD_DIR:-$ROOT/build}
  PARLEYD=$BUILD_DIR/bin/parleyd
  LOAD=$BUILD_DIR/bin/parley-load
  local b
  for b in "$PARLEYD" "$LOAD"; do
    [[ -x $b ]] || { echo "missing $b: cmake --build $BUILD_DIR --target parleyd parley-load"; exit 2; }
  done
}

stop_server() {
  local tries=${1:-100}
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq "$tries"); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  [[ -n "$SERVER_PID" ]] && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}

temp_dir() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  SERVER_PID=""
  _temp_dir_stop_tries=${2:-100}
  trap 'stop_server "$_temp_dir_stop_tries"; rm -rf "$TMP"' EXIT
  trap 'exit 130' INT TERM
}

limits_toml() {
  cat <<'TOML'
[limits]
rate_per_s = 1000000
max_connections_per_ip = 1000000
rate_burst = 1000000
max_inflight_sends = 100000
TOML
}
