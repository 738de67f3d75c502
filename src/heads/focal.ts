// Focal loss: cross-entropy down-weighted on examples the model already gets right.
import { param, requireNonNegative, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const focal = lossHead(
  'focal',
  ({ z, y, params }) => {
    const logPy = targetValue(z.logSoftmax(1), y);
    // The clamp only removes rounding below 0, where a fractional γ would give NaN.
    const weight = logPy.exp().neg().add(1).clamp(0).pow(param(params, 'gamma'));
    return weight.mul(logPy).neg();
  },
  {
    title: 'Focal loss',
    formula: 'L = −(1 − p_y)^γ log p_y,  p = softmax(z)  (γ = 2)',
    source:
      'Lin, Goyal, Girshick, He & Dollár 2017, "Focal Loss for Dense Object Detection", arXiv:1708.02002',
    defaults: { gamma: 2 },
    validate: (p) => requireNonNegative(p, 'gamma'),
    scores: (z) => softmaxScores(z),
  },
);
