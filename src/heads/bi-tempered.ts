// Bi-tempered logistic loss: a heavy-tailed softmax (t2 > 1) and a bounded log loss (t1 < 1), robust to label noise.
import { noGrad, scope, type Tensor } from '../engine/index.js';
import { lossHead } from './builders.js';
import { param, targetValue } from './common.js';

/** log_t(x) = (x^{1−t} − 1)/(1 − t); log when t = 1. */
export function logT(x: Tensor, t: number): Tensor {
  return t === 1
    ? x.log()
    : x
        .pow(1 - t)
        .sub(1)
        .div(1 - t);
}

/** exp_t(x) = [1 + (1 − t)x]_+^{1/(1−t)}; exp when t = 1. */
export function expT(x: Tensor, t: number): Tensor {
  return t === 1
    ? x.exp()
    : x
        .mul(1 - t)
        .add(1)
        .relu()
        .pow(1 / (1 - t));
}

/**
 * The normaliser λ(a) with Σ_k exp_t(a_k − λ) = 1, by the official fixed-point iteration (t > 1), without gradient.
 * mu = max a; â = a − mu; repeat n: Z = Σ exp_t(â); â = (a − mu)·Z^{1−t}; then λ = −log_t(1/Z) + mu.
 */
function fixedPointNormaliser(a: Tensor, t: number, iters: number): Tensor {
  return noGrad(() =>
    scope(() => {
      const ad = a.detach();
      const mu = ad.amax(1, true);
      const a0 = ad.sub(mu);
      let an = a0;
      for (let i = 0; i < iters; i++)
        an = a0.mul(
          expT(an, t)
            .sum(1, true)
            .pow(1 - t),
        );
      const z = expT(an, t).sum(1, true);
      return logT(z.reciprocal(), t).neg().add(mu);
    }),
  );
}

/**
 * Tempered softmax p = exp_t(a − λ(a)). λ is found without gradient; its gradient is then attached by the implicit
 * function theorem, ∂λ/∂a_k = p_k^t / Σ_j p_j^t, as a zero-valued term. That gives the same derivative as the
 * official implementation's custom gradient, instead of differentiating through the unrolled iterations.
 */
export function temperedSoftmax(a: Tensor, t: number, iters: number): Tensor {
  if (t === 1) return a.softmax(1);
  const lambda = fixedPointNormaliser(a, t, iters);
  const escort = noGrad(() =>
    scope(() => {
      const pt = expT(a.detach().sub(lambda), t).pow(t);
      return pt.div(pt.sum(1, true));
    }),
  );
  const lambdaWithGrad = lambda.add(a.sub(a.detach()).mul(escort).sum(1, true));
  return expT(a.sub(lambdaWithGrad), t);
}

export const biTempered = lossHead(
  'bi-tempered',
  // One-hot form of the official Σ_k [t_k(log_t1 t_k − log_t1 p_k) − (t_k^{2−t1} − p_k^{2−t1})/(2 − t1)].
  ({ z, y, params }) => {
    const t1 = param(params, 't1');
    const p = temperedSoftmax(z, param(params, 't2'), param(params, 'iters'));
    return logT(targetValue(p, y), t1)
      .neg()
      .sub(
        p
          .pow(2 - t1)
          .sum(1)
          .neg()
          .add(1)
          .div(2 - t1),
      );
  },
  {
    title: 'Bi-tempered logistic loss',
    formula:
      'p = exp_{t2}(z − λ(z)) with Σ_k p_k = 1 (λ by 5 fixed-point iterations);  ' +
      'L = −log_{t1} p_y − (1 − Σ_k p_k^{2−t1})/(2 − t1);  log_t(x) = (x^{1−t} − 1)/(1 − t), ' +
      'exp_t(x) = [1 + (1 − t)x]_+^{1/(1−t)}  (t1 = 0.8, t2 = 1.2)',
    source:
      'Amid, Warmuth, Anil & Koren 2019, "Robust Bi-Tempered Logistic Loss Based on Bregman Divergences", ' +
      'NeurIPS 2019, arXiv:1906.03361 (normaliser and gradient as in google/bi-tempered-loss)',
    defaults: { t1: 0.8, t2: 1.2, iters: 5 },
    validate: (p) => {
      if (!(param(p, 't1') >= 0 && param(p, 't1') < 2))
        throw new Error(`parameter 't1' must be in [0, 2), got ${p.t1}.`);
      if (!(param(p, 't2') >= 1))
        throw new Error(`parameter 't2' must be ≥ 1 (the fixed-point normaliser needs t2 ≥ 1), got ${p.t2}.`);
      if (!(Number.isInteger(p.iters) && param(p, 'iters') >= 1))
        throw new Error(`parameter 'iters' must be an integer ≥ 1, got ${p.iters}.`);
    },
    // The tempered softmax (exp_t is monotone, so argmax = argmax z), renormalised because 5 iterations leave Σ ≈ 1.
    scores: (z, p) => {
      const q = temperedSoftmax(z.detach(), param(p, 't2'), param(p, 'iters'));
      return q.div(q.sum(1, true));
    },
  },
);
