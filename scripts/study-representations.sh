#!/usr/bin/env bash
# The representation study (issue 5): resumable; re-running skips finished runs (and computes only missing CKA pairs).
#   WORKERS=2 DB=representations.db bash scripts/study-representations.sh [mlp-mnist|mlp-fashion|cnn-mnist|cnn-fashion|all|mlp-mnist-linear|mlp-fashion-linear]
# keras-mlp at its reference 20 epochs × 5 seeds, keras-cnn at 3 epochs × 3 seeds (CPU budget; the reference is 12).
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DB:-representations.db}"
WORKERS="${WORKERS:-2}"
WHICH="${1:-all}"
HEADS=softmax-ce,linear-mse,oland-exp,sigmoid-bce,label-smoothing,cosine-softmax,am-softmax,a-softmax
hr() { node bin/headroom.js "$@"; }
run() { # name dataset model seeds [epochs]
  local epochs=()
  [ -n "${5:-}" ] && epochs=(--epochs "$5")
  hr compare --repr --dataset "$2" --model "$3" --heads "$HEADS" --seeds "$4" "${epochs[@]}" \
    --workers "$WORKERS" --db "$DB" --grid "repr-$1" --markdown
}
case "$WHICH" in mlp-mnist | all) run mlp-mnist-20ep mnist keras-mlp 5 ;; esac
case "$WHICH" in mlp-fashion | all) run mlp-fashion-20ep fashion-mnist keras-mlp 5 ;; esac
case "$WHICH" in cnn-mnist | all) run cnn-mnist-3ep mnist keras-cnn 3 3 ;; esac
case "$WHICH" in cnn-fashion | all) run cnn-fashion-3ep fashion-mnist keras-cnn 3 3 ;; esac
# The margin heads on the linear feature layer (issue 19; SphereFace removes the last ReLU), with softmax-ce on the
# same body. Not part of `all`: DB=representations-linear.db holds them.
linear() { # dataset grid
  hr compare --repr --features linear --dataset "$1" --model keras-mlp \
    --heads softmax-ce,cosine-softmax,am-softmax,a-softmax,arcface --seeds 5 --workers "$WORKERS" --db "$DB" \
    --grid "$2" --markdown
}
case "$WHICH" in mlp-mnist-linear) linear mnist repr-mlp-mnist-20ep-linear ;; esac
case "$WHICH" in mlp-fashion-linear) linear fashion-mnist repr-mlp-fashion-20ep-linear ;; esac
