// Crammer–Singer multiclass SVM: only the most-violating wrong class costs.
import { param, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const crammerSinger = lossHead(
  'crammer-singer',
  ({ z, y, t, params }) => {
    const rival = z.maskedFill(t.gt(0.5), -Infinity).amax(1);
    return rival.sub(targetValue(z, y)).add(param(params, 'margin')).relu();
  },
  {
    title: 'Multiclass hinge (Crammer–Singer)',
    formula: 'L = max(0, Δ + max_{j≠y} z_j − z_y)  (Δ = margin = 1)',
    source:
      'Crammer & Singer 2001, "On the Algorithmic Implementation of Multiclass Kernel-based Vector Machines", JMLR 2',
    defaults: { margin: 1 },
    // No probability model: softmax(z) is used so calibration can be measured at all (argmax = argmax z).
    scores: (z) => softmaxScores(z),
  },
);
