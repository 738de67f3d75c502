// The second reading of Oland et al.'s "exponential" boosting: exponentiate the magnitude of the linear output's
// error e = z − t and keep its sign, rather than exponentiating z as oland-exp does. Reconstruction (see oland-pow3-err).
import { clipNormalise, param, requirePositive } from './common.js';
import { deltaRuleHead } from './builders.js';

/**
 * |e| is clamped at this value before exp, for the same reason as OLAND_EXP_Z_MAX: e^30 is still finite in float32,
 * and above it the rule saturates instead of producing Inf/NaN.
 */
export const OLAND_EXP_ERR_MAX = 30;

export const olandExpErr = deltaRuleHead(
  'oland-exp-err',
  ({ z, t, params }) => {
    const e = z.sub(t);
    // expm1 is not in the engine; e^{|e|} − 1 loses relative precision only for |e| < ~1e-7, where δ ≈ e is
    // negligible next to the other classes' errors.
    return e.sign().mul(e.abs().clamp(undefined, OLAND_EXP_ERR_MAX).exp().sub(1)).mul(param(params, 'alpha'));
  },
  {
    title: 'Exponentiated error on a linear output (δ-rule)',
    formula:
      'δ_k = α·sign(e_k)·(e^{|e_k|} − 1), e = z − t  (α = 1; |e| clamped at 30 before exp); ' +
      'same gradient as Σ_k α (e^{|e_k|} − |e_k| − 1); predict argmax z',
    source:
      'Oland, Bansal, Dannenberg & Raj 2017, arXiv:1707.04199 (reconstruction: "exponentiating the error" read as ' +
      'exponentiating |z − t| with its sign kept; the paper text was not available)',
    defaults: { alpha: 1 },
    validate: (p) => requirePositive(p, 'alpha'),
    // δ = 0 exactly at z = t and δ is odd and increasing in e, so z regresses onto the target: clip-normalise z.
    scores: (z) => clipNormalise(z),
  },
);
