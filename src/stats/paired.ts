import { holm } from './summary.js';
import { tQuantile, tTwoSided } from './special.js';
import type { BaselineComparison } from './baseline.js';

export interface PairedResult {
  /** Number of pairs. */
  n: number;
  /** mean(a − b). */
  diff: number;
  /** Sample sd of the differences (n − 1). */
  sd: number;
  /** Standard error of diff. */
  se: number;
  t: number;
  /** n − 1. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  /** Student-t interval for diff at `level`. */
  ci: [number, number];
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/**
 * Paired t-test of mean(a − b) = 0 (a[i] and b[i] are one pair), two-sided. A one-sample t-test on the differences:
 * with seeds that fix the body's initialisation and the batch order, most of the seed-to-seed spread cancels in a − b,
 * which is why it has more power than Welch's test on the same runs.
 * n < 2: everything NaN except diff (and n). Constant differences (se = 0): p = 1 if they are 0, else 0.
 */
export function pairedT(a: readonly number[], b: readonly number[], level = 0.95): PairedResult {
  checkLevel(level);
  if (a.length !== b.length) throw new RangeError(`pairedT: a has ${a.length} values, b has ${b.length}`);
  const n = a.length;
  const d = a.map((x, i) => x - b[i]);
  const diff = n > 0 ? d.reduce((s, x) => s + x, 0) / n : NaN;
  if (n < 2) return { n, diff, sd: NaN, se: NaN, t: NaN, df: NaN, p: NaN, ci: [NaN, NaN] };
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - diff) * (x - diff), 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  if (se === 0) {
    const t = diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity;
    return { n, diff, sd, se, t, df, p: diff === 0 ? 1 : 0, ci: [diff, diff] };
  }
  const t = diff / se;
  const half = tQuantile(0.5 + level / 2, df) * se;
  return { n, diff, sd, se, t, df, p: tTwoSided(t, df), ci: [diff - half, diff + half] };
}

export interface PairedComparison extends BaselineComparison {
  /** Pairs used: the seeds both the group and the baseline have. */
  pairs: number;
  /** Sample sd of the per-seed differences. */
  sdDiff: number;
  /** The group's values that found no partner in the baseline (and so are left out of this test). */
  unpaired: number;
  /** group − baseline for each paired seed, in seed order: what the test is computed from. */
  differences: { seed: number; diff: number }[];
}

/**
 * The paired counterpart of versusBaseline: each group's values keyed by seed are paired with the baseline's values of
 * the same seed, tested with pairedT and Holm-corrected across the groups tested. Groups with fewer than two pairs are
 * not tested and are absent from the result; an undefined p (all differences 0) counts as p = 1.
 */
export function versusBaselinePaired(
  groups: ReadonlyMap<string, ReadonlyMap<number, number>>,
  baseline: string,
  level = 0.95,
): Map<string, PairedComparison> {
  const out = new Map<string, PairedComparison>();
  const base = groups.get(baseline);
  if (!base) return out;
  const tested: [string, PairedComparison][] = [];
  for (const [name, bySeed] of groups) {
    if (name === baseline) continue;
    const seeds = [...bySeed.keys()].filter((s) => base.has(s)).sort((x, y) => x - y);
    if (seeds.length < 2) continue;
    const r = pairedT(
      seeds.map((s) => bySeed.get(s)!),
      seeds.map((s) => base.get(s)!),
      level,
    );
    tested.push([
      name,
      {
        n: bySeed.size,
        delta: r.diff,
        ci: r.ci,
        p: Number.isFinite(r.p) ? r.p : 1,
        pHolm: NaN,
        pairs: r.n,
        sdDiff: r.sd,
        unpaired: bySeed.size - seeds.length,
        differences: seeds.map((s) => ({ seed: s, diff: bySeed.get(s)! - base.get(s)! })),
      },
    ]);
  }
  const adjusted = holm(tested.map(([, c]) => c.p));
  tested.forEach(([name, c], i) => out.set(name, { ...c, pHolm: adjusted[i] }));
  return out;
}

/**
 * The test a family of verdicts uses: the paired test when every group that Welch's test can compare is paired with
 * the baseline on all its seeds (the design of a grid: every head runs the same seeds), Welch's otherwise. One test for
 * the whole family, so that one Holm correction decides every verdict.
 */
export function verdictTest(
  welch: ReadonlyMap<string, unknown>,
  paired: ReadonlyMap<string, PairedComparison>,
): 'paired' | 'welch' {
  if (welch.size === 0) return 'welch';
  for (const name of welch.keys()) {
    const p = paired.get(name);
    if (p === undefined || p.unpaired > 0) return 'welch';
  }
  return 'paired';
}
