#!/usr/bin/env bash
# The peers for ctest (load-tests/CMakeLists.txt) and for scripts/bench.sh.
#   run.sh setup                         npm ci, unless node_modules already matches package-lock.json
#   run.sh smoke ws|socketio PARLEY_LOAD  start the peer on port 0, run `parley-load fanout --smoke`
#                                         against it (exit 0 expected), then SIGTERM the peer and
#                                         expect it to exit 0. No timing assertions.
# A missing tool is a failure with a message, never a skip: `make test` installs them.
set -u
cd "$(dirname "$0")"

fail() { echo "FAIL: $*" >&2; exit 1; }
# The project's pinned Node.js 20 and npm (scripts/node-setup.sh), never the system's.
PARLEY_ROOT="$(cd ../.. && pwd)"
. "$PARLEY_ROOT/scripts/node-env.sh"

mode="${1:-}"
case "$mode" in
  setup)
    if [[ -f node_modules/.parley-lock ]] && cmp -s package-lock.json node_modules/.parley-lock; then
      echo "node_modules is up to date"
      exit 0
    fi
    npm ci --no-audit --no-fund || fail "npm ci failed in load-tests/peers"
    cp package-lock.json node_modules/.parley-lock
    ;;
  smoke)
    peer="${2:-}"
    load="${3:-}"
    [[ $peer == ws || $peer == socketio ]] || fail "usage: run.sh smoke ws|socketio PARLEY_LOAD"
    [[ -x $load ]] || fail "parley-load not found at '$load'"
    [[ -d node_modules/ws && -d node_modules/socket.io ]] ||
      fail "node_modules missing; run 'load-tests/peers/run.sh setup' (npm ci)"
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/parley_peer_smoke.XXXXXX")
    pid=""
    cleanup() {
      if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
      rm -rf "$tmp"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    protocol=parley
    [[ $peer == socketio ]] && protocol=socketio
    node "$peer-peer.js" --port 0 --port-file "$tmp/port" >"$tmp/peer.log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do
      [[ -s $tmp/port ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    [[ -s $tmp/port ]] || { cat "$tmp/peer.log"; fail "$peer-peer.js did not write its port file"; }
    # The peers do not check tokens; parley-load signs them with any secret.
    echo "peer-smoke-secret" >"$tmp/secret"
    timeout -k 5 60 "$load" fanout --smoke --quiet --port "$(cat "$tmp/port")" \
      --secret-file "$tmp/secret" --peer-protocol "$protocol" --server-pid "$pid"
    rc=$?
    [[ $rc -eq 0 ]] || { cat "$tmp/peer.log"; fail "parley-load fanout against $peer exited with $rc"; }
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && fail "$peer-peer.js still running 5 s after SIGTERM"
    wait "$pid"
    prc=$?
    pid=""
    [[ $prc -eq 0 ]] || { cat "$tmp/peer.log"; fail "$peer-peer.js exited with $prc after SIGTERM"; }
    echo "OK: $peer peer"
    ;;
  *)
    fail "usage: run.sh setup | smoke ws|socketio PARLEY_LOAD"
    ;;
esac
