// Plain-JS per-example losses written straight from ../shared/docs/heads.md, independent of the engine code.
import { softmaxJs } from './helpers.js';

export interface RefInput {
  z: number[];
  y: number;
  params: Record<string, number>;
  featureNorm?: number;
  step?: number;
}

const logSoftmax = (z: number[]): number[] => softmaxJs(z).map(Math.log);
const ce = (z: number[], y: number): number => -logSoftmax(z)[y];
const onehot = (c: number, y: number): number[] => Array.from({ length: c }, (_, k) => (k === y ? 1 : 0));
const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);

export function logT(x: number, t: number): number {
  return t === 1 ? Math.log(x) : (Math.pow(x, 1 - t) - 1) / (1 - t);
}
export function expT(x: number, t: number): number {
  return t === 1 ? Math.exp(x) : Math.pow(Math.max(1 + (1 - t) * x, 0), 1 / (1 - t));
}

/** λ with Σ exp_t(z_k − λ) = 1 by bisection (t > 1): a different algorithm from the head's fixed point. */
export function temperedNormaliserBisection(z: number[], t: number): number {
  const total = (lam: number): number => sum(z.map((v) => expT(v - lam, t)));
  let lo = Math.max(...z); // here the largest term alone is 1, so the total is ≥ 1
  let hi = lo + 1;
  while (total(hi) > 1) hi = lo + 2 * (hi - lo);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (total(mid) > 1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function temperedSoftmaxJs(z: number[], t: number): number[] {
  if (t === 1) return softmaxJs(z);
  const lam = temperedNormaliserBisection(z, t);
  return z.map((v) => expT(v - lam, t));
}

/** ψ(θ) = (−1)^k cos(mθ) − 2k, θ ∈ [kπ/m, (k+1)π/m], straight from the definition (acos, floor). */
export function psiJs(cos: number, m: number): number {
  const theta = Math.acos(cos);
  const k = Math.min(Math.floor((m * theta) / Math.PI), m - 1);
  return Math.pow(-1, k) * Math.cos(m * theta) - 2 * k;
}

export function sphereLambdaJs(step: number): number {
  return Math.max(5, 1000 * Math.pow(1 + 0.12 * step, -1));
}

/** Per-example loss of each (non-δ-rule) head, from the catalogue formula. */
export const REFERENCE: Record<string, (r: RefInput) => number> = {
  'softmax-ce': ({ z, y }) => ce(z, y),
  'linear-mse': ({ z, y }) => 0.5 * sum(z.map((v, k) => (v - (k === y ? 1 : 0)) ** 2)),
  'softmax-mse': ({ z, y }) => 0.5 * sum(softmaxJs(z).map((p, k) => (p - (k === y ? 1 : 0)) ** 2)),
  'sigmoid-bce': ({ z, y, params }) => {
    const shift = params.shiftLogC * Math.log(z.length);
    return sum(
      z.map((v, k) => {
        const s = 1 / (1 + Math.exp(-(v - shift)));
        return k === y ? -Math.log(s) : -Math.log(1 - s);
      }),
    );
  },
  hinge: ({ z, y, params }) => sum(z.map((v, j) => (j === y ? 0 : Math.max(0, params.margin + v - z[y])))),
  'squared-hinge': ({ z, y, params }) =>
    sum(z.map((v, j) => (j === y ? 0 : Math.max(0, params.margin + v - z[y]) ** 2))),
  'crammer-singer': ({ z, y, params }) =>
    Math.max(0, params.margin + Math.max(...z.filter((_, j) => j !== y)) - z[y]),
  'label-smoothing': ({ z, y, params }) => {
    const c = z.length;
    const lp = logSoftmax(z);
    return -sum(onehot(c, y).map((t, k) => ((1 - params.epsilon) * t + params.epsilon / c) * lp[k]));
  },
  focal: ({ z, y, params }) => {
    const p = softmaxJs(z)[y];
    return -Math.pow(1 - p, params.gamma) * Math.log(p);
  },
  poly1: ({ z, y, params }) => ce(z, y) + params.epsilon * (1 - softmaxJs(z)[y]),
  squentropy: ({ z, y }) => ce(z, y) + sum(z.map((v, k) => (k === y ? 0 : v * v))) / (z.length - 1),
  'rescaled-square': ({ z, y, params }) =>
    params.k * (z[y] - params.M) ** 2 + sum(z.map((v, k) => (k === y ? 0 : v * v))),
  'logit-penalty': ({ z, y, params }) => ce(z, y) + params.lambda * sum(z.map((v) => v * v)),
  'logit-norm': ({ z, y, params }) => {
    const n = Math.sqrt(sum(z.map((v) => v * v)));
    return ce(
      z.map((v) => v / (params.tau * (n + 1e-7))),
      y,
    );
  },
  'taylor-softmax': ({ z, y }) => {
    const f = z.map((v) => 1 + v + (v * v) / 2);
    return -Math.log(f[y] / sum(f));
  },
  sparsemax: ({ z, y }) => {
    // τ by bisection on Σ max(z − τ, 0) = 1, not by sorting.
    let lo = Math.min(...z) - 1;
    let hi = Math.max(...z);
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (sum(z.map((v) => Math.max(v - mid, 0))) > 1) lo = mid;
      else hi = mid;
    }
    const tau = (lo + hi) / 2;
    return -z[y] + 0.5 * sum(z.map((v) => (v > tau ? v * v - tau * tau : 0))) + 0.5;
  },
  'bi-tempered': ({ z, y, params }) => {
    const { t1, t2 } = params;
    const p = temperedSoftmaxJs(z, t2);
    const t = onehot(z.length, y);
    // The official general form (labels + 1e-10 inside log_t1).
    return sum(
      t.map(
        (tk, k) =>
          tk * (logT(tk + 1e-10, t1) - logT(p[k], t1)) - (tk ** (2 - t1) - p[k] ** (2 - t1)) / (2 - t1),
      ),
    );
  },
  baikal: ({ z, y }) => {
    const p = softmaxJs(z);
    const t = onehot(z.length, y);
    return -sum(p.map((pk, k) => Math.log(pk) - t[k] / pk)) / z.length;
  },
  'cosine-softmax': ({ z, y, params }) =>
    ce(
      z.map((v) => v / params.tau),
      y,
    ),
  'am-softmax': ({ z, y, params }) =>
    ce(
      z.map((v, k) => params.s * (v - (k === y ? params.m : 0))),
      y,
    ),
  arcface: ({ z, y, params }) => {
    const { s, m } = params;
    const theta = Math.acos(z[y]);
    const target = theta + m <= Math.PI ? Math.cos(theta + m) : z[y] - Math.sin(Math.PI - m) * m;
    return ce(
      z.map((v, k) => s * (k === y ? target : v)),
      y,
    );
  },
  'a-softmax': ({ z, y, params, featureNorm, step }) => {
    const norm = featureNorm ?? NaN;
    const lam = Math.max(
      params.lambdaMin,
      params.base * Math.pow(1 + params.gamma * (step ?? 0), -params.power),
    );
    const cos = z[y] / norm;
    const target = (lam * norm * cos + norm * psiJs(cos, params.m)) / (1 + lam);
    return ce(
      z.map((v, k) => (k === y ? target : v)),
      y,
    );
  },
};
