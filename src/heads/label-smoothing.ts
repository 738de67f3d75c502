// Cross-entropy against a softened target: keeps the logits from growing without bound.
import { param, softmaxScores } from './common.js';
import { lossHead } from './builders.js';

export const labelSmoothing = lossHead(
  'label-smoothing',
  ({ z, t, params, numClasses }) => {
    const eps = param(params, 'epsilon');
    const q = t.mul(1 - eps).add(eps / numClasses);
    return q.mul(z.logSoftmax(1)).sum(1).neg();
  },
  {
    title: 'Label smoothing',
    formula: 'L = −Σ_k q_k log p_k,  q = (1 − ε)t + ε/C,  p = softmax(z)  (ε = 0.1)',
    source:
      'Szegedy et al. 2016, "Rethinking the Inception Architecture for Computer Vision", arXiv:1512.00567',
    defaults: { epsilon: 0.1 },
    validate: (p) => {
      if (!(p.epsilon !== undefined && p.epsilon >= 0 && p.epsilon <= 1))
        throw new Error(`parameter 'epsilon' must be in [0, 1], got ${p.epsilon}.`);
    },
    scores: (z) => softmaxScores(z),
  },
);
