#!/usr/bin/env bash
# The realistic study (issue 19): resnet20 with the resnet20-modern recipe on Fashion-MNIST, 12 heads × 5 seeds ×
# 30 epochs. Resumable; re-running skips finished runs. Meant for a GPU:
#   DEVICE=cuda WORKERS=1 POPULATION=12 DB=realistic.db bash scripts/study-realistic.sh
# POPULATION=K trains the heads of a seed as one fused ResNet-20 (they share the schedule and augmented batches).
# On a CPU, EPOCHS=N runs a shorter schedule (the cosine spans the N epochs) and HEADS=a,b,... SEEDS=N a part of the
# grid (the same run keys, so the full grid resumes from it); say so wherever the numbers go. FIRST_SEED=S starts the
# seeds at S (fresh seeds for a test planned after seeing seeds 1..5).
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${DB:-realistic.db}"
WORKERS="${WORKERS:-2}"
SEEDS="${SEEDS:-5}"
FIRST_SEED="${FIRST_SEED:-1}"
EPOCHS="${EPOCHS:-30}"
DEVICE="${DEVICE:-auto}"
POPULATION="${POPULATION:-auto}"
HEADS="${HEADS:-softmax-ce,label-smoothing,sigmoid-bce,linear-mse,rescaled-square,squentropy,poly1,focal,oland-exp,oland-pow3,oland-exp-err,oland-pow3-err}"
node bin/headroom.js compare --dataset fashion-mnist --model resnet20 --recipe resnet20-modern --heads "$HEADS" \
  --seeds "$SEEDS" --first-seed "$FIRST_SEED" --epochs "$EPOCHS" --workers "$WORKERS" --population "$POPULATION" --device "$DEVICE" --db "$DB" \
  --grid "realistic-resnet20-modern-${EPOCHS}ep" --markdown
