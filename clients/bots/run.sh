#!/bin/sh
# Runs one of the example bots (README.md here) with the project's pinned Node.js 20:
#   PARLEY_BOT_TOKEN=… [PARLEY_URL=ws://127.0.0.1:8080/ws] clients/bots/run.sh NAME [CONFIG.json]
# NAME is welcome, faq or escalate. Installs the bot SDK's dependency (npm ci in clients/bot-js)
# first when its node_modules does not match its package-lock.json. Exit status 2: bad usage,
# a missing token or a bad config; 1: the bot stopped for good (a revoked token, …); 0: stopped
# by SIGTERM or SIGINT.
set -eu

usage() {
  echo "usage: clients/bots/run.sh welcome|faq|escalate [CONFIG.json]" >&2
  echo "  environment: PARLEY_BOT_TOKEN (required), PARLEY_URL (default ws://127.0.0.1:8080/ws)" >&2
  exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
name=$1
shift
case "$name" in
  welcome|faq|escalate) ;;
  *) echo "run.sh: unknown bot \"$name\"" >&2; usage ;;
esac

here="$(cd "$(dirname "$0")" && pwd)"
PARLEY_ROOT="$(cd "$here/../.." && pwd)"
. "$PARLEY_ROOT/scripts/node-env.sh"

# npm ci in clients/bot-js unless its node_modules was installed from the same
# package-lock.json (a copy is kept as node_modules/.parley-lock, as tests/browser/run.sh does).
sdk="$PARLEY_ROOT/clients/bot-js"
if ! { [ -f "$sdk/node_modules/.parley-lock" ] && cmp -s "$sdk/package-lock.json" "$sdk/node_modules/.parley-lock"; }; then
  (cd "$sdk" && npm ci --no-audit --no-fund) >&2 || { echo "run.sh: npm ci failed in clients/bot-js" >&2; exit 1; }
  cp "$sdk/package-lock.json" "$sdk/node_modules/.parley-lock"
fi

exec node "$here/$name.js" "$@"
