// Poly-1: cross-entropy plus a tunable first Taylor term in (1 − p_y).
import { param, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const poly1 = lossHead(
  'poly1',
  ({ z, y, params }) => {
    const logPy = targetValue(z.logSoftmax(1), y);
    return logPy.neg().add(logPy.exp().neg().add(1).mul(param(params, 'epsilon')));
  },
  {
    title: 'PolyLoss (Poly-1)',
    formula: 'L = −log p_y + ε(1 − p_y),  p = softmax(z)  (ε = 1; tune ε)',
    source:
      'Leng et al. 2022, "PolyLoss: A Polynomial Expansion Perspective of Classification Loss Functions", ICLR 2022, ' +
      'arXiv:2204.12511',
    defaults: { epsilon: 1 },
    scores: (z) => softmaxScores(z),
  },
);
