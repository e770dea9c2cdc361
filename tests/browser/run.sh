#!/bin/sh
# Runs the widget tests for ctest (see CMakeLists.txt here).
#   run.sh setup        npm ci here and in clients/bot-js (the bot SDK the node tests load),
#                       each unless its node_modules already matches its package-lock.json
#   run.sh unit         Node unit tests of clients/web/parley-client.js (no browser, no server)
#   run.sh e2e FILE...  Playwright tests: Debian's Chromium against a real parleyd
#   run.sh node FILE... Node tests against a real parleyd, no browser (webhook receivers)
# A missing tool is a failure with a message, never a skip: `make test` installs them.
set -eu
cd "$(dirname "$0")"

fail() { echo "FAIL: $*" >&2; exit 1; }
# The project's pinned Node.js 20 and npm (scripts/node-setup.sh), never the system's.
PARLEY_ROOT="$(cd ../.. && pwd)"
. "$PARLEY_ROOT/scripts/node-env.sh"

mode="${1:-}"
[ $# -gt 0 ] && shift
case "$mode" in
  setup)
    # npm ci in DIR unless DIR/node_modules was installed from the same package-lock.json
    # (a copy of it is kept as node_modules/.parley-lock).
    npm_ci() {
      if [ -f "$1/node_modules/.parley-lock" ] && cmp -s "$1/package-lock.json" "$1/node_modules/.parley-lock"; then
        echo "$2/node_modules is up to date"
        return 0
      fi
      (cd "$1" && npm ci --no-audit --no-fund) || fail "npm ci failed in $2"
      cp "$1/package-lock.json" "$1/node_modules/.parley-lock"
    }
    npm_ci . tests/browser
    npm_ci "$PARLEY_ROOT/clients/bot-js" clients/bot-js
    ;;
  unit)
    exec node --test --test-reporter=tap unit/
    ;;
  e2e)
    chromium="${CHROMIUM:-/usr/bin/chromium}"
    [ -x "$chromium" ] || fail "$chromium not found; install it with 'apt-get install -y chromium' (make test-deps)"
    [ -d node_modules/playwright-core ] || fail "playwright-core missing; run 'npm ci' in tests/browser"
    exec node --test --test-reporter=tap --test-concurrency=1 "$@"
    ;;
  node)
    [ -d node_modules/standardwebhooks ] || fail "standardwebhooks missing; run 'npm ci' in tests/browser"
    [ -d "$PARLEY_ROOT/clients/bot-js/node_modules/ws" ] || fail "ws missing in clients/bot-js; run 'sh tests/browser/run.sh setup'"
    exec node --test --test-reporter=tap --test-concurrency=1 "$@"
    ;;
  *)
    fail "usage: run.sh setup | unit | e2e FILE... | node FILE..."
    ;;
esac
