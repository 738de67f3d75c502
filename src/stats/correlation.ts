import { tTwoSided } from './special.js';

export interface Correlation {
  n: number;
  pearson: number;
  /** Two-sided p for r = 0 (t = r√((n − 2)/(1 − r²)), n − 2 df; exact under bivariate normality). */
  pearsonP: number;
  spearman: number;
  /** The same t approximation applied to ρ; rough below n ≈ 10, which is why both are shown with n. */
  spearmanP: number;
}

function pearsonOf(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // A constant variable has no correlation with anything: NaN, not 0, so it cannot be read as "no relation".
  return sxx === 0 || syy === 0 ? NaN : Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Relative tolerance under which two values count as tied. Means of accuracies (k/N summed in different orders) that
 * are equal on paper differ in the last bits of a double (~1e-16 relative); real differences between heads are at
 * least 1/N of a test set (1e-4) or, for continuous metrics, far above 1e-9 relative.
 */
export const RANK_TIE_TOLERANCE = 1e-9;

/**
 * 1-based ranks, ties sharing their average rank (as Spearman's ρ with ties requires). Values within
 * `tol`·max(1, max|x|) of the first value of their run of ties are tied, so float rounding cannot split an exact tie.
 */
export function ranks(xs: readonly number[], tol = RANK_TIE_TOLERANCE): number[] {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const scale = Math.max(1, ...xs.map((x) => (Number.isFinite(x) ? Math.abs(x) : 0)));
  const eps = tol * scale;
  const out = new Array<number>(xs.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    // Against the run's first value, not the previous one, so a chain of near-ties cannot grow without bound.
    while (j + 1 < idx.length && xs[idx[j + 1]] - xs[idx[i]] <= eps) j++;
    for (let k = i; k <= j; k++) out[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

export function correlationP(r: number, n: number): number {
  if (!Number.isFinite(r) || n < 3) return NaN;
  if (Math.abs(r) === 1) return 0;
  return tTwoSided(r * Math.sqrt((n - 2) / (1 - r * r)), n - 2);
}

/** Pearson's r and Spearman's ρ of paired samples, with p-values for "no correlation". Non-finite pairs are dropped. */
export function correlation(x: readonly number[], y: readonly number[]): Correlation {
  if (x.length !== y.length) throw new RangeError(`correlation: x has ${x.length} values, y has ${y.length}`);
  const keep = x.map((_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  const xs = keep.map((i) => x[i]);
  const ys = keep.map((i) => y[i]);
  const n = keep.length;
  const pearson = n >= 2 ? pearsonOf(xs, ys) : NaN;
  const spearman = n >= 2 ? pearsonOf(ranks(xs), ranks(ys)) : NaN;
  return { n, pearson, pearsonP: correlationP(pearson, n), spearman, spearmanP: correlationP(spearman, n) };
}
