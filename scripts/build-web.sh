#!/bin/sh
# Builds what parleyd serves from clients/web/ that is not written by hand (all gitignored):
#   - vendor/: Chart.js's UMD build and its licence, for the staff console's Community charts;
#   - widget.js and console.js, each with its source map (.map): the bundles of the ES modules
#     under clients/web/src/ (src/widget/index.js, src/console/index.js; src/shared/ is the DOM kit
#     both use, and both bundle clients/web/parley-client.js, the protocol client, which stays a
#     served file of its own for bots and the Node tests), made by esbuild from npm: one classic
#     script each (an IIFE, ES2020, not minified), so the one-tag embed of the widget and
#     console.html's <script src="/console.js"> load a single file.
# Steps:
#   - `npm ci` in clients/web when node_modules is missing or package-lock.json changed since
#     the last install (newer than node_modules/.package-lock.json, which npm writes); with
#     --ignore-scripts: esbuild's binary comes from its optional dependency @esbuild/<platform>;
#   - copies node_modules/chart.js/dist/chart.umd.js and LICENSE.md into vendor/ when they differ;
#   - bundles when a source changed: a hash of every file under src/ and every other file the last
#     build read (parley-client.js), of this script and of esbuild's version, kept with a hash of
#     the outputs in node_modules/.parley-bundles.json; outputs are written atomically.
# Run by `make web`, `make run`, `make test` and ctest (the web_vendor fixture of the browser
# tests). Idempotent and quick when nothing changed. parleyd serves vendor/ and the bundles like
# any other file of the web root and skips node_modules (restart a running server after a
# rebuild); it does not need src/ (the maps carry the sources for the browser's devtools).
set -eu

WEB="$(cd "$(dirname "$0")/../clients/web" && pwd)"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
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
  timeout "$NPM_TIMEOUT" npm ci --no-audit --no-fund --ignore-scripts --include=dev --loglevel=error ||
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

# ---- the bundles --------------------------------------------------------------------------
[ -f node_modules/esbuild/package.json ] || fail "$WEB/node_modules/esbuild is missing; delete node_modules and retry"
timeout 120 node - "$SELF" <<'EOF' || fail "bundling clients/web/src failed (see above)"
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const esbuild = require('esbuild');

const BUNDLES = [
  { entry: 'src/widget/index.js', out: 'widget.js', what: 'the chat widget' },
  { entry: 'src/console/index.js', out: 'console.js', what: 'the staff console' },
];
const options = (b) => ({
  entryPoints: [b.entry], outfile: b.out, bundle: true, format: 'iife', target: 'es2020',
  charset: 'utf8', sourcemap: 'linked', write: false, metafile: true, logLevel: 'warning',
  banner: { js: `/* Parley: ${b.what}, bundled by scripts/build-web.sh (esbuild) from clients/web/${path.dirname(b.entry)}/. Do not edit: edit the sources. */` },
});
const STAMP = 'node_modules/.parley-bundles.json';
const outputs = BUNDLES.flatMap((b) => [b.out, b.out + '.map']);

const sha = () => crypto.createHash('sha256');
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
/** One hash over the build's settings and the content of `files` (sorted, missing ones too). */
function inputsHash(files) {
  const h = sha();
  h.update(fs.readFileSync(process.argv[2])); // this script: the options above
  h.update(esbuild.version + '\0' + JSON.stringify(BUNDLES.map(options)) + '\0');
  for (const f of files) h.update(f + '\0' + (fs.existsSync(f) ? sha().update(fs.readFileSync(f)).digest('hex') : '-') + '\0');
  return h.digest('hex');
}
function outputsHash() {
  const h = sha();
  for (const f of outputs) h.update(f + '\0' + (fs.existsSync(f) ? sha().update(fs.readFileSync(f)).digest('hex') : '-') + '\0');
  return h.digest('hex');
}
const sorted = (list) => [...new Set(list)].sort();

let stamp = null;
try { stamp = JSON.parse(fs.readFileSync(STAMP, 'utf8')); } catch (e) { /* none yet */ }
const before = sorted([...walk('src'), ...((stamp && stamp.inputs) || [])]);
if (stamp && stamp.hash === inputsHash(before) && stamp.outputs === outputsHash()) {
  console.log(`build-web: clients/web/${BUNDLES.map((b) => b.out).join(', ')} up to date`);
  process.exit(0);
}

const read = new Set(walk('src'));
const built = [];
for (const b of BUNDLES) {
  let r;
  try { r = esbuild.buildSync(options(b)); } catch (e) { process.exit(1); } // esbuild printed why
  for (const f of Object.keys(r.metafile.inputs)) read.add(path.normalize(f));
  built.push(...r.outputFiles);
}
for (const f of built) { // each file atomically: a server starting meanwhile reads old or new
  const tmp = `${f.path}.tmp.${process.pid}`;
  fs.writeFileSync(tmp, f.contents);
  fs.renameSync(tmp, f.path);
}
const inputs = sorted([...read]);
fs.writeFileSync(STAMP, JSON.stringify({ inputs, hash: inputsHash(inputs), outputs: outputsHash() }) + '\n');
for (const b of BUNDLES) {
  console.log(`build-web: clients/web/${b.out} (+ .map) bundled from ${b.entry}, ${fs.statSync(b.out).size} bytes`);
}
EOF
