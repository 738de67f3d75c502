#!/usr/bin/env bash
# The README's test command (npm test): installs what is missing, then runs every test, the slow end-to-end ones included.
#   HEADROOM_FAST=1 skips test/e2e (for quick local iterations only; CI runs everything).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HEADROOM_THREADS="${HEADROOM_THREADS:-1}"
files=$(find test -name '*.test.ts' -not -path 'test/e2e/*' | sort)
if [ "${HEADROOM_FAST:-0}" != 1 ] && [ -d test/e2e ]; then
  files="$files $(find test/e2e -name '*.test.ts' | sort)"
fi
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec $files
