# Sourced (not run) by every script that runs node or npm: puts the project's pinned Node.js 20
# and npm 10 (scripts/node-setup.sh, under build/tools/node) first on PATH, installing them
# first when they are missing or out of date; exits the sourcing script with a message when it
# cannot. The sourcing script sets PARLEY_ROOT, the repository root, first:
#   PARLEY_ROOT="$(cd "$(dirname "$0")/.." && pwd)"; . "$PARLEY_ROOT/scripts/node-env.sh"
: "${PARLEY_ROOT:?node-env.sh needs PARLEY_ROOT, the repository root}"
sh "$PARLEY_ROOT/scripts/node-setup.sh" >&2 ||
  { echo "FAIL: the pinned Node.js could not be installed (scripts/node-setup.sh)" >&2; exit 1; }
PATH="${PARLEY_NODE_DIR:-$PARLEY_ROOT/build/tools/node}/bin:$PATH"
export PATH
