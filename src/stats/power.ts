// Power of the t-tests the tables use, for the "seeds needed" line: the exact power from the noncentral t
// distribution (as G*Power and R's power.t.test compute it), not the normal approximation, which undercounts at the
// handful of seeds these grids have.
import { lnGamma, tQuantile } from './special.js';

/**
 * erfc(x), Numerical Recipes' Chebyshev fit (erfcc): fractional error below 1.2e-7 everywhere. Ample for a power
 * that is compared with 0.8 and turned into a whole number of seeds.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/**
 * P(T ≤ t) for T noncentral t with `df` degrees of freedom and noncentrality `ncp`: T = (Z + ncp) / S with
 * S = √(χ²_df / df), so P(T ≤ t) = E_S[Φ(t·S − ncp)]. The expectation is integrated over S's density with
 * Simpson's rule on [0, 1 + 14/√(2·df) + 1]: S has mean ≈ 1 and sd ≈ 1/√(2·df), so the cut-off leaves out a
 * negligible tail for every df ≥ 1.
 */
export function noncentralTCdf(t: number, df: number, ncp: number): number {
  if (!(df > 0 && Number.isFinite(df)))
    throw new RangeError(`noncentralTCdf: df must be finite and > 0, got ${df}`);
  const k = df / 2;
  // log density of S: log 2 + k log k − lnΓ(k) + (df − 1) log s − k s²
  const logC = Math.log(2) + k * Math.log(k) - lnGamma(k);
  const density = (s: number): number =>
    s <= 0 ? (df === 1 ? Math.exp(logC) : 0) : Math.exp(logC + (df - 1) * Math.log(s) - k * s * s);
  const hi = 2 + 14 / Math.sqrt(2 * df);
  const steps = 4000; // even
  const h = hi / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const s = i * h;
    const w = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * density(s) * normalCdf(t * s - ncp);
  }
  return Math.min(1, Math.max(0, (sum * h) / 3));
}

export type TTestDesign = 'paired' | 'two-sample';

export interface PowerQuery {
  /** The difference to detect (same units as sd). */
  effect: number;
  /** paired: sd of the per-seed differences; two-sample: the common sd of each group's values. */
  sd: number;
  /** Two-sided significance level; default 0.05. */
  alpha?: number;
  design: TTestDesign;
}

/**
 * Power of the two-sided t-test with n seeds (paired: n pairs, df = n − 1, ncp = (effect/sd)·√n; two-sample: n per
 * group, df = 2n − 2, ncp = (effect/sd)·√(n/2)).
 */
export function tTestPower(n: number, q: PowerQuery): number {
  const alpha = q.alpha ?? 0.05;
  if (!(n >= 2)) return NaN;
  const paired = q.design === 'paired';
  const df = paired ? n - 1 : 2 * n - 2;
  const d = Math.abs(q.effect) / q.sd;
  const ncp = paired ? d * Math.sqrt(n) : d * Math.sqrt(n / 2);
  const crit = tQuantile(1 - alpha / 2, df);
  return 1 - noncentralTCdf(crit, df, ncp) + noncentralTCdf(-crit, df, ncp);
}

/**
 * The smallest number of seeds (pairs, or runs per head) at which the test reaches `power` (default 0.8) for `effect`
 * at the given sd. null when sd is not a finite positive number (fewer than two values: nothing observed) or when
 * more than `max` seeds would be needed. An sd of 0 needs the minimum, 2.
 */
export function seedsNeeded(q: PowerQuery & { power?: number; max?: number }): number | null {
  const target = q.power ?? 0.8;
  const max = q.max ?? 100_000;
  if (!Number.isFinite(q.sd) || q.sd < 0 || !(Math.abs(q.effect) > 0)) return null;
  if (q.sd === 0) return 2;
  // Start from the normal approximation, then walk to the exact answer (power is increasing in n).
  const alpha = q.alpha ?? 0.05;
  const z = (p: number): number => tQuantile(p, 1e9);
  const d = Math.abs(q.effect) / q.sd;
  const approx = ((z(1 - alpha / 2) + z(target)) / d) ** 2 * (q.design === 'paired' ? 1 : 2);
  if (!Number.isFinite(approx) || approx > 4 * max) return null;
  let n = Math.max(2, Math.ceil(approx));
  while (n > 2 && tTestPower(n - 1, q) >= target) n--;
  while (tTestPower(n, q) < target) {
    n++;
    if (n > max) return null;
  }
  return n;
}
