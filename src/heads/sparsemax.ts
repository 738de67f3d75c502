// Sparsemax: the Euclidean projection of z onto the simplex, and the loss whose gradient is sparsemax(z) − t.
import { arange, tensor, type Tensor } from '../engine/index.js';
import { lossHead } from './builders.js';
import { targetValue } from './common.js';

/** U[i][j] = 1 for i ≤ j, so (v @ U)_j = Σ_{i≤j} v_i: a cumulative sum along dim 1 (the engine has no cumsum). */
function upperTriangularOnes(c: number, like: Tensor): Tensor {
  const data = new Float64Array(c * c);
  for (let i = 0; i < c; i++) for (let j = i; j < c; j++) data[i * c + j] = 1;
  return tensor(data, [c, c], { dtype: like.dtype, device: like.device });
}

/**
 * τ(z) with Σ_j max(z_j − τ, 0) = 1: sort z descending, k(z) = max{k : 1 + k z_(k) > Σ_{j≤k} z_(j)},
 * τ = (Σ_{j≤k(z)} z_(j) − 1) / k(z). Differentiable in z through the sorted values (k is piecewise constant).
 */
export function sparsemaxThreshold(z: Tensor): Tensor {
  const c = z.shape[1] ?? 1;
  const sorted = z.sort(1, true).values;
  const cumulative = sorted.matmul(upperTriangularOnes(c, z));
  const ks = arange(1, c + 1, 1, { dtype: z.dtype, device: z.device });
  const k = sorted.mul(ks).add(1).gt(cumulative).to(z.dtype).sum(1, true).detach(); // [B, 1]
  return cumulative.gather(1, k.sub(1).to('int64')).sub(1).div(k);
}

export function sparsemaxProbs(z: Tensor): Tensor {
  return z.sub(sparsemaxThreshold(z)).relu();
}

export const sparsemax = lossHead(
  'sparsemax',
  ({ z, y }) => {
    const tau = sparsemaxThreshold(z);
    const support = z.gt(tau).to(z.dtype).detach();
    return targetValue(z, y).neg().add(z.square().sub(tau.square()).mul(support).sum(1).mul(0.5)).add(0.5);
  },
  {
    title: 'Sparsemax loss',
    formula:
      'L = −z_y + ½ Σ_{j∈S(z)} (z_j² − τ(z)²) + ½,  S(z) = {j : sparsemax(z)_j > 0};  δ = sparsemax(z) − t',
    source:
      'Martins & Astudillo 2016, "From Softmax to Sparsemax: A Sparse Model of Attention and Multi-Label ' +
      'Classification", ICML 2016, arXiv:1602.02068',
    // sparsemax(z) is a distribution; the largest z is always in the support, so argmax = argmax z.
    scores: (z) => sparsemaxProbs(z),
  },
);
