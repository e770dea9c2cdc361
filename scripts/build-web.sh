#!/bin/sh
# Builds the third-party files the web pages load into clients/web/vendor/ (gitignored):
# Chart.js's UMD build and its licence, for the staff console's Community charts.
#   - `npm ci` in clients/web when node_modules is missing or package-lock.json changed since
#     the last install (newer than node_modules/.package-lock.json, which npm writes);
#   - copies node_modules/chart.js/dist/chart.umd.js and LICENSE.md into vendor/ when they differ.
# Run by `make web`, `make run`, `make test` and ctest (the web_vendor fixture of the browser
# tests). Idempotent and quick when nothing changed. parleyd serves vendor/ like any other file
# of the web root and skips node_modules (restart a running server after a rebuild).
set -eu

WEB="$(cd "$(dirname "$0")/../clients/web" && pwd)"
NPM_TIMEOUT="${NPM_TIMEOUT:-300}"

fail() { echo "build-web: $*" >&2; exit 1; }

# The project's pinned Node.js 20 and npm (scripts/node-setup.sh), never the system's.
PARLEY_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$PARLEY_ROOT/scripts/node-env.sh"
command -v timeout >/dev/null 2>&1 || fail "timeout (coreutils) not found"

cd "$WEB"
[ -f package-lock.json ] || fail "$WEB/package-lock.json is missing"

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "build-web: npm ci in clients/web"
  timeout "$NPM_TIMEOUT" npm ci --no-audit --no-fund --ignore-scripts --loglevel=error ||
    fail "npm ci in $WEB failed or took longer than ${NPM_TIMEOUT} s (status $?)"
  touch node_modules/.package-lock.json # newer than the lockfile it was installed from
fi

src=node_modules/chart.js
[ -f "$src/dist/chart.umd.js" ] || fail "$WEB/$src/dist/chart.umd.js is missing; delete node_modules and retry"
mkdir -p vendor
copy() { # copy FROM TO, atomically and only when the content differs
  if ! cmp -s "$1" "$2" 2>/dev/null; then
    cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
    echo "build-web: $2 updated"
  fi
}
copy "$src/dist/chart.umd.js" vendor/chart.umd.js
copy "$src/LICENSE.md" vendor/chart.js-LICENSE.md
version="$(node -p 'require("./node_modules/chart.js/package.json").version')"
echo "build-web: clients/web/vendor has Chart.js $version"
