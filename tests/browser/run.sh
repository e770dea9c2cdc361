#!/bin/sh
# Runs the widget tests for ctest (see CMakeLists.txt here).
#   run.sh setup        npm ci, unless node_modules already matches package-lock.json
#   run.sh unit         Node unit tests of clients/web/parley-client.js (no browser, no server)
#   run.sh e2e FILE...  Playwright tests: Debian's Chromium against a real parleyd
# A missing tool is a failure with a message, never a skip: `make test` installs them.
set -eu
cd "$(dirname "$0")"

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 || fail "node not found; install Node.js 20 or newer (make test-deps)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  fail "Node.js $(node --version) is too old; the tests need 20 or newer"

mode="${1:-}"
[ $# -gt 0 ] && shift
case "$mode" in
  setup)
    command -v npm >/dev/null 2>&1 || fail "npm not found; install npm (make test-deps)"
    if [ -f node_modules/.parley-lock ] && cmp -s package-lock.json node_modules/.parley-lock; then
      echo "node_modules is up to date"
      exit 0
    fi
    npm ci --no-audit --no-fund
    cp package-lock.json node_modules/.parley-lock
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
  *)
    fail "usage: run.sh setup | unit | e2e FILE..."
    ;;
esac
