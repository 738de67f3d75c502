// One independent sigmoid per class (one-vs-rest), optionally with Kornblith et al.'s −log C logit shift.
import { clipNormalise, param } from './common.js';
import { lossHead } from './builders.js';
import type { Tensor } from '../engine/index.js';
import type { HeadParams } from './types.js';

/** z − s·log C: with s = 1 every σ starts near 1/C instead of 1/2, matching the class prior. */
function shifted(z: Tensor, p: HeadParams): Tensor {
  const s = param(p, 'shiftLogC');
  const c = z.shape[1] ?? 1;
  return s === 0 ? z : z.sub(s * Math.log(c));
}

export const sigmoidBce = lossHead(
  'sigmoid-bce',
  // BCE(σ(u), t) = softplus(u) − t·u, the overflow-free form.
  ({ z, t, params }) => {
    const u = shifted(z, params);
    return u.softplus().sub(t.mul(u)).sum(1);
  },
  {
    title: 'Sigmoid + binary cross-entropy per class',
    formula:
      'L = Σ_k BCE(σ(u_k), t_k) = Σ_k [softplus(u_k) − t_k u_k],  u = z − s·log C  (s = shiftLogC ∈ {0, 1})',
    source:
      'Beyer et al. 2020, "Are we done with ImageNet?", arXiv:2006.07159; Kornblith et al. 2021, "Why Do Better Loss ' +
      'Functions Lead to Less Transferable Features?", arXiv:2010.16402 (the −log C shift)',
    defaults: { shiftLogC: 0 },
    validate: (p) => {
      if (p.shiftLogC !== 0 && p.shiftLogC !== 1)
        throw new Error(`parameter 'shiftLogC' must be 0 or 1, got ${p.shiftLogC}.`);
    },
    // The per-class sigmoids, normalised; σ ≥ 0, so clipNormalise only adds its tie-break, which keeps argmax = argmax z
    // when several σ round to 1.
    scores: (z, p) => clipNormalise(shifted(z, p).sigmoid(), z),
  },
);
