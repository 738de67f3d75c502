// Cosine (NormFace) softmax: cross-entropy on scaled cosines between unit features and unit class weights.
import { ceRows, param, requirePositive } from './common.js';
import { lossHead } from './builders.js';

export const cosineSoftmax = lossHead(
  'cosine-softmax',
  ({ z, y, params }) => ceRows(z.div(param(params, 'tau')), y),
  {
    title: 'Cosine softmax (NormFace)',
    formula:
      'L = −log softmax(s·cos θ)_y,  cos θ_k = x̂·ŵ_k (unit features and weights, no bias),  s = 1/τ  (τ = 0.05)',
    source:
      'Wang, Xiang, Cheng & Yuille 2017, "NormFace: L2 Hypersphere Embedding for Face Verification", ' +
      'arXiv:1704.06369; Kornblith et al. 2021, arXiv:2010.16402 (τ = 0.05)',
    defaults: { tau: 0.05 },
    outputLayer: 'cosine',
    validate: (p) => requirePositive(p, 'tau'),
    scores: (z, p) => z.div(param(p, 'tau')).softmax(1),
  },
);
