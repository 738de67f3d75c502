// A-Softmax (SphereFace): a multiplicative angular margin on the target, annealed in from plain softmax.
import { ones, type Tensor } from '../engine/index.js';
import { ceRows, param, requireNonNegative, softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';
import type { HeadParams } from './types.js';

/** λ = max(λ_min, base·(1 + γ·iter)^(−power)): the official MarginInnerProduct schedule (iter = the global step). */
export function sphereFaceLambda(step: number, p: HeadParams): number {
  const raw = param(p, 'base') * Math.pow(1 + param(p, 'gamma') * step, -param(p, 'power'));
  return Math.max(param(p, 'lambdaMin'), raw);
}

/**
 * ψ(θ) = (−1)^k cos(mθ) − 2k for θ ∈ [kπ/m, (k+1)π/m], from c = cos θ without acos:
 * k = #{j ∈ 1..m−1 : c ≤ cos(jπ/m)} (piecewise constant, no gradient) and cos(mθ) = T_m(c), the Chebyshev polynomial.
 */
export function sphereFacePsi(c: Tensor, m: number): Tensor {
  const cd = c.detach();
  let k = cd.mul(0);
  let sign = ones(c.shape, { dtype: c.dtype, device: c.device });
  for (let j = 1; j < m; j++) {
    const beyond = cd.le(Math.cos((j * Math.PI) / m)).to(c.dtype);
    k = k.add(beyond);
    sign = sign.mul(beyond.mul(-2).add(1));
  }
  let tPrev = ones(c.shape, { dtype: c.dtype, device: c.device });
  let tCur = c;
  for (let n = 1; n < m; n++) {
    const tNext = c.mul(tCur).mul(2).sub(tPrev);
    tPrev = tCur;
    tCur = tNext;
  }
  return sign.mul(tCur).sub(k.mul(2));
}

export const aSoftmax = lossHead(
  'a-softmax',
  ({ z, y, t, featureNorm, step, params }) => {
    if (!featureNorm)
      throw new Error(
        "a-softmax needs featureNorm (‖x‖) in its input: use its 'normalized-weights' output layer.",
      );
    const lambda = sphereFaceLambda(step, params);
    const zy = targetValue(z, y); // ‖x‖ cos θ_y
    const cos = zy.div(featureNorm.clamp(1e-12)).clamp(-1, 1);
    const psiLogit = featureNorm.mul(sphereFacePsi(cos, param(params, 'm')));
    const target = zy
      .mul(lambda)
      .add(psiLogit)
      .div(1 + lambda);
    return ceRows(z.add(t.mul(target.sub(zy).unsqueeze(1))), y);
  },
  {
    title: 'A-Softmax (SphereFace)',
    formula:
      'z_k = ‖x‖ cos θ_k (unit weights, no bias); target logit (λ‖x‖cos θ_y + ‖x‖ψ(θ_y))/(1 + λ), ' +
      'ψ(θ) = (−1)^k cos(mθ) − 2k on [kπ/m, (k+1)π/m]  (m = 4);  λ = max(5, 1000·(1 + 0.12·iter)^−1);  L = CE',
    source:
      'Liu, Wen, Yu, Li, Raj & Song 2017, "SphereFace: Deep Hypersphere Embedding for Face Recognition", CVPR 2017, ' +
      'arXiv:1704.08063; λ schedule from the official code (wy1iu/sphereface, margin_inner_product_layer.cpp: ' +
      'base 1000, gamma 0.12, power 1, lambda_min 5). True gradient, not the official code’s normalised one.',
    defaults: { m: 4, base: 1000, gamma: 0.12, power: 1, lambdaMin: 5 },
    outputLayer: 'normalized-weights',
    validate: (p) => {
      if (!(Number.isInteger(p.m) && param(p, 'm') >= 1))
        throw new Error(`parameter 'm' must be an integer ≥ 1, got ${p.m}.`);
      requireNonNegative(p, 'base', 'gamma', 'power', 'lambdaMin');
    },
    // Test time uses the plain logits ‖x‖ cos θ.
    scores: (z) => softmaxScores(z),
  },
);
