// Softmax with exp replaced by its 2nd-order Taylor polynomial (always ≥ ½, so no exp and no saturation).
import { activationHead } from './builders.js';

export const taylorSoftmax = activationHead(
  'taylor-softmax',
  (z) => z.square().mul(0.5).add(z).add(1),
  'ce-like',
  {
    title: 'Taylor softmax',
    formula:
      'p_k = f(z_k) / Σ_j f(z_j),  f(z) = 1 + z + z²/2;  L = −log p_y;  predict argmax p (f is not monotone)',
    source:
      'de Brébisson & Vincent 2016, "An Exploration of Softmax Alternatives Belonging to the Spherical Loss Family", ' +
      'ICLR 2016, arXiv:1511.05042',
  },
);
