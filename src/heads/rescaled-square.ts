// Square loss with the target coordinate up-weighted (k) and its target raised (M), for many-class problems.
import { clipNormalise, param, requirePositive } from './common.js';
import { lossHead } from './builders.js';

export const rescaledSquare = lossHead(
  'rescaled-square',
  // k(z_y − M)² + Σ_{j≠y} z_j² = Σ_j (1 + (k − 1) t_j)(z_j − M t_j)²
  ({ z, t, params }) => {
    const k = param(params, 'k');
    const m = param(params, 'M');
    return z
      .sub(t.mul(m))
      .square()
      .mul(t.mul(k - 1).add(1))
      .sum(1);
  },
  {
    title: 'Rescaled square loss',
    formula: 'L = k·(z_y − M)² + Σ_{j≠y} z_j²  (k = 1, M = 1 for C ≤ 10)',
    source:
      'Hui & Belkin 2021, "Evaluation of Neural Architectures Trained with Square Loss vs Cross-Entropy in ' +
      'Classification Tasks", ICLR 2021, arXiv:2006.07322',
    defaults: { k: 1, M: 1 },
    validate: (p) => requirePositive(p, 'k', 'M'),
    // z regresses onto M·t; clip-normalise is scale-free, so it is the same estimate as for linear-mse.
    scores: (z) => clipNormalise(z),
  },
);
