/**
 * Weighted k-nearest-neighbour accuracy on cosine similarity (the evaluation of Wu et al. 2018, "Unsupervised
 * Feature Learning via Non-Parametric Instance Discrimination", CVPR, also used by DINO): the bank is the train
 * features, the queries are the test features; each of the k most similar bank rows votes for its label with weight
 * exp(sim / τ), τ = 0.07, and the class with the largest total wins (lowest class index on an exact tie).
 * `weighting: 'similarity'` uses the raw similarity as the weight and `'uniform'` a plain majority vote.
 *
 * Host path here (float64, O(Q·N·D)); `knnAccuracyEngine` in `./engine.ts` does the same with chunked libtorch matmuls.
 */
import { type Labels, type Matrix, checkLabels, l2NormalizeRows } from '../matrix.js';

export type KnnWeighting = 'exp' | 'similarity' | 'uniform';

export interface KnnOptions {
  k?: number;
  weighting?: KnnWeighting;
  temperature?: number;
  /** Number of classes; defaults to 1 + the largest label in the bank. */
  numClasses?: number;
}

export const KNN_DEFAULTS = { k: 20, weighting: 'exp' as KnnWeighting, temperature: 0.07 };

export function knnPredict(
  bank: Matrix,
  bankLabels: Labels,
  queries: Matrix,
  opts: KnnOptions = {},
): Int32Array {
  const { k, numClasses } = checkKnn(bank, bankLabels, queries, opts);
  const b = l2NormalizeRows(bank);
  const q = l2NormalizeRows(queries);
  const d = bank.cols;
  const n = bank.rows;
  const topSim = new Float64Array(k);
  const topIdx = new Int32Array(k);
  const out = new Int32Array(queries.rows);
  for (let i = 0; i < queries.rows; i++) {
    let filled = 0;
    const qo = i * d;
    for (let r = 0; r < n; r++) {
      let s = 0;
      const bo = r * d;
      for (let j = 0; j < d; j++) s += q[qo + j] * b[bo + j];
      filled = insertTopK(topSim, topIdx, filled, k, s, r);
    }
    out[i] = vote(topSim, topIdx, filled, bankLabels, numClasses, opts);
  }
  return out;
}

export function knnAccuracy(
  bank: Matrix,
  bankLabels: Labels,
  queries: Matrix,
  queryLabels: Labels,
  opts: KnnOptions = {},
): number {
  checkLabels('knnAccuracy', queryLabels, queries.rows);
  return hitRate(knnPredict(bank, bankLabels, queries, opts), queryLabels);
}

export function checkKnn(
  bank: Matrix,
  bankLabels: Labels,
  queries: Matrix,
  opts: KnnOptions,
): { k: number; numClasses: number } {
  if (bank.cols !== queries.cols) {
    throw new Error(`knn: bank has ${bank.cols} features but queries have ${queries.cols}`);
  }
  const c = checkLabels('knn', bankLabels, bank.rows);
  const k = Math.min(opts.k ?? KNN_DEFAULTS.k, bank.rows);
  if (!(k >= 1))
    throw new Error(`knn: k must be ≥ 1 and the bank non-empty (k=${opts.k}, bank rows=${bank.rows})`);
  return { k, numClasses: opts.numClasses ?? c };
}

/** Keeps the k largest similarities in descending order; earlier indices win ties. Returns the new fill count. */
export function insertTopK(
  sims: Float64Array,
  idx: Int32Array,
  filled: number,
  k: number,
  s: number,
  r: number,
): number {
  if (filled === k && !(s > sims[k - 1])) return filled;
  let p = filled < k ? filled : k - 1;
  while (p > 0 && s > sims[p - 1]) {
    sims[p] = sims[p - 1];
    idx[p] = idx[p - 1];
    p--;
  }
  sims[p] = s;
  idx[p] = r;
  return filled < k ? filled + 1 : k;
}

/** Weighted vote over the first `count` neighbours (similarities `sims`, bank rows `idx`). */
export function vote(
  sims: ArrayLike<number>,
  idx: ArrayLike<number>,
  count: number,
  bankLabels: Labels,
  numClasses: number,
  opts: KnnOptions,
  offset = 0,
): number {
  const weighting = opts.weighting ?? KNN_DEFAULTS.weighting;
  const tau = opts.temperature ?? KNN_DEFAULTS.temperature;
  const votes = new Float64Array(numClasses);
  for (let j = 0; j < count; j++) {
    const s = sims[offset + j];
    const w = weighting === 'exp' ? Math.exp(s / tau) : weighting === 'similarity' ? s : 1;
    votes[bankLabels[idx[offset + j]]] += w;
  }
  let best = 0;
  for (let c = 1; c < numClasses; c++) if (votes[c] > votes[best]) best = c;
  return best;
}

export function hitRate(pred: Labels, labels: Labels): number {
  if (pred.length !== labels.length)
    throw new Error(`hitRate: ${pred.length} predictions for ${labels.length} labels`);
  if (labels.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) hit++;
  return hit / labels.length;
}
