/**
 * Linear-probe accuracy: multinomial logistic regression on frozen features.
 *
 * - Features are standardised with the train split's per-dimension mean and standard deviation (dimensions with
 *   zero variance become 0).
 * - Objective: mean cross-entropy + (λ/2)·‖W‖²_F (bias not penalised), W zero-initialised.
 * - Optimiser: full-batch Adam (β = 0.9, 0.999) for a fixed number of steps with a cosine-decayed learning rate,
 *   gradients in closed form (Xᵀ(P − Y)/N + λW), so no autograd is involved and runs are deterministic.
 * - λ is chosen from `lambdas` by validation accuracy (the larger λ wins a tie); the model trained on the train
 *   split with that λ is scored on the test split (no refit on train + val).
 *
 * This file holds the host (float64 JS) trainer, fine for small sets; `linearProbeEngine` in `./engine.ts` runs the
 * same algorithm with libtorch matmuls for real feature banks.
 */
import { type Labels, type Matrix, checkLabels } from '../matrix.js';
import { hitRate } from './knn.js';

export interface ProbeSplit {
  x: Matrix;
  y: Labels;
}

export interface ProbeSplits {
  train: ProbeSplit;
  val: ProbeSplit;
  test: ProbeSplit;
}

export interface LinearProbeOptions {
  lambdas?: readonly number[];
  steps?: number;
  lr?: number;
  numClasses?: number;
}

export interface LinearProbeResult {
  testAccuracy: number;
  valAccuracy: number;
  trainAccuracy: number;
  lambda: number;
  grid: { lambda: number; trainAccuracy: number; valAccuracy: number; testAccuracy: number }[];
}

export const PROBE_DEFAULTS = {
  lambdas: [1e-4, 1e-3, 1e-2, 1e-1] as readonly number[],
  steps: 300,
  lr: 0.05,
};

export interface Standardiser {
  mean: Float64Array;
  invStd: Float64Array;
}

export function fitStandardiser(x: Matrix): Standardiser {
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const z = data[i * d + j] - mean[j];
      sq[j] += z * z;
    }
  }
  const invStd = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(sq[j] / n);
    invStd[j] = sd > 1e-8 * (1 + Math.abs(mean[j])) ? 1 / sd : 0;
  }
  return { mean, invStd };
}

export function standardise(x: Matrix, s: Standardiser): Float64Array {
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (data[i * d + j] - s.mean[j]) * s.invStd[j];
  }
  return out;
}

/** Learning rate at step t (0-based) of `steps`: cosine decay from lr to 0. */
export function cosineLr(lr: number, t: number, steps: number): number {
  return 0.5 * lr * (1 + Math.cos((Math.PI * t) / steps));
}

export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

export function resolveProbe(splits: ProbeSplits, opts: LinearProbeOptions) {
  const d = splits.train.x.cols;
  for (const [name, s] of Object.entries(splits)) {
    if (s.x.cols !== d) throw new Error(`linearProbe: ${name} has ${s.x.cols} features, train has ${d}`);
    checkLabels(`linearProbe(${name})`, s.y, s.x.rows);
  }
  if (splits.train.x.rows === 0 || splits.val.x.rows === 0) {
    throw new Error(
      'linearProbe: the train and validation splits must be non-empty (λ is chosen on validation)',
    );
  }
  const c = opts.numClasses ?? checkLabels('linearProbe', splits.train.y, splits.train.x.rows);
  const lambdas = opts.lambdas ?? PROBE_DEFAULTS.lambdas;
  if (lambdas.length === 0) throw new Error('linearProbe: empty lambda grid');
  return { c, d, lambdas, steps: opts.steps ?? PROBE_DEFAULTS.steps, lr: opts.lr ?? PROBE_DEFAULTS.lr };
}

/** Picks the grid entry with the best validation accuracy; ties go to the larger λ (the simpler model). */
export function selectLambda(grid: LinearProbeResult['grid']): LinearProbeResult {
  let best = grid[0];
  for (const g of grid) {
    if (g.valAccuracy > best.valAccuracy || (g.valAccuracy === best.valAccuracy && g.lambda > best.lambda))
      best = g;
  }
  return {
    testAccuracy: best.testAccuracy,
    valAccuracy: best.valAccuracy,
    trainAccuracy: best.trainAccuracy,
    lambda: best.lambda,
    grid,
  };
}

/** Host trainer: returns W [d, c] (row-major) and b [c]. */
export function trainSoftmaxRegressionHost(
  x: Float64Array,
  y: Labels,
  n: number,
  d: number,
  c: number,
  lambda: number,
  steps: number,
  lr: number,
): { w: Float64Array; b: Float64Array } {
  const p = d * c + c; // W then b, one flat parameter vector for Adam
  const theta = new Float64Array(p);
  const m = new Float64Array(p);
  const v = new Float64Array(p);
  const g = new Float64Array(p);
  const logits = new Float64Array(c);
  for (let t = 0; t < steps; t++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let k = 0; k < c; k++) logits[k] = theta[d * c + k];
      for (let j = 0; j < d; j++) {
        const xj = x[o + j];
        if (xj === 0) continue;
        for (let k = 0; k < c; k++) logits[k] += xj * theta[j * c + k];
      }
      let mx = -Infinity;
      for (let k = 0; k < c; k++) if (logits[k] > mx) mx = logits[k];
      let z = 0;
      for (let k = 0; k < c; k++) {
        logits[k] = Math.exp(logits[k] - mx);
        z += logits[k];
      }
      for (let k = 0; k < c; k++) logits[k] = logits[k] / z - (k === y[i] ? 1 : 0);
      for (let j = 0; j < d; j++) {
        const xj = x[o + j];
        if (xj === 0) continue;
        for (let k = 0; k < c; k++) g[j * c + k] += xj * logits[k];
      }
      for (let k = 0; k < c; k++) g[d * c + k] += logits[k];
    }
    for (let q = 0; q < p; q++) g[q] /= n;
    for (let q = 0; q < d * c; q++) g[q] += lambda * theta[q];
    const lrT = cosineLr(lr, t, steps);
    const bc1 = 1 - ADAM.beta1 ** (t + 1);
    const bc2 = 1 - ADAM.beta2 ** (t + 1);
    for (let q = 0; q < p; q++) {
      m[q] = ADAM.beta1 * m[q] + (1 - ADAM.beta1) * g[q];
      v[q] = ADAM.beta2 * v[q] + (1 - ADAM.beta2) * g[q] * g[q];
      theta[q] -= (lrT * (m[q] / bc1)) / (Math.sqrt(v[q] / bc2) + ADAM.eps);
    }
  }
  return { w: theta.slice(0, d * c), b: theta.slice(d * c) };
}

export function predictLinear(
  x: Float64Array,
  n: number,
  d: number,
  c: number,
  w: Float64Array,
  b: Float64Array,
): Int32Array {
  const out = new Int32Array(n);
  const s = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    s.set(b);
    for (let j = 0; j < d; j++) {
      const xj = x[i * d + j];
      if (xj === 0) continue;
      for (let k = 0; k < c; k++) s[k] += xj * w[j * c + k];
    }
    let best = 0;
    for (let k = 1; k < c; k++) if (s[k] > s[best]) best = k;
    out[i] = best;
  }
  return out;
}

export function linearProbe(splits: ProbeSplits, opts: LinearProbeOptions = {}): LinearProbeResult {
  const { c, d, lambdas, steps, lr } = resolveProbe(splits, opts);
  const st = fitStandardiser(splits.train.x);
  const xs = {
    train: standardise(splits.train.x, st),
    val: standardise(splits.val.x, st),
    test: standardise(splits.test.x, st),
  };
  const grid = lambdas.map((lambda) => {
    const { w, b } = trainSoftmaxRegressionHost(
      xs.train,
      splits.train.y,
      splits.train.x.rows,
      d,
      c,
      lambda,
      steps,
      lr,
    );
    const acc = (k: 'train' | 'val' | 'test') =>
      hitRate(predictLinear(xs[k], splits[k].x.rows, d, c, w, b), splits[k].y);
    return { lambda, trainAccuracy: acc('train'), valAccuracy: acc('val'), testAccuracy: acc('test') };
  });
  return selectLambda(grid);
}
