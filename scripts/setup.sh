#!/usr/bin/env bash
# Installs whatever headroom is missing, then builds it. Idempotent: a second run only checks.
#   apt: libtorch-dev (when no libtorch is found), dataset-fashion-mnist; npm deps; the native addon; the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  if as_root; then
    echo "setup: apt-get install $*" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

# npm dependencies first: find-libtorch and the native build run under node.
if [ ! -d node_modules/node-addon-api ] || [ ! -d node_modules/typescript ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm install" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi

if ! node scripts/find-libtorch.mjs --check >/dev/null 2>&1; then
  apt_install libtorch-dev || {
    echo "setup: no libtorch found. Set LIBTORCH to a libtorch folder, install PyTorch for python3, or run as root so setup can 'apt-get install libtorch-dev'." >&2
    exit 2
  }
fi

# libtorch-dev is satisfied by the reference BLAS (about 3.5 GFLOP/s); OpenBLAS is 30-50x faster.
# (grep without -q: under pipefail, grep -q exiting early can SIGPIPE ldconfig and make the test fail spuriously.)
if ! ldconfig -p | grep libopenblas >/dev/null; then
  apt_install libopenblas0-pthread || echo "setup: OpenBLAS not installed (needs root for apt-get install libopenblas0-pthread); training will be slow." >&2
fi

if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  apt_install dataset-fashion-mnist || echo "setup: Fashion-MNIST not installed (needs root for apt-get install dataset-fashion-mnist); mnist still works." >&2
fi

# The queue tests (and 'headroom worker' on a development machine) use Debian's Redis; tests start private instances.
if ! command -v redis-server >/dev/null; then
  apt_install redis-server || echo "setup: redis-server not installed (needs root for apt-get install redis-server); the queue tests will fail." >&2
fi

# The report's browser test drives Debian's Chromium through playwright-core (no browser download).
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium || echo "setup: chromium not installed (needs root for apt-get install chromium); the report's browser test will fail." >&2
fi

node scripts/build-native.mjs

# TypeScript build, only when a source is newer than the output.
if [ ! -f dist/cli/main.js ] || [ -n "$(find src tsconfig.json tsconfig.build.json -newer dist/.stamp 2>/dev/null | head -1)" ] || [ ! -f dist/.stamp ]; then
  echo "setup: tsc" >&2
  npx tsc -p tsconfig.build.json
  touch dist/.stamp
fi
