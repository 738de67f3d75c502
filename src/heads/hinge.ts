// Weston–Watkins multiclass SVM loss: every wrong class that comes within the margin of the target costs linearly.
import { param, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const hinge = lossHead(
  'hinge',
  ({ z, y, t, params }) =>
    z
      .sub(targetValue(z, y).unsqueeze(1))
      .add(param(params, 'margin'))
      .relu()
      .mul(t.neg().add(1)) // drop j = y
      .sum(1),
  {
    title: 'Multiclass hinge (Weston–Watkins)',
    formula: 'L = Σ_{j≠y} max(0, Δ + z_j − z_y)  (Δ = margin = 1)',
    source:
      'Weston & Watkins 1999, "Support vector machines for multi-class pattern recognition", ESANN 1999',
    defaults: { margin: 1 },
    // No probability model: softmax(z) is used so calibration can be measured at all (argmax = argmax z).
    scores: (z) => softmaxScores(z),
  },
);
