#!/usr/bin/env bash
# Copies the representation study's database into docs/results (issue 5) without the parts that do not belong in git:
# the 1,000 × d test-feature sketches CKA was computed from (2 MB a run; the CKA values stay) and any grid that is
# still incomplete (a table with n = 1 for some heads would read as a result). Then prints the markdown tables and
# regenerates the report.
#   bash scripts/repr-snapshot.sh /path/to/study/representations.db [GRID_TO_DROP ...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then
  echo "usage: bash scripts/repr-snapshot.sh STUDY_DB [GRID_TO_DROP ...]" >&2
  exit 2
fi
SRC="$1"
shift
[ -f "$SRC" ] || { echo "repr-snapshot: no database at $SRC; pass the study's representations.db" >&2; exit 2; }
DEST=docs/results/representations.db
TMP="$(mktemp -u /tmp/repr-snapshot.XXXXXX).db"
OUT="$(mktemp -u "$DEST.XXXXXX")"
trap 'rm -f "$TMP" "$OUT"' EXIT
# VACUUM INTO reads a consistent snapshot even while the study is still writing to SRC.
sqlite3 "$SRC" "VACUUM INTO '$TMP'"
drop=""
for g in "$@"; do drop="$drop DELETE FROM runs WHERE grid = '${g//\'/\'\'}';"; done
sqlite3 "$TMP" "PRAGMA foreign_keys = ON; $drop DELETE FROM run_features;"
# Written beside DEST and renamed over it, so a failed copy leaves the committed database as it was.
sqlite3 "$TMP" "VACUUM INTO '$OUT'"
mv "$OUT" "$DEST"
sqlite3 "$DEST" "SELECT grid, status, count(*) FROM runs GROUP BY grid, status" >&2
node scripts/repr-summary.mjs "$DEST"
node bin/headroom.js report --db "$DEST" --out docs/results/representations-report.html >&2
