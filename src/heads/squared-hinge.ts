// The L2-SVM: the Weston–Watkins hinge, squared, so it is differentiable and punishes large violations harder.
import { param, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const squaredHinge = lossHead(
  'squared-hinge',
  ({ z, y, t, params }) =>
    z
      .sub(targetValue(z, y).unsqueeze(1))
      .add(param(params, 'margin'))
      .relu()
      .square()
      .mul(t.neg().add(1))
      .sum(1),
  {
    title: 'Multiclass squared hinge (L2-SVM)',
    formula: 'L = Σ_{j≠y} max(0, Δ + z_j − z_y)²  (Δ = margin = 1)',
    source: 'Tang 2013, "Deep Learning using Linear Support Vector Machines", arXiv:1306.0239',
    defaults: { margin: 1 },
    // No probability model: softmax(z) is used so calibration can be measured at all (argmax = argmax z).
    scores: (z) => softmaxScores(z),
  },
);
