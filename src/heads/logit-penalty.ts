// Cross-entropy plus an L2 penalty on the logits themselves.
import { ceRows, param, requireNonNegative, softmaxScores } from './common.js';
import { lossHead } from './builders.js';

export const logitPenalty = lossHead(
  'logit-penalty',
  ({ z, y, params }) => ceRows(z, y).add(z.square().sum(1).mul(param(params, 'lambda'))),
  {
    title: 'Logit penalty',
    formula: 'L = −log p_y + λ‖z‖²,  p = softmax(z)  (λ = 6e-4)',
    source:
      'Kornblith, Chen, Lee & Norouzi 2021, "Why Do Better Loss Functions Lead to Less Transferable Features?", ' +
      'NeurIPS 2021, arXiv:2010.16402',
    defaults: { lambda: 6e-4 },
    validate: (p) => requireNonNegative(p, 'lambda'),
    scores: (z) => softmaxScores(z),
  },
);
