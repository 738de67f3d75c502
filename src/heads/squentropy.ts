// Squentropy: cross-entropy plus the mean squared logit of the wrong classes.
import { ceRows, softmaxScores } from './common.js';
import { lossHead } from './builders.js';

export const squentropy = lossHead(
  'squentropy',
  ({ z, y, t, numClasses }) =>
    ceRows(z, y).add(
      z
        .square()
        .mul(t.neg().add(1))
        .sum(1)
        .div(Math.max(numClasses - 1, 1)),
    ),
  {
    title: 'Squentropy',
    formula: 'L = −log p_y + (1/(C−1)) Σ_{k≠y} z_k²,  p = softmax(z)',
    source: 'Hui, Belkin & Wright 2023, "Cut your Losses with Squentropy", ICML 2023, arXiv:2302.03952',
    scores: (z) => softmaxScores(z),
  },
);
