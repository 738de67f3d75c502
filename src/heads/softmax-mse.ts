// Softmax output trained with squared error: the normalised, saturating case Oland et al. argue against.
import { softmaxScores } from './common.js';
import { activationHead } from './builders.js';

export const softmaxMse = activationHead('softmax-mse', (z) => z.softmax(1), 'mse', {
  title: 'Softmax output + squared error',
  formula: 'L = ½ Σ_k (p_k − t_k)²,  p = softmax(z);  δ via autograd',
  source:
    'Oland, Bansal, Dannenberg & Raj 2017, arXiv:1707.04199 (their claim: normalisation + saturation hurts)',
  // p is already a distribution; use it exactly rather than its clip-normalised copy.
  scores: (z) => softmaxScores(z),
});
