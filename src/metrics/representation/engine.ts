/**
 * Engine-accelerated paths (libtorch matmuls in chunks) for the metrics whose cost is a product of large sizes:
 * kNN (queries × bank), retrieval (N × N), linear CKA (D1 × D2 over N) and the linear probe (N × D × C per step).
 * They compute exactly what the host paths compute (same definitions, same tie rules up to float rounding) and
 * are tested against them. R² and NC1 are O(N·D) / O(N·D·C) and stay on the host.
 *
 * `dtype` defaults to float32 (speed); float64 reproduces the host results to rounding error.
 */
import { type Device, type Tensor, noGrad, scope, tensor, zeros } from '../../engine/index.js';
import { type Labels, type Matrix, checkLabels } from '../matrix.js';
import { centreColumns } from './cka.js';
import { type KnnOptions, checkKnn, hitRate, vote } from './knn.js';
import {
  ADAM,
  type LinearProbeOptions,
  type LinearProbeResult,
  type ProbeSplits,
  type ProbeSplit,
  cosineLr,
  resolveProbe,
  selectLambda,
} from './probe.js';
import { RetrievalAccumulator, type RetrievalResult, sameLabelCounts } from './retrieval.js';

export interface EngineOptions {
  device?: Device;
  dtype?: 'float32' | 'float64';
  /** Upper bound on the elements of one similarity block (rows × bank size); default 16M (64 MB in float32). */
  blockElements?: number;
}

const DEFAULT_BLOCK = 16 * 1024 * 1024;

/** One native copy, converted to the working dtype and device inside libtorch (no host-side conversion pass). */
function toTensor(data: Float32Array | Float64Array, rows: number, cols: number, o: EngineOptions): Tensor {
  return tensor(data, [rows, cols], { dtype: o.dtype ?? 'float32', device: o.device ?? 'cpu' });
}

function rowsOf(m: Matrix, start: number, end: number): Float32Array | Float64Array {
  return m.data.subarray(start * m.cols, end * m.cols);
}

/** Rows scaled to unit L2 norm (zero rows stay zero, as on the host). */
function normalizeRows(t: Tensor): Tensor {
  return t.div(t.norm(2, 1, true).clamp(1e-30));
}

function chunkRows(n: number, o: EngineOptions): number {
  return Math.max(1, Math.floor((o.blockElements ?? DEFAULT_BLOCK) / Math.max(1, n)));
}

function toIndexArray(t: Tensor): number[] {
  return t.toNumbers();
}

export function knnPredictEngine(
  bank: Matrix,
  bankLabels: Labels,
  queries: Matrix,
  opts: KnnOptions & EngineOptions = {},
): Int32Array {
  const { k, numClasses } = checkKnn(bank, bankLabels, queries, opts);
  const out = new Int32Array(queries.rows);
  noGrad(() =>
    scope(() => {
      // Inner scope: only the transposed unit-norm bank outlives it (bank-sized temporaries are freed at once).
      const bt = scope(() =>
        normalizeRows(toTensor(bank.data, bank.rows, bank.cols, opts))
          .t()
          .contiguous(),
      );
      const step = chunkRows(bank.rows, opts);
      for (let s = 0; s < queries.rows; s += step) {
        const e = Math.min(queries.rows, s + step);
        scope(() => {
          const q = normalizeRows(toTensor(rowsOf(queries, s, e), e - s, queries.cols, opts));
          const { values, indices } = q.matmul(bt).topk(k, 1, true);
          const sims = values.toNumbers();
          const idx = toIndexArray(indices);
          for (let r = 0; r < e - s; r++) {
            out[s + r] = vote(sims, idx, k, bankLabels, numClasses, opts, r * k);
          }
        });
      }
    }),
  );
  return out;
}

export function knnAccuracyEngine(
  bank: Matrix,
  bankLabels: Labels,
  queries: Matrix,
  queryLabels: Labels,
  opts: KnnOptions & EngineOptions = {},
): number {
  checkLabels('knnAccuracy', queryLabels, queries.rows);
  return hitRate(knnPredictEngine(bank, bankLabels, queries, opts), queryLabels);
}

export function retrievalMetricsEngine(x: Matrix, y: Labels, opts: EngineOptions = {}): RetrievalResult {
  const n = x.rows;
  const { r, maxR } = sameLabelCounts(y, n);
  const acc = new RetrievalAccumulator();
  if (maxR === 0) return acc.result();
  noGrad(() =>
    scope(() => {
      const z = scope(() => normalizeRows(toTensor(x.data, n, x.cols, opts)));
      const zt = z.t().contiguous();
      const step = chunkRows(n, opts);
      for (let s = 0; s < n; s += step) {
        const e = Math.min(n, s + step);
        scope(() => {
          const self = tensor(
            BigInt64Array.from({ length: e - s }, (_, i) => BigInt(s + i)),
            [e - s, 1],
          );
          const sims = z
            .narrow(0, s, e - s)
            .matmul(zt)
            .scatter(1, opts.device && opts.device !== 'cpu' ? self.toDevice(opts.device) : self, -Infinity);
          const idx = toIndexArray(sims.topk(maxR, 1, true).indices);
          for (let i = 0; i < e - s; i++) {
            const base = i * maxR;
            acc.add(y[s + i], r[s + i], (rank) => y[idx[base + rank]]);
          }
        });
      }
    }),
  );
  return acc.result();
}

export function linearCKAEngine(x: Matrix, y: Matrix, opts: EngineOptions = {}): number {
  if (x.rows !== y.rows) throw new Error(`linearCKA: X has ${x.rows} rows but Y has ${y.rows}`);
  const o: EngineOptions = { dtype: 'float64', ...opts };
  return noGrad(() =>
    scope(() => {
      const xc = toTensor(centreColumns(x), x.rows, x.cols, o);
      const yc = toTensor(centreColumns(y), y.rows, y.cols, o);
      const frobSq = (a: Tensor, b: Tensor) => a.t().matmul(b).square().sum().item();
      const xx = Math.sqrt(frobSq(xc, xc));
      const yy = Math.sqrt(frobSq(yc, yc));
      if (xx === 0 || yy === 0) throw new Error('linearCKA: a representation is constant across examples');
      return frobSq(yc, xc) / (xx * yy);
    }),
  );
}

/**
 * Standardises on the engine with the train split's mean and population standard deviation, as
 * `fitStandardiser`/`standardise` do on the host (dimensions with ~zero variance become 0).
 */
function engineStandardiser(xTrain: Tensor): (x: Tensor) => Tensor {
  const mean = xTrain.mean(0, true);
  const sd = xTrain.std(0, false, true);
  const ok = sd.gt(mean.abs().add(1).mul(1e-8)).to(sd.dtype);
  // 1/sd where ok, else 0; the +1 keeps the reciprocal finite where sd = 0 (no `where`: arithmetic only).
  const invStd = sd.add(ok.neg().add(1)).reciprocal().mul(ok);
  return (x) => x.sub(mean).mul(invStd);
}

/**
 * Full-batch Adam on mean CE + (λ/2)‖W‖² for every λ at once (see `trainSoftmaxRegressionHost` for the
 * single-λ reference). `x` [n, d] is already standardised, `y` int64 [n]. Returns W [d, L·c] and b [1, L·c]: the
 * block of columns l·c..(l+1)·c−1 belongs to lambdas[l]. Every λ shares the features, so each step reads them once;
 * Adam is per-coordinate, so this is exactly L independent runs.
 */
export function trainSoftmaxRegressionEngine(
  x: Tensor,
  y: Tensor,
  c: number,
  lambdas: readonly number[],
  steps: number,
  lr: number,
): { w: Tensor; b: Tensor } {
  const [n, d] = x.shape;
  const L = lambdas.length;
  const opts = { dtype: x.dtype, device: x.device };
  return noGrad(() =>
    scope(() => {
      const yOneHot = y.oneHot(c).to(x.dtype).unsqueeze(1); // [n, 1, c], broadcasts over λ
      const lam = tensor(
        Float64Array.from({ length: L * c }, (_, i) => lambdas[Math.floor(i / c)]),
        [1, L * c],
        opts,
      );
      const w = zeros([d, L * c], opts);
      const b = zeros([1, L * c], opts);
      const state = [w, b].map((p) => ({ p, m: zeros(p.shape, opts), v: zeros(p.shape, opts) }));
      const xt = x.t();
      for (let t = 0; t < steps; t++) {
        scope(() => {
          const p = x.matmul(w).add(b).reshape([n, L, c]).softmax(2);
          const g = p
            .sub(yOneHot)
            .reshape([n, L * c])
            .div(n);
          const grads = [xt.matmul(g).add(w.mul(lam)), g.sum(0, true)];
          const lrT = cosineLr(lr, t, steps);
          const bc1 = 1 - ADAM.beta1 ** (t + 1);
          const bc2 = 1 - ADAM.beta2 ** (t + 1);
          state.forEach(({ p: param, m, v }, i) => {
            const grad = grads[i];
            m.mul_(ADAM.beta1).add_(grad, 1 - ADAM.beta1);
            v.mul_(ADAM.beta2).add_(grad.square(), 1 - ADAM.beta2);
            param.add_(m.div(v.div(bc2).sqrt().add(ADAM.eps)), -lrT / bc1);
          });
        });
      }
      return { w, b };
    }),
  );
}

/** The probe of `./probe.ts` (same standardisation, objective, optimiser and λ selection) on the engine. */
export function linearProbeEngine(
  splits: ProbeSplits,
  opts: LinearProbeOptions & EngineOptions = {},
): LinearProbeResult {
  const { c, d, lambdas, steps, lr } = resolveProbe(splits, opts);
  const L = lambdas.length;
  const accuracies = noGrad(() =>
    scope(() => {
      const raw = (s: ProbeSplit) => toTensor(s.x.data, s.x.rows, d, opts);
      const xTrain = raw(splits.train);
      const std = engineStandardiser(xTrain);
      const y = tensor(Int32Array.from(splits.train.y), [splits.train.x.rows], {
        device: opts.device ?? 'cpu',
      });
      const { w, b } = trainSoftmaxRegressionEngine(std(xTrain), y, c, lambdas, steps, lr);
      const score = (s: ProbeSplit): number[] =>
        scope(() => {
          const rows = s.x.rows;
          const pred = std(raw(s)).matmul(w).add(b).reshape([rows, L, c]).argmax(2).toNumbers(); // [rows, L]
          return lambdas.map((_, l) => {
            let hit = 0;
            for (let i = 0; i < rows; i++) if (pred[i * L + l] === s.y[i]) hit++;
            return rows ? hit / rows : NaN;
          });
        });
      return { train: score(splits.train), val: score(splits.val), test: score(splits.test) };
    }),
  );
  return selectLambda(
    lambdas.map((lambda, l) => ({
      lambda,
      trainAccuracy: accuracies.train[l],
      valAccuracy: accuracies.val[l],
      testAccuracy: accuracies.test[l],
    })),
  );
}
