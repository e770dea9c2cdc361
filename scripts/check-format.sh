#!/bin/sh
# Fails when a C++ file of the tree is not formatted as .clang-format says (Google style, 100
# columns; Debian 12's clang-format 14). Run by ctest (format_check); `scripts/check-format.sh
# --fix` rewrites the files instead.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v clang-format >/dev/null 2>&1 || { echo "check-format: clang-format is not installed (make test installs it)" >&2; exit 1; }
files=$(find protocol storage server clients tests load-tests \
          \( -name node_modules -o -name 'build*' \) -prune -o \
          \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -type f -print | sort)
[ -n "$files" ] || { echo "check-format: no C++ files found under $root" >&2; exit 1; }
if [ "${1:-}" = "--fix" ]; then
  # shellcheck disable=SC2086
  clang-format -i $files
  exit 0
fi
bad=0
for f in $files; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "check-format: $f is not formatted (scripts/check-format.sh --fix)"
    bad=$((bad + 1))
  fi
done
[ "$bad" -eq 0 ] || { echo "check-format: $bad file(s) to format" >&2; exit 1; }
echo "check-format: $(echo "$files" | wc -l) files formatted"
