#!/usr/bin/env bash
# Every GPU check the open issues ask for, as one prepared script for a session that is lent a GPU machine
# (15 minutes of device time in all, each call at most 10). Here, first:
#   npm run setup && bash ../shared/device/pack.sh --data mnist
# then one device call with carry [".device"] and the command
#   bash .device/setup.sh >/dev/null && bash scripts/gpu-checks.sh bench oland12
# and, if time is left, `pack.sh --data fashion` and a second call with `realistic` (both datasets at once do not fit
# the tool's 64 MiB next to the tracked tree). Steps, in the order worth running:
#   bench      engine, fit and population benchmarks against PyTorch on the GPU (issues 15, 16)     ~3 min
#   oland12    the keras-cnn Oland grid at the Keras example's 12 epochs, MNIST, heads fused per seed (issue 19)
#   realistic  resnet20 + resnet20-modern on Fashion-MNIST, 12 heads fused per seed (issue 19)
# Each step has a wall-clock cap (STEP_S, default 240 s); a grid stopped by it keeps its finished runs, and the same
# command resumes it. Everything lands in $OUT: the benchmarks' JSON and the grids' databases, to commit from here.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/gpu-out}
mkdir -p "$out"
cd "$root/.device/p" || { echo "gpu-checks: run bash .device/setup.sh first" >&2; exit 2; }
cap=${STEP_S:-240}
hr() { echo "+ $(date -u +%H:%M:%S) headroom $*" >&2; timeout "$cap" node bin/headroom.js "$@"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/gpu.txt" 2>&1
for step in "${@:-bench}"; do
  case "$step" in
    bench)
      hr bench --quick --device cuda --json > "$out/bench-quick.json"
      hr bench --fit --quick --device cuda --json > "$out/bench-fit.json"
      hr bench --population --device cuda --json > "$out/bench-population.json" # K = 1, 8, 32, 128
      ;;
    oland12)
      hr compare --dataset mnist --model keras-cnn \
        --heads softmax-ce,linear-mse,softmax-mse,sigmoid-bce,oland-exp,oland-pow3,oland-exp-err,oland-pow3-err \
        --seeds "${SEEDS:-5}" --epochs 12 --population 8 --workers 1 --device cuda --db "$out/oland2017-gpu.db" \
        --grid oland-cnn-12ep --markdown > "$out/oland-cnn-12ep.md"
      ;;
    realistic)
      hr compare --dataset fashion-mnist --model resnet20 --recipe resnet20-modern \
        --heads softmax-ce,label-smoothing,sigmoid-bce,linear-mse,rescaled-square,squentropy,poly1,focal,oland-exp,oland-pow3,oland-exp-err,oland-pow3-err \
        --seeds "${SEEDS:-5}" --epochs "${EPOCHS:-30}" --population 12 --workers 1 --device cuda \
        --db "$out/realistic.db" --grid "realistic-resnet20-modern-${EPOCHS:-30}ep" --markdown > "$out/realistic.md"
      ;;
    *) echo "gpu-checks: unknown step '$step' (bench, oland12, realistic)" >&2; exit 2 ;;
  esac
done
ls -la "$out"
