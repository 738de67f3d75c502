import {
  median,
  seedsNeeded,
  summarize,
  versusBaseline,
  versusBaselinePaired,
  verdictTest,
  type BaselineComparison,
} from '../stats/index.js';

/** What the summary needs of a stored run: a projection of the runs/epochs tables. */
export interface RunView {
  dataset: string;
  model: string;
  head: string;
  seed: number;
  status: 'ok' | 'diverged' | 'failed';
  valAcc: number | null;
  testAcc: number | null;
  ece: number | null;
  secondsPerEpoch: number | null;
  valCurve: number[];
  repr?: Record<string, number> | null;
}

export interface Interval {
  mean: number;
  /** Student-t 95% interval; null below two values (one value has no spread to estimate, so no interval). */
  ci: [number, number] | null;
  n: number;
}

/** The two tests of a head against the baseline on the same runs. */
export type TestKind = 'paired' | 'welch';

export interface TestResult {
  /** Interval for Δ (Welch's, or the paired t interval of the per-seed differences). */
  ci: [number, number];
  p: number;
  /** Holm-adjusted across the heads of the dataset × model tested with the same test. */
  pHolm: number;
}

export interface PairedTestResult extends TestResult {
  /** Seeds present for both the head and the baseline. */
  pairs: number;
  /** Sample sd of the per-seed differences. */
  sdDiff: number;
  /** head − baseline for each paired seed, in seed order. */
  differences: { seed: number; diff: number }[];
}

export interface CompareRow {
  dataset: string;
  model: string;
  head: string;
  baseline: boolean;
  n: number;
  diverged: number;
  failed: number;
  valAcc: Interval;
  testAcc: Interval | null;
  /**
   * Δ of the selection metric (test accuracy when present, else validation) against the baseline head. `ci`, `p` and
   * `pHolm` are those of `test`, the test the verdict uses; both tests are kept in `welch` and `paired`.
   */
  delta: {
    metric: 'test' | 'val';
    mean: number;
    ci: [number, number];
    p: number;
    pHolm: number;
    verdict: string;
    test: TestKind;
    welch: TestResult;
    /** null when the head shares fewer than two seeds with the baseline. */
    paired: PairedTestResult | null;
  } | null;
  convergence: { meanValAcc: number; epochsToTarget: number | null; reachedTarget: number; target: number };
  ece: Interval | null;
  secondsPerEpoch: number;
  repr: Record<string, Interval> | null;
  /** Each representation metric against the baseline head's: Welch, Holm across the heads of the dataset × model. */
  reprDelta: Record<string, BaselineComparison> | null;
}

/** Per dataset × model: which test its verdicts use, and how many seeds a 0.2-point difference needs. */
export interface PanelSummary {
  dataset: string;
  model: string;
  /**
   * paired when every tested head's seeds are all among the baseline's (runs of a grid share seeds, and a seed fixes
   * the body's initialisation and batch order, so a − b per seed removes most of the seed noise); else welch.
   */
  verdictTest: TestKind;
  power: PowerLine;
}

/**
 * Seeds needed for 80% power to detect `effect` (accuracy as a fraction: 0.002 = 0.2 points) at the observed spread,
 * two-sided at α = 0.05/m with m the number of heads tested: Holm's strictest step, which the smallest p must pass.
 */
export interface PowerLine {
  effect: number;
  alpha: number;
  power: number;
  /** Typical sd of the per-seed differences to the baseline (√ of the median variance over heads), and seeds needed. */
  paired: { sd: number; seeds: number | null } | null;
  /** Typical within-head sd (√ of the median variance over every head, the baseline included), and seeds per head. */
  welch: { sd: number; seeds: number | null } | null;
}

/** The difference the power line is about: 0.2 accuracy points. */
export const POWER_EFFECT = 0.002;

export interface SummaryOptions {
  baseline: string;
  alpha?: number;
  /** Absolute validation accuracy that counts as converged; default 99% of the baseline's mean final accuracy. */
  targetAcc?: number;
}

export function interval(xs: number[]): Interval {
  const s = summarize(xs);
  return { mean: s.mean, ci: s.n >= 2 ? s.ci : null, n: s.n };
}

function finite(xs: Array<number | null | undefined>): number[] {
  return xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

function epochsToReach(curve: number[], target: number): number | null {
  const i = curve.findIndex((a) => a >= target);
  return i < 0 ? null : i + 1;
}

/**
 * One row per (dataset, model, head). Diverged and failed runs are counted, not averaged: their accuracy is not a
 * draw from the same distribution, and silently dropping them would flatter a head, so the count is shown.
 */
export function summarizeRuns(runs: RunView[], opts: SummaryOptions): CompareRow[] {
  return summarizeGrid(runs, opts).rows;
}

/** The rows, and per dataset × model the test its verdicts use and the power line. */
export function summarizeGrid(
  runs: RunView[],
  opts: SummaryOptions,
): { rows: CompareRow[]; panels: PanelSummary[] } {
  const alpha = opts.alpha ?? 0.05;
  const panels: PanelSummary[] = [];
  const groups = new Map<string, RunView[]>();
  for (const r of runs) {
    const k = `${r.dataset}\u0000${r.model}`;
    const list = groups.get(k) ?? [];
    list.push(r);
    groups.set(k, list);
  }
  const rows: CompareRow[] = [];
  for (const groupRuns of groups.values()) {
    const byHead = new Map<string, RunView[]>();
    for (const r of groupRuns) {
      const list = byHead.get(r.head) ?? [];
      list.push(r);
      byHead.set(r.head, list);
    }
    const ok = (rs: RunView[]) => rs.filter((r) => r.status === 'ok');
    const baseRuns = ok(byHead.get(opts.baseline) ?? []);
    const useTest = groupRuns.some((r) => r.testAcc !== null && r.status === 'ok');
    const metricOf = (r: RunView) => (useTest ? r.testAcc : r.valAcc);
    const baseFinalVal = finite(baseRuns.map((r) => r.valAcc));
    const target =
      opts.targetAcc ??
      (baseFinalVal.length > 0
        ? 0.99 * (baseFinalVal.reduce((a, b) => a + b, 0) / baseFinalVal.length)
        : NaN);

    const groupRows: CompareRow[] = [];
    const accuracyByHead = new Map<string, number[]>();
    const accuracyBySeed = new Map<string, Map<number, number>>();
    for (const [head, all] of [...byHead.entries()].sort((a, b) => headOrder(a[0], b[0], opts.baseline))) {
      const good = ok(all);
      const curves = good.map((r) => r.valCurve).filter((c) => c.length > 0);
      const reach = curves.map((c) => epochsToReach(c, target));
      const reached = reach.filter((x): x is number => x !== null);
      const testAccs = finite(good.map((r) => r.testAcc));
      const eces = finite(good.map((r) => r.ece));
      const row: CompareRow = {
        dataset: all[0].dataset,
        model: all[0].model,
        head,
        baseline: head === opts.baseline,
        n: good.length,
        diverged: all.filter((r) => r.status === 'diverged').length,
        failed: all.filter((r) => r.status === 'failed').length,
        valAcc: interval(finite(good.map((r) => r.valAcc))),
        testAcc: testAccs.length > 0 ? interval(testAccs) : null,
        delta: null,
        convergence: {
          meanValAcc: mean(curves.map((c) => mean(c))),
          epochsToTarget: reached.length > 0 ? mean(reached) : null,
          reachedTarget: reached.length,
          target,
        },
        ece: eces.length > 0 ? interval(eces) : null,
        secondsPerEpoch: mean(finite(good.map((r) => r.secondsPerEpoch))),
        repr: reprIntervals(good),
        reprDelta: null,
      };
      accuracyByHead.set(head, finite(good.map(metricOf)));
      const bySeed = new Map<number, number>();
      for (const r of good) {
        const v = metricOf(r);
        if (typeof v === 'number' && Number.isFinite(v)) bySeed.set(r.seed, v);
      }
      accuracyBySeed.set(head, bySeed);
      groupRows.push(row);
    }
    const welchTests = versusBaseline(accuracyByHead, opts.baseline);
    const pairedTests = versusBaselinePaired(accuracyBySeed, opts.baseline);
    const verdict = verdictTest(welchTests, pairedTests);
    for (const row of groupRows) {
      const w = welchTests.get(row.head);
      if (!w) continue;
      const pt = pairedTests.get(row.head);
      const welch: TestResult = { ci: w.ci, p: w.p, pHolm: w.pHolm };
      const paired: PairedTestResult | null = pt
        ? {
            ci: pt.ci,
            p: pt.p,
            pHolm: pt.pHolm,
            pairs: pt.pairs,
            sdDiff: pt.sdDiff,
            differences: pt.differences,
          }
        : null;
      const used = verdict === 'paired' && paired ? paired : welch;
      // Equal on paper for both tests (mean of differences = difference of means); in floats, the verdict test's.
      const mean = verdict === 'paired' && pt ? pt.delta : w.delta;
      row.delta = {
        metric: useTest ? 'test' : 'val',
        mean,
        ci: used.ci,
        p: used.p,
        pHolm: used.pHolm,
        verdict:
          used.pHolm < alpha
            ? mean > 0
              ? 'better than baseline'
              : 'worse than baseline'
            : 'no significant difference',
        test: verdict,
        welch,
        paired,
      };
    }
    panels.push({
      dataset: groupRows[0]?.dataset ?? groupRuns[0].dataset,
      model: groupRows[0]?.model ?? groupRuns[0].model,
      verdictTest: verdict,
      power: powerLine(
        accuracyByHead,
        [...pairedTests.values()].map((c) => c.sdDiff),
        welchTests.size,
        alpha,
      ),
    });
    attachReprDeltas(groupRows, byHead, opts.baseline);
    rows.push(...groupRows);
  }
  return { rows, panels };
}

/**
 * The spread of a typical head: √ of the median of the variances. A mean would let one erratic head (a rule at chance
 * level, or one that diverges in some seeds) set the line for a grid whose other heads are tight.
 */
function typicalSd(variances: number[]): number {
  return Math.sqrt(median(variances) ?? NaN);
}

/**
 * The power line of one panel: `valuesByHead` every head's values (the baseline's included), `pairedSds` the sd of
 * each tested head's per-seed differences, `tested` the number of heads in the Holm family.
 */
export function powerLine(
  valuesByHead: ReadonlyMap<string, number[]>,
  pairedSds: number[],
  tested: number,
  alpha: number,
): PowerLine {
  const a = alpha / Math.max(1, tested);
  const target = 0.8;
  const variances = [...valuesByHead.values()]
    .filter((xs) => xs.length >= 2)
    .map((xs) => summarize(xs).sd ** 2);
  const welchSd = typicalSd(variances);
  const pairedSd = typicalSd(pairedSds.map((sd) => sd * sd));
  const seeds = (sd: number, design: 'paired' | 'two-sample') =>
    seedsNeeded({ effect: POWER_EFFECT, sd, alpha: a, power: target, design });
  return {
    effect: POWER_EFFECT,
    alpha: a,
    power: target,
    paired: Number.isFinite(pairedSd) ? { sd: pairedSd, seeds: seeds(pairedSd, 'paired') } : null,
    welch: Number.isFinite(welchSd) ? { sd: welchSd, seeds: seeds(welchSd, 'two-sample') } : null,
  };
}

/** Stored with the representation metrics but a setting the run chose (the probe's L2), not a measurement to test. */
const REPR_SETTINGS = new Set(['probeLambda']);

export function isReprSetting(key: string): boolean {
  return REPR_SETTINGS.has(key);
}

function attachReprDeltas(rows: CompareRow[], byHead: Map<string, RunView[]>, baseline: string): void {
  const keys = new Set(rows.flatMap((r) => Object.keys(r.repr ?? {})).filter((k) => !isReprSetting(k)));
  for (const key of keys) {
    const values = new Map(
      [...byHead].map(([head, runs]) => [
        head,
        finite(runs.filter((r) => r.status === 'ok').map((r) => r.repr?.[key])),
      ]),
    );
    for (const [head, c] of versusBaseline(values, baseline)) {
      const row = rows.find((r) => r.head === head)!;
      row.reprDelta = { ...row.reprDelta, [key]: c };
    }
  }
}

function headOrder(a: string, b: string, baseline: string): number {
  if (a === baseline) return -1;
  if (b === baseline) return 1;
  return a.localeCompare(b);
}

function mean(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function reprIntervals(runs: RunView[]): Record<string, Interval> | null {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.repr ?? {})) keys.add(k);
  if (keys.size === 0) return null;
  const out: Record<string, Interval> = {};
  for (const k of [...keys].sort()) out[k] = interval(finite(runs.map((r) => r.repr?.[k])));
  return out;
}
