#!/usr/bin/env bash
# The README's two commands on a truly fresh Debian 12, as a new user would run them:
#   1. debootstrap a minbase Debian 12 (bookworm) root and install only git, make,
#      ca-certificates and sudo in it;
#   2. clone the current commit (HEAD; uncommitted changes are not part of it) into it;
#   3. `make run` until http://127.0.0.1:PORT/healthz answers, then stop it;
#   4. `make test`, and print ctest's summary;
#   5. print how long each step took, then unmount and remove everything it made.
# Root only (debootstrap, chroot, mounts). Too slow for every CI run (~40 min on 2 cores), so
# `make test` does not call it; run it before changing the install steps, and after.
#
#   scripts/fresh-debian-check.sh [--user] [--ca-bundle FILE] [--port N] [--mirror URL]
#                                 [--workdir DIR] [--keep]
#     --user             run the two commands as a user with sudo rights (default: as root)
#     --ca-bundle FILE   an extra CA bundle (PEM) to trust inside the root, for networks
#                        behind an HTTPS proxy (apt, git, curl, npm and Node all use it)
#     --port N           the port `make run` listens on (default 8080; the root shares the
#                        host's network, so pick a free one)
#     --mirror URL       the Debian mirror (default http://deb.debian.org/debian)
#     --workdir DIR      where the root is made (default: a new folder under /var/tmp)
#     --keep             leave the root in place afterwards (for a look inside)
# Exit status: 0 when `make run` served /healthz and `make test` passed, 1 otherwise.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
AS_USER=0 CA_BUNDLE="" PORT=8080 MIRROR=http://deb.debian.org/debian WORKDIR="" KEEP=0
RUN_TIMEOUT=${FRESH_RUN_TIMEOUT:-2400}   # make run: packages + build, until /healthz answers
TEST_TIMEOUT=${FRESH_TEST_TIMEOUT:-5400} # make test

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --user) AS_USER=1 ;;
    --ca-bundle) CA_BUNDLE=${2:?}; shift ;;
    --port) PORT=${2:?}; shift ;;
    --mirror) MIRROR=${2:?}; shift ;;
    --workdir) WORKDIR=${2:?}; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
  shift
done

fail() { echo "fresh-debian-check: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || fail "run as root (debootstrap, chroot and mounts need it)"
[[ $PORT =~ ^[0-9]+$ ]] || fail "--port takes a number"
[[ -z $CA_BUNDLE || -r $CA_BUNDLE ]] || fail "cannot read $CA_BUNDLE"
"$REPO/scripts/install-deps.sh" debootstrap curl git || fail "could not install debootstrap"
COMMIT=$(git -C "$REPO" rev-parse HEAD) || fail "$REPO is not a git checkout"
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; then
  fail "port $PORT already answers on 127.0.0.1; pick another with --port"
fi

[[ -n $WORKDIR ]] || WORKDIR=$(mktemp -d /var/tmp/parley-fresh.XXXXXX)
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
ROOTFS=$WORKDIR/root
LOG=$(mktemp -d /var/tmp/parley-fresh-logs.XXXXXX) # kept: small, and the record of the run
USER_NAME=root HOME_DIR=/root
if [[ $AS_USER -eq 1 ]]; then USER_NAME=dev HOME_DIR=/home/dev; fi
CLONE=$HOME_DIR/parley

# Every process whose root is the new root, then every mount under it.
kill_inside() {
  local pid link
  for pid in /proc/[0-9]*; do
    link=$(readlink "$pid/root" 2>/dev/null) || continue
    [[ $link == "$ROOTFS" ]] && kill -KILL "${pid#/proc/}" 2>/dev/null
  done
  return 0
}
cleanup() {
  kill_inside
  sleep 1
  kill_inside
  local m
  # Deepest first.
  for m in $(awk -v r="$ROOTFS" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null
  done
  if [[ $KEEP -eq 0 ]]; then
    if awk -v r="$ROOTFS" 'index($2, r) == 1 {found=1} END {exit !found}' /proc/mounts; then
      echo "fresh-debian-check: mounts remain under $ROOTFS; not removing it" >&2
    else
      rm -rf "$WORKDIR"
    fi
  else
    echo "fresh-debian-check: kept $WORKDIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -a STEP_NAMES=() STEP_SECS=()
step_start() { STEP_T0=$(date +%s); echo "== $1 ($(date -u +%H:%M:%S) UTC)"; }
step_end() { STEP_NAMES+=("$1"); STEP_SECS+=($(($(date +%s) - STEP_T0))); }

# Runs a shell command line inside the root as the chosen user, in the clone, with a clean
# environment such as a login shell would have.
inside() {
  local env=(env -i HOME="$HOME_DIR" USER="$USER_NAME" LOGNAME="$USER_NAME" LANG=C.UTF-8
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb)
  [[ -n $CA_BUNDLE ]] && env+=(NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
  chroot --userspec="$USER_NAME:$USER_NAME" "$ROOTFS" "${env[@]}" bash -c "cd $CLONE 2>/dev/null || cd; $1"
}

step_start "debootstrap (minbase, bookworm, + git make ca-certificates sudo)"
debootstrap --variant=minbase --include=git,make,ca-certificates,sudo bookworm "$ROOTFS" "$MIRROR" \
  >"$LOG/debootstrap.log" 2>&1 || { tail -20 "$LOG/debootstrap.log"; fail "debootstrap failed"; }
step_end debootstrap

mount -t proc proc "$ROOTFS/proc"
mount -t sysfs sys "$ROOTFS/sys"
mount --bind /dev "$ROOTFS/dev"
mount --bind /dev/pts "$ROOTFS/dev/pts"
mount -t tmpfs -o mode=1777 shm "$ROOTFS/dev/shm"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
echo "deb $MIRROR bookworm main" >"$ROOTFS/etc/apt/sources.list"
echo "deb $MIRROR bookworm-updates main" >>"$ROOTFS/etc/apt/sources.list"
if [[ -n $CA_BUNDLE ]]; then
  cp "$CA_BUNDLE" "$ROOTFS/usr/local/share/ca-certificates/fresh-check-extra.crt"
  chroot "$ROOTFS" update-ca-certificates >/dev/null 2>&1 || fail "update-ca-certificates failed"
fi
if [[ $AS_USER -eq 1 ]]; then
  chroot "$ROOTFS" useradd --create-home --shell /bin/bash dev || fail "useradd failed"
  echo 'dev ALL=(ALL) NOPASSWD: ALL' >"$ROOTFS/etc/sudoers.d/dev"
  chmod 440 "$ROOTFS/etc/sudoers.d/dev"
fi
echo "node in the fresh root: $(chroot "$ROOTFS" sh -c 'command -v node || echo none')"

step_start "git clone $COMMIT"
git clone --quiet --no-local "$REPO" "$ROOTFS$CLONE" && git -C "$ROOTFS$CLONE" checkout --quiet "$COMMIT" ||
  fail "clone failed"
chroot "$ROOTFS" chown -R "$USER_NAME:$USER_NAME" "$CLONE"
step_end clone

step_start "make run (until /healthz answers on 127.0.0.1:$PORT)"
inside "exec setsid make run LISTEN=127.0.0.1:$PORT" >"$LOG/make-run.log" 2>&1 &
RUN_PID=$!
served=0
deadline=$(($(date +%s) + RUN_TIMEOUT))
while [[ $(date +%s) -lt $deadline ]]; do
  if curl -sf --max-time 2 "http://127.0.0.1:$PORT/healthz" >/dev/null; then served=1; break; fi
  kill -0 "$RUN_PID" 2>/dev/null || break
  sleep 2
done
step_end "make run"
if [[ $served -eq 1 ]]; then
  echo "make run: serving; /healthz says $(curl -s --max-time 2 "http://127.0.0.1:$PORT/healthz")"
  grep -E "^ *(Parley is running|Demo page|Staff console|WebSocket|Mint a token)" "$LOG/make-run.log" | head -8 | sed 's/^/  | /'
else
  echo "make run: NOT serving (see below)"
  tail -30 "$LOG/make-run.log" | sed 's/^/  | /'
fi
kill_inside # stops make run and its parleyd: nothing else runs in the root now
wait "$RUN_PID" 2>/dev/null

tested=1
if [[ $served -eq 1 ]]; then
  step_start "make test"
  inside "timeout -k 30 $TEST_TIMEOUT make test" >"$LOG/make-test.log" 2>&1
  rc=$?
  step_end "make test"
  echo "make test: exit $rc"
  grep -E "tests passed|tests failed|Total Test time" "$LOG/make-test.log" | sed 's/^/  | /'
  if [[ $rc -ne 0 ]]; then
    tested=0
    grep -E "^\s+[0-9]+ - .*\((Failed|Timeout|Not Run)" "$LOG/make-test.log" | sed 's/^/  | /'
    tail -20 "$LOG/make-test.log" | sed 's/^/  | /'
  fi
  kill_inside
fi

echo "== time per step"
for i in "${!STEP_NAMES[@]}"; do
  printf '  %-12s %4d min %02d s\n' "${STEP_NAMES[$i]}" $((STEP_SECS[i] / 60)) $((STEP_SECS[i] % 60))
done
if [[ $served -eq 1 && $tested -eq 1 ]]; then
  echo "fresh-debian-check: PASS (commit ${COMMIT:0:12}, as $USER_NAME; logs in $LOG)"
  exit 0
fi
echo "fresh-debian-check: FAIL (commit ${COMMIT:0:12}, as $USER_NAME; logs in $LOG)"
exit 1
