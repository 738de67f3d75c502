import { holm, welchT } from './summary.js';

export interface BaselineComparison {
  /** Values in the compared group. */
  n: number;
  /** mean(group) − mean(baseline). */
  delta: number;
  /** Welch interval for delta. */
  ci: [number, number];
  /** Welch's two-sided p-value. */
  p: number;
  /** Holm-adjusted across every group compared with the same baseline. */
  pHolm: number;
}

/**
 * Welch's t-test of every group against the baseline group, Holm-corrected across the groups tested: the convention
 * of the accuracy tables, applied to any per-seed measure (a representation metric, an epoch's accuracy).
 * Groups (and a baseline) with fewer than two values are not tested and are absent from the result. A test whose
 * p-value is undefined (both groups constant and equal) counts as p = 1 rather than being dropped from the family.
 */
export function versusBaseline(
  groups: ReadonlyMap<string, readonly number[]>,
  baseline: string,
  level = 0.95,
): Map<string, BaselineComparison> {
  const out = new Map<string, BaselineComparison>();
  const base = groups.get(baseline);
  if (!base || base.length < 2) return out;
  const tested: [string, BaselineComparison][] = [];
  for (const [name, values] of groups) {
    if (name === baseline || values.length < 2) continue;
    const w = welchT(values, base, level);
    tested.push([
      name,
      { n: values.length, delta: w.diff, ci: w.ci, p: Number.isFinite(w.p) ? w.p : 1, pHolm: NaN },
    ]);
  }
  const adjusted = holm(tested.map(([, c]) => c.p));
  tested.forEach(([name, c], i) => out.set(name, { ...c, pHolm: adjusted[i] }));
  return out;
}
