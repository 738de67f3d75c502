// Focal loss: cross-entropy down-weighted on examples the model already gets right.
import { param, requireNonNegative, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const focal = lossHead(
  'focal',
  ({ z, y, params }) => {
    const logPy = targetValue(z.logSoftmax(1), y);
    // The floor keeps (1 − p_y)^γ differentiable when p_y rounds to 1: for γ < 1 the derivative of x^γ at x = 0 is
    // infinite, and ∞·0 would turn the whole gradient into NaN. It changes the loss by < 1e-30^γ·|log p_y|.
    const weight = logPy.exp().neg().add(1).clamp(1e-30).pow(param(params, 'gamma'));
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
