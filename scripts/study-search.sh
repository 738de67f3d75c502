#!/usr/bin/env bash
# The search study (issue 4): an hour-long search per space, then confirmation. Every step resumes:
# a killed search continues with --resume, a confirmation grid skips its finished runs.
#   WORKERS=2 DB=search.db bash scripts/study-search.sh [search|confirm-mlp|confirm-cnn|all] [delta|loss]...
# CNN_DATASETS narrows the keras-cnn confirmation (default mnist,fashion-mnist); a later run with more datasets
# adds only the missing runs.
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DB:-search.db}"
WORKERS="${WORKERS:-2}"
BUDGET="${BUDGET:-60m}"
CNN_DATASETS="${CNN_DATASETS:-mnist,fashion-mnist}"
STEP="${1:-all}"
shift || true
SPACES=("${@:-delta loss}")
# shellcheck disable=SC2206
SPACES=(${SPACES[*]})
hr() { node bin/headroom.js "$@"; }
for space in "${SPACES[@]}"; do
  study="$space-2"
  if [ "$STEP" = search ] || [ "$STEP" = all ]; then
    resume=()
    if [ -f "$DB" ] && STUDY="$study" DB="$DB" node -e '
      const D = require("better-sqlite3"); const db = new D(process.env.DB, { readonly: true });
      const t = db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get("studies");
      process.exit(t && db.prepare("SELECT 1 FROM studies WHERE name = ?").get(process.env.STUDY) ? 0 : 1);'; then
      resume=(--resume)
    fi
    # The budget counts from this invocation: a resumed search gets a fresh budget.
    hr search --space "$space" --study "$study" --db "$DB" --budget "$BUDGET" --workers "$WORKERS" --seed 2 \
      "${resume[@]}" --json >"search-$space.json" || true
  fi
  if [ "$STEP" = confirm-mlp ] || [ "$STEP" = all ]; then
    hr confirm --study "$study" --db "$DB" --top 5 --seeds 5 --dataset mnist,fashion-mnist --model keras-mlp --distinct \
      --workers "$WORKERS" --markdown
  fi
  if [ "$STEP" = confirm-cnn ] || [ "$STEP" = all ]; then
    hr confirm --study "$study" --db "$DB" --top 2 --seeds 5 --dataset "$CNN_DATASETS" --model keras-cnn --distinct \
      --epochs 3 --workers "$WORKERS" --markdown
  fi
done
