// Additive-margin softmax (CosFace): the target cosine must beat the others by m before the loss relaxes.
import { ceRows, param, requireNonNegative, requirePositive } from './common.js';
import { lossHead } from './builders.js';

export const amSoftmax = lossHead(
  'am-softmax',
  ({ z, y, t, params }) => ceRows(z.sub(t.mul(param(params, 'm'))).mul(param(params, 's')), y),
  {
    title: 'Additive-margin softmax (AM-Softmax / CosFace)',
    formula: 'L = −log softmax(s(cos θ − m·t))_y  (unit features and weights, no bias; s = 30, m = 0.35)',
    source:
      'Wang, Cheng, Liu & Liu 2018, "Additive Margin Softmax for Face Verification", arXiv:1801.05599; ' +
      'Wang et al. 2018, "CosFace", arXiv:1801.09414',
    defaults: { s: 30, m: 0.35 },
    outputLayer: 'cosine',
    validate: (p) => {
      requirePositive(p, 's');
      requireNonNegative(p, 'm');
    },
    // At test time there is no margin: softmax(s·cos θ).
    scores: (z, p) => z.mul(param(p, 's')).softmax(1),
  },
);
