#!/bin/sh
# Writes the Debian package's /etc/parley/parley.toml: every key of `parleyd check-config
# --print` (an empty file: the defaults) commented out, except the package's own settings,
# which point into the service's state directory. Usage: make-config.sh PARLEYD OUT
set -eu
parleyd="$1"
out="$2"
empty="$out.empty"
: > "$empty"
"$parleyd" check-config --print "$empty" > "$out.defaults"
rm -f "$empty"
{
  echo "# /etc/parley/parley.toml: the configuration of parleyd.service."
  echo "# Every key with its default, commented out (docs: /usr/share/doc/parley/CONFIG.md.gz)."
  echo "# Check a change with \`sudo parleyd check-config /etc/parley/parley.toml\`, then"
  echo "# apply it with \`sudo systemctl restart parleyd\`."
  echo "# listen stays on 127.0.0.1: put a TLS reverse proxy in front, or set tls_cert and tls_key"
  echo "# (files the service can read) and listen = '0.0.0.0:443' (then add"
  echo "# AmbientCapabilities=CAP_NET_BIND_SERVICE with \`systemctl edit parleyd\`)."
  awk '
    /^\[/ { print ""; print; next }
    /^data_dir = / { print "# The service'"'"'s state directory (systemd StateDirectory=parley)."; print "data_dir = '"'"'/var/lib/parley'"'"'"; next }
    /^backup_dir = / { print "backup_dir = '"'"'/var/lib/parley/backups'"'"'"; next }
    /^web_root = / { print "# web_root = '"'"'/usr/share/parley/web'"'"'   (the package'"'"'s, found beside /usr/bin/parleyd; '"'"''"'"' serves no files)"; next }
    /^secret = / { print "# secret = '"'"''"'"'   (empty: <data_dir>/secret.key, made at the first start)"; next }
    /=/ { print "# " $0; next }
  ' "$out.defaults"
} > "$out"
rm -f "$out.defaults"
