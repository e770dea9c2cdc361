#!/bin/sh
# package_deb: make deb's package, checked the way an operator meets it (tests/package/CMakeLists.txt).
# Usage: deb_test.sh BUILD_DIR VERSION
set -eu
BUILD="$1"
VERSION="$2"
DEB="$BUILD/deb/parley_${VERSION}_amd64.deb"
TMP="$(mktemp -d /tmp/parley-deb-test.XXXXXX)"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "deb_test: FAIL: $*" >&2; exit 1; }
step() { echo "deb_test: $*"; }

step "building $DEB"
cmake --build "$BUILD" --target parleyd deb-files >/dev/null
rm -f "$DEB"
(cd "$BUILD" && cpack -G DEB >"$TMP/cpack.log" 2>&1) || { cat "$TMP/cpack.log"; fail "cpack failed"; }
[ -f "$DEB" ] || fail "no $DEB"

step "lintian"
# Errors and warnings fail; informational tags do not.
lintian --fail-on error,warning "$DEB" >"$TMP/lintian.log" 2>&1 ||
  { cat "$TMP/lintian.log"; fail "lintian reported errors or warnings"; }
if grep -E '^(E|W): ' "$TMP/lintian.log"; then fail "lintian: see above"; fi

step "control fields"
[ "$(dpkg-deb -f "$DEB" Package)" = parley ] || fail "Package"
[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] || fail "Version"
[ "$(dpkg-deb -f "$DEB" Architecture)" = amd64 ] || fail "Architecture"
dpkg-deb -f "$DEB" Depends | grep -q 'librocksdb' || fail "Depends lacks RocksDB: $(dpkg-deb -f "$DEB" Depends)"
mkdir "$TMP/control"
dpkg-deb -e "$DEB" "$TMP/control"
[ "$(cat "$TMP/control/conffiles")" = /etc/parley/parley.toml ] || fail "conffiles: $(cat "$TMP/control/conffiles")"
for s in postinst prerm postrm; do [ -x "$TMP/control/$s" ] || fail "$s is not executable"; done
grep -q "deb-systemd-helper enable 'parleyd.service'" "$TMP/control/postinst" || fail "postinst does not enable the unit"

step "contents"
ROOT="$TMP/root"
dpkg -x "$DEB" "$ROOT"
for f in usr/bin/parleyd usr/share/parley/web/index.html usr/share/parley/web/widget.js \
         usr/share/parley/web/console.html usr/share/parley/web/vendor/chart.umd.js \
         etc/parley/parley.toml lib/systemd/system/parleyd.service \
         usr/share/doc/parley/copyright usr/share/doc/parley/changelog.gz \
         usr/share/man/man1/parleyd.1.gz; do
  [ -f "$ROOT/$f" ] || fail "missing /$f"
done
if find "$ROOT" -name node_modules -o -name 'package*.json' -o -name '.*' | grep -q .; then
  fail "the package holds npm or hidden files: $(find "$ROOT" -name node_modules -o -name 'package*.json' -o -name '.*')"
fi
readelf -S "$ROOT/usr/bin/parleyd" | grep -qE '\.(symtab|debug_info)' && fail "parleyd is not stripped"

step "the conffile: every key of the effective configuration, commented but for the package's own"
: > "$TMP/empty.toml"
"$ROOT/usr/bin/parleyd" check-config --print "$TMP/empty.toml" >"$TMP/defaults.toml"
CONF="$ROOT/etc/parley/parley.toml"
keys=0
for key in $(grep -E '^[a-z_]+ = ' "$TMP/defaults.toml" | cut -d' ' -f1); do
  keys=$((keys + 1))
  grep -qE "^(# )?$key = " "$CONF" || fail "$key is not in the conffile"
done
[ "$keys" -gt 50 ] || fail "only $keys keys read from check-config --print"
grep -qx "data_dir = '/var/lib/parley'" "$CONF" || fail "data_dir is not /var/lib/parley"
grep -qx "backup_dir = '/var/lib/parley/backups'" "$CONF" || fail "backup_dir is not in /var/lib/parley"
[ "$(grep -cE '^[a-z_]+ = ' "$CONF")" -eq 2 ] || fail "more than the package's two settings are set: $(grep -E '^[a-z_]+ = ' "$CONF")"
"$ROOT/usr/bin/parleyd" check-config "$CONF" >"$TMP/check.log" 2>&1 || { cat "$TMP/check.log"; fail "check-config refused the conffile"; }
grep -qi warn "$TMP/check.log" && { cat "$TMP/check.log"; fail "check-config warned about the conffile"; }

step "systemd-analyze verify"
UNIT="$ROOT/lib/systemd/system/parleyd.service"
for k in 'DynamicUser=yes' 'StateDirectory=parley' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
         'Restart=on-failure' 'KillSignal=SIGTERM' 'LimitNOFILE=262144' \
         'ExecStart=/usr/bin/parleyd serve --config /etc/parley/parley.toml'; do
  grep -qx "$k" "$UNIT" || fail "the unit lacks $k"
done
# The root needs systemd's own units (targets) beside the package's; the host has them.
VROOT="$TMP/vroot"
mkdir -p "$VROOT/lib/systemd/system"
cp -r /lib/systemd/system/. "$VROOT/lib/systemd/system/"
cp -r "$ROOT/." "$VROOT/"
systemd-analyze verify --man=no --root="$VROOT" parleyd.service >"$TMP/verify.log" 2>&1 ||
  { cat "$TMP/verify.log"; fail "systemd-analyze verify refused the unit"; }
# The same check refuses a broken copy (a binary that is not there), so it is not vacuous.
sed 's|^ExecStart=/usr/bin/parleyd|ExecStart=/usr/bin/parleyd-missing|' "$UNIT" >"$VROOT/lib/systemd/system/broken.service"
if systemd-analyze verify --man=no --root="$VROOT" broken.service >/dev/null 2>&1; then
  fail "systemd-analyze verify accepted a unit whose binary is missing"
fi

step "the installed binary serves /readyz from its configuration and web root"
echo "served from the package" >"$ROOT/usr/share/parley/web/deb-test.txt"
DATA="$TMP/data"
"$ROOT/usr/bin/parleyd" serve --config "$CONF" --data-dir "$DATA" --listen 127.0.0.1:0 \
  --port-file "$TMP/port" >"$TMP/server.log" 2>&1 &
PID=$!
i=0
while [ ! -s "$TMP/port" ]; do
  i=$((i + 1))
  [ "$i" -le 200 ] || { cat "$TMP/server.log"; fail "the server did not start"; }
  kill -0 "$PID" 2>/dev/null || { cat "$TMP/server.log"; fail "the server exited"; }
  sleep 0.05
done
PORT="$(cat "$TMP/port")"
ready="$(curl -s -o "$TMP/readyz" -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")"
[ "$ready" = 200 ] || fail "/readyz answered $ready: $(cat "$TMP/readyz")"
grep -q '"status":"ready"' "$TMP/readyz" || fail "/readyz: $(cat "$TMP/readyz")"
[ "$(curl -s "http://127.0.0.1:$PORT/deb-test.txt")" = "served from the package" ] ||
  fail "the web root is not /usr/share/parley/web of the installed tree"
curl -sf "http://127.0.0.1:$PORT/widget.js" | cmp -s - "$ROOT/usr/share/parley/web/widget.js" ||
  fail "/widget.js is not the package's"
grep -q "Mint a token:  $ROOT/usr/bin/parleyd token" "$TMP/server.log" ||
  { cat "$TMP/server.log"; fail "the start-up message does not name the installed binary"; }
kill -TERM "$PID"
status=0
wait "$PID" || status=$?
PID=""
[ "$status" -eq 0 ] || { cat "$TMP/server.log"; fail "SIGTERM: exit status $status"; }
[ -f "$DATA/secret.key" ] || fail "no secret was made in the data dir"
step "ok"
