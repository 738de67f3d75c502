/**
 * Retrieval metrics on cosine similarity, following pytorch-metric-learning's AccuracyCalculator with queries and
 * references from the same set (Musgrave, Belongie & Lim 2020, "A Metric Learning Reality Check", ECCV):
 *
 * - every sample is a query against all the others; the query itself is excluded by index;
 * - R for a query is the number of *other* samples with its label (PML's definition; the "R = the class
 *   count" is read as this per-query count, not the number of classes);
 * - precision@1: the nearest other sample has the query's label;
 * - R-precision: the fraction of same-label samples among the R nearest;
 * - MAP@R = (1/R) Σ_{i ≤ R} P(i)·rel(i), with P(i) the precision among the i nearest and rel(i) = 1 if the i-th is
 *   same-label;
 * - queries whose label occurs only once (R = 0) are left out, as PML does; results average over the other queries.
 *
 * Neighbours with exactly equal similarity are ordered by index (lower first).
 */
import { type Labels, type Matrix, checkLabels, l2NormalizeRows } from '../matrix.js';

export interface RetrievalResult {
  precisionAt1: number;
  rPrecision: number;
  mapAtR: number;
  /** Queries that counted (samples whose label occurs at least twice). */
  queries: number;
}

/** Per-query label counts minus one (R) and the largest R. */
export function sameLabelCounts(y: Labels, n: number): { r: Int32Array; maxR: number } {
  const c = checkLabels('retrieval', y, n);
  const counts = new Int32Array(c);
  for (let i = 0; i < n; i++) counts[y[i]]++;
  const r = new Int32Array(n);
  let maxR = 0;
  for (let i = 0; i < n; i++) {
    r[i] = counts[y[i]] - 1;
    if (r[i] > maxR) maxR = r[i];
  }
  return { r, maxR };
}

/** Accumulates one query's contribution given its neighbour labels in rank order (self already removed). */
export class RetrievalAccumulator {
  private p1 = 0;
  private rp = 0;
  private map = 0;
  private q = 0;

  add(label: number, r: number, neighbourLabel: (rank: number) => number): void {
    if (r <= 0) return;
    let hits = 0;
    let ap = 0;
    for (let i = 0; i < r; i++) {
      if (neighbourLabel(i) === label) {
        hits++;
        ap += hits / (i + 1);
      }
    }
    if (neighbourLabel(0) === label) this.p1++;
    this.rp += hits / r;
    this.map += ap / r;
    this.q++;
  }

  result(): RetrievalResult {
    const q = this.q;
    return {
      precisionAt1: q ? this.p1 / q : NaN,
      rPrecision: q ? this.rp / q : NaN,
      mapAtR: q ? this.map / q : NaN,
      queries: q,
    };
  }
}

/** Host path: O(N²·D) similarities in float64 and a full sort per query. */
export function retrievalMetrics(x: Matrix, y: Labels): RetrievalResult {
  const n = x.rows;
  const d = x.cols;
  const { r } = sameLabelCounts(y, n);
  const z = l2NormalizeRows(x);
  const acc = new RetrievalAccumulator();
  const sims = new Float64Array(n);
  const order = new Int32Array(n - 1);
  for (let i = 0; i < n; i++) {
    if (r[i] <= 0) continue;
    for (let t = 0; t < n; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += z[i * d + j] * z[t * d + j];
      sims[t] = s;
    }
    let m = 0;
    for (let t = 0; t < n; t++) if (t !== i) order[m++] = t;
    order.sort((a, b) => sims[b] - sims[a] || a - b);
    acc.add(y[i], r[i], (rank) => y[order[rank]]);
  }
  return acc.result();
}

export function precisionAt1(x: Matrix, y: Labels): number {
  return retrievalMetrics(x, y).precisionAt1;
}

export function mapAtR(x: Matrix, y: Labels): number {
  return retrievalMetrics(x, y).mapAtR;
}
