// Oland et al.'s "exponential gradient boosting": the softmax-CE error without its normaliser, as a true δ-rule.
import { clipNormalise, param, requirePositive, softmaxScores } from './common.js';
import { deltaRuleHead } from './builders.js';

/**
 * z is clamped at this value before exp: e^30 ≈ 1.1e13 is still finite in float32 while anything above it would be an
 * update no optimiser survives. Above the clamp δ stops growing (the rule saturates) instead of becoming Inf/NaN.
 */
export const OLAND_EXP_Z_MAX = 30;

export const olandExp = deltaRuleHead(
  'oland-exp',
  ({ z, t, params }) =>
    z.clamp(undefined, OLAND_EXP_Z_MAX).exp().mul(param(params, 'alpha')).add(param(params, 'beta')).sub(t),
  {
    title: 'Exponential gradient boosting (δ-rule)',
    formula:
      'δ_k = α·e^{z_k} + β − t_k  (α = 1, β = 0; z clamped at 30 before exp); ' +
      'same gradient as Σ_k α e^{z_k} + (β − t_k) z_k (Poisson log-link NLL); predict argmax z',
    source:
      'Oland, Bansal, Dannenberg & Raj 2017, arXiv:1707.04199 (reconstructed from the abstract and an independent ' +
      'implementation, which defaults to α = 0.1)',
    defaults: { alpha: 1, beta: 0 },
    validate: (p) => requirePositive(p, 'alpha'),
    // At the rule's fixed point α e^{z_k} + β = E[t_k | x], so the scores are that mean, clipped and normalised. Computed
    // with the row max m = max(max_k z_k, 0) factored out (normalising is scale-free), so it never overflows. With β = 0
    // this is exactly softmax(z).
    scores: (z, p) => {
      const alpha = param(p, 'alpha');
      const beta = param(p, 'beta');
      if (beta === 0) return softmaxScores(z);
      const m = z.amax(1, true).clamp(0);
      return clipNormalise(z.sub(m).exp().mul(alpha).add(m.neg().exp().mul(beta)), z);
    },
  },
);
