import { tQuantile, tTwoSided } from './special.js';
import { Rng } from '../data/rng.js';

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). NaN when n < 2. */
  sd: number;
  /** Student-t interval for the mean. n = 1: [mean, mean] (no spread can be estimated; sd is NaN). n = 0: [NaN, NaN]. */
  ci: [number, number];
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function variance(xs: readonly number[], m: number): number {
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return s / (xs.length - 1);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/** Mean, sample sd and a Student-t confidence interval for the mean. */
export function summarize(xs: readonly number[], level = 0.95): Summary {
  checkLevel(level);
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, ci: [NaN, NaN] };
  const m = mean(xs);
  if (n === 1) return { n, mean: m, sd: NaN, ci: [m, m] };
  const sd = Math.sqrt(variance(xs, m));
  const half = (tQuantile(0.5 + level / 2, n - 1) * sd) / Math.sqrt(n);
  return { n, mean: m, sd, ci: [m - half, m + half] };
}

export interface WelchResult {
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** mean(a) − mean(b). */
  diff: number;
  /** Standard error of diff. */
  se: number;
  /** Welch interval for diff at `level`. */
  ci: [number, number];
}

/**
 * Welch's unequal-variance t-test of mean(a) = mean(b), two-sided, with the Welch–Satterthwaite df.
 * Either sample with n < 2: everything NaN except diff. Both samples constant (se = 0): p = 1 if the means are equal,
 * else 0 (t = ±Infinity), df = na + nb − 2.
 */
export function welchT(a: readonly number[], b: readonly number[], level = 0.95): WelchResult {
  checkLevel(level);
  const na = a.length;
  const nb = b.length;
  const diff = na > 0 && nb > 0 ? mean(a) - mean(b) : NaN;
  if (na < 2 || nb < 2) return { t: NaN, df: NaN, p: NaN, diff, se: NaN, ci: [NaN, NaN] };
  const va = variance(a, mean(a)) / na;
  const vb = variance(b, mean(b)) / nb;
  const se = Math.sqrt(va + vb);
  if (se === 0) {
    const t = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
    return { t, df: na + nb - 2, p: diff === 0 ? 1 : 0, diff, se, ci: [diff, diff] };
  }
  const t = diff / se;
  const df = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1));
  const half = tQuantile(0.5 + level / 2, df) * se;
  return { t, df, p: tTwoSided(t, df), diff, se, ci: [diff - half, diff + half] };
}

/**
 * Holm's step-down adjustment: sort ascending, multiply the i-th smallest (0-based) by (m − i), take the running
 * maximum so adjusted values keep the order of the raw ones, cap at 1. NaN entries stay NaN and do not count in m.
 */
export function holm(ps: readonly number[]): number[] {
  const idx = ps.map((_, i) => i).filter((i) => !Number.isNaN(ps[i]));
  for (const i of idx)
    if (ps[i] < 0 || ps[i] > 1) throw new RangeError(`holm: p-values must be in [0, 1], got ${ps[i]}`);
  idx.sort((i, j) => ps[i] - ps[j]);
  const m = idx.length;
  const out = ps.map(() => NaN);
  let running = 0;
  idx.forEach((i, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * ps[i]));
    out[i] = running;
  });
  return out;
}

/** Linear-interpolation quantile (type 7) of a sorted array. */
function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface BootstrapOptions {
  iters?: number;
  level?: number;
  /** Seeds the resampling; default 0. The same seed gives the same interval. */
  seed?: number;
}

/** Percentile bootstrap interval for stat(xs): resample xs with replacement `iters` times. */
export function bootstrapCI(
  xs: readonly number[],
  stat: (sample: number[]) => number,
  opts: BootstrapOptions = {},
): { estimate: number; ci: [number, number] } {
  const iters = opts.iters ?? 2000;
  const level = opts.level ?? 0.95;
  checkLevel(level);
  if (!(Number.isInteger(iters) && iters > 0))
    throw new RangeError(`bootstrapCI: iters must be a positive integer, got ${iters}`);
  const n = xs.length;
  if (n === 0) return { estimate: NaN, ci: [NaN, NaN] };
  const rng = new Rng('bootstrap', opts.seed ?? 0);
  const stats: number[] = new Array<number>(iters);
  const sample: number[] = new Array<number>(n);
  for (let k = 0; k < iters; k++) {
    for (let i = 0; i < n; i++) sample[i] = xs[rng.int(n)];
    stats[k] = stat(sample);
  }
  const finite = stats.filter((v) => !Number.isNaN(v)).sort((u, v) => u - v);
  const estimate = stat([...xs]);
  if (finite.length === 0) return { estimate, ci: [NaN, NaN] };
  const alpha = (1 - level) / 2;
  return { estimate, ci: [quantileSorted(finite, alpha), quantileSorted(finite, 1 - alpha)] };
}

/** The median of the finite values, or null when there are none. */
export function median(xs: readonly number[]): number | null {
  const v = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}
