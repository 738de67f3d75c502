// Cross-entropy on L2-normalised logits with a temperature: the logit norm can no longer grow to cut the loss.
import { ceRows, param, requirePositive } from './common.js';
import { lossHead } from './builders.js';
import type { Tensor } from '../engine/index.js';

/** Keeps z = 0 finite; the value LogitNorm (Wei et al. 2022) uses. */
export const LOGIT_NORM_EPS = 1e-7;

function normalisedLogits(z: Tensor, tau: number): Tensor {
  return z.div(z.norm(2, 1, true).add(LOGIT_NORM_EPS).mul(tau));
}

export const logitNorm = lossHead(
  'logit-norm',
  ({ z, y, params }) => ceRows(normalisedLogits(z, param(params, 'tau')), y),
  {
    title: 'Logit normalisation',
    formula: 'L = −log softmax(z / (τ(‖z‖ + 1e-7)))_y  (τ = 0.04)',
    source:
      'Kornblith, Chen, Lee & Norouzi 2021, arXiv:2010.16402; also Wei et al. 2022, "Mitigating Neural Network ' +
      'Overconfidence with Logit Normalization", arXiv:2205.09310',
    defaults: { tau: 0.04 },
    validate: (p) => requirePositive(p, 'tau'),
    // The distribution the loss was fitted to (a positive rescaling of z, so argmax = argmax z).
    scores: (z, p) => normalisedLogits(z, param(p, 'tau')).softmax(1),
  },
);
