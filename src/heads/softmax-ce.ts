// The baseline every other head is compared with.
import { crossEntropy } from '../engine/index.js';
import { defineHead, softmaxScores } from './common.js';

export const softmaxCe = defineHead({
  id: 'softmax-ce',
  title: 'Softmax + cross-entropy (the baseline)',
  formula: 'L = −log p_y,  p = softmax(z);  δ = p − t',
  source: 'Bridle 1990 (softmax); standard multinomial logistic loss, e.g. Goodfellow et al. 2016 §6.2.2.3',
  kind: 'loss',
  // The engine's fused log-softmax + NLL: the fast path the baseline deserves.
  objective: (inp) => crossEntropy(inp.z, inp.y),
  scores: (z) => softmaxScores(z),
});
