// The second reading of Oland et al.'s "pow3" boosting: cube the linear output's error itself (sign kept), rather than
// cubing z and subtracting the target as oland-pow3 does. The paper's text was not available; both readings are tested.
import { clipNormalise, param, requirePositive } from './common.js';
import { deltaRuleHead } from './builders.js';

export const olandPow3Err = deltaRuleHead(
  'oland-pow3-err',
  ({ z, t, params }) => z.sub(t).pow(3).mul(param(params, 'alpha')),
  {
    title: 'Cubed error on a linear output (δ-rule)',
    formula: 'δ_k = α·(z_k − t_k)³  (α = 1); same gradient as Σ_k α (z_k − t_k)⁴/4; predict argmax z',
    source:
      'Oland, Bansal, Dannenberg & Raj 2017, arXiv:1707.04199 (reconstruction: "exponentiating the error" read as ' +
      'raising e = z − t to the third power; the paper text was not available)',
    defaults: { alpha: 1 },
    validate: (p) => requirePositive(p, 'alpha'),
    // z regresses onto the one-hot target (δ = 0 exactly at z = t), so clip-normalise z as for linear-mse.
    scores: (z) => clipNormalise(z),
  },
);
