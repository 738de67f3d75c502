/**
 * Classification metrics on host arrays: accuracy, expected calibration error (ECE) and negative log-likelihood.
 * Tensor convenience wrappers live in `./tensor.ts`.
 */
import { type Labels, type Matrix, checkLabels, rowArgmax } from './matrix.js';

/** Fraction of rows whose prediction equals the label. `pred` is either scores [B, C] (argmax) or class indices. */
export function accuracy(pred: Matrix | Labels, labels: Labels): number {
  const predictions = isMatrix(pred) ? argmaxRows(pred) : pred;
  checkLabels('accuracy', labels, predictions.length);
  if (labels.length === 0) return NaN;
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hit++;
  return hit / labels.length;
}

export function argmaxRows(scores: Matrix): Int32Array {
  const out = new Int32Array(scores.rows);
  for (let i = 0; i < scores.rows; i++) out[i] = rowArgmax(scores.data, i, scores.cols);
  return out;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  accuracy: number;
  confidence: number;
}

/**
 * Expected calibration error (Guo et al. 2017): confidences (max probability) are put in `bins` equal-width bins
 * (lower, upper] on [0, 1] (a confidence of exactly 0 goes to the first bin), and
 * ECE = Σ_b (|B_b| / N) · |acc(B_b) − conf(B_b)|. `probs` is [N, C]; its rows should sum to 1 but this is not checked
 * (heads whose scores are not probabilities still get a number, as the head contract allows).
 */
export function ece(probs: Matrix, labels: Labels, bins = 15): number {
  return calibrationBins(probs, labels, bins).ece;
}

/** ECE together with the per-bin table (for reliability diagrams). Empty bins are included with count 0. */
export function calibrationBins(
  probs: Matrix,
  labels: Labels,
  bins = 15,
): { ece: number; bins: CalibrationBin[] } {
  if (!Number.isInteger(bins) || bins < 1)
    throw new Error(`ece: bins must be a positive integer, got ${bins}`);
  const n = probs.rows;
  checkLabels('ece', labels, n);
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const p = rowArgmax(probs.data, i, probs.cols);
    const conf = probs.data[i * probs.cols + p];
    // (lower, upper] bins: bin b holds conf in (b/M, (b+1)/M]; clamp so conf ≤ 0 or > 1 stays in range.
    let b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    // conf * bins can round across an edge; settle against the edges themselves so (lower, upper] holds exactly.
    while (b > 0 && conf <= b / bins) b--;
    while (b < bins - 1 && conf > (b + 1) / bins) b++;
    count[b]++;
    confSum[b] += conf;
    if (p === labels[i]) correct[b]++;
  }
  let total = 0;
  const table: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const acc = count[b] > 0 ? correct[b] / count[b] : 0;
    const conf = count[b] > 0 ? confSum[b] / count[b] : 0;
    if (count[b] > 0) total += (count[b] / n) * Math.abs(acc - conf);
    table.push({ lower: b / bins, upper: (b + 1) / bins, count: count[b], accuracy: acc, confidence: conf });
  }
  return { ece: n === 0 ? NaN : total, bins: table };
}

/**
 * Mean negative log-likelihood −(1/N) Σ log p[i, y_i] of probabilities `probs` [N, C]; probabilities are clamped
 * below at `eps` so a confidently wrong row costs −log(eps) instead of Infinity.
 */
export function nll(probs: Matrix, labels: Labels, eps = 1e-12): number {
  const n = probs.rows;
  checkLabels('nll', labels, n);
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] >= probs.cols) throw new Error(`nll: label ${labels[i]} >= ${probs.cols} classes`);
    s -= Math.log(Math.max(probs.data[i * probs.cols + labels[i]], eps));
  }
  return s / n;
}

/** Mean cross-entropy computed from logits [N, C] with a stable log-sum-exp. */
export function nllFromLogits(logits: Matrix, labels: Labels): number {
  const { rows: n, cols: c, data } = logits;
  checkLabels('nllFromLogits', labels, n);
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let m = -Infinity;
    for (let j = 0; j < c; j++) if (data[o + j] > m) m = data[o + j];
    let z = 0;
    for (let j = 0; j < c; j++) z += Math.exp(data[o + j] - m);
    s += m + Math.log(z) - data[o + labels[i]];
  }
  return s / n;
}

function isMatrix(v: Matrix | Labels): v is Matrix {
  return typeof v === 'object' && v !== null && 'rows' in v && 'cols' in v && 'data' in v;
}
