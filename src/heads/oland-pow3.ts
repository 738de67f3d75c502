// Oland et al.'s sign-keeping cubic boosting of the linear-output error, as a true δ-rule.
import { clipNormalise, param, requirePositive } from './common.js';
import { deltaRuleHead } from './builders.js';

export const olandPow3 = deltaRuleHead(
  'oland-pow3',
  ({ z, t, params }) => z.pow(3).mul(param(params, 'alpha')).add(param(params, 'beta')).sub(t),
  {
    title: 'Cubic gradient boosting (δ-rule)',
    formula:
      'δ_k = α·z_k³ + β − t_k  (α = 0.001, β = 0); same gradient as Σ_k α z_k⁴/4 + (β − t_k) z_k; predict argmax z',
    source:
      'Oland, Bansal, Dannenberg & Raj 2017, arXiv:1707.04199 ("pow3"; α = 0.001 as reported by an independent ' +
      'implementation)',
    defaults: { alpha: 0.001, beta: 0 },
    validate: (p) => requirePositive(p, 'alpha'),
    // At the fixed point α z³ + β = E[t | x]: clip-normalise that mean (monotone in z, so argmax = argmax z).
    scores: (z, p) => clipNormalise(z.pow(3).mul(param(p, 'alpha')).add(param(p, 'beta')), z),
  },
);
