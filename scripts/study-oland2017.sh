#!/usr/bin/env bash
# The Oland et al. 2017 study (issue 3): resumable; re-running skips finished runs.
#   WORKERS=2 DB=oland2017.db bash scripts/study-oland2017.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DB:-oland2017.db}"
WORKERS="${WORKERS:-2}"
SEEDS="${SEEDS:-5}"
HEADS=softmax-ce,linear-mse,softmax-mse,sigmoid-bce,oland-exp,oland-pow3
hr() { node bin/headroom.js "$@"; }
hr compare --dataset mnist --model paper-fcn --heads "$HEADS" --seeds "$SEEDS" --workers "$WORKERS" --db "$DB" --grid oland-fcn
hr compare --dataset mnist --model keras-mlp --heads "$HEADS" --seeds "$SEEDS" --workers "$WORKERS" --db "$DB" --grid oland-mlp
hr compare --dataset mnist --model keras-cnn --heads "$HEADS" --seeds "$SEEDS" --epochs 3 --workers "$WORKERS" --db "$DB" --grid oland-cnn
hr compare --dataset fashion-mnist --model keras-cnn --heads "$HEADS" --seeds "$SEEDS" --epochs 3 --workers "$WORKERS" --db "$DB" --grid oland-cnn-fashion
