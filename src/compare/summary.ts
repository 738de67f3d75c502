import { summarize, versusBaseline, type BaselineComparison } from '../stats/index.js';

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
  ci: [number, number];
  n: number;
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
  /** Δ of the selection metric (test accuracy when present, else validation) against the baseline head. */
  delta: {
    metric: 'test' | 'val';
    mean: number;
    ci: [number, number];
    p: number;
    pHolm: number;
    verdict: string;
  } | null;
  convergence: { meanValAcc: number; epochsToTarget: number | null; reachedTarget: number; target: number };
  ece: Interval | null;
  secondsPerEpoch: number;
  repr: Record<string, Interval> | null;
  /** Each representation metric against the baseline head's: Welch, Holm across the heads of the dataset × model. */
  reprDelta: Record<string, BaselineComparison> | null;
}

export interface SummaryOptions {
  baseline: string;
  alpha?: number;
  /** Absolute validation accuracy that counts as converged; default 99% of the baseline's mean final accuracy. */
  targetAcc?: number;
}

function interval(xs: number[]): Interval {
  const s = summarize(xs);
  return { mean: s.mean, ci: s.ci, n: s.n };
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
  const alpha = opts.alpha ?? 0.05;
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
      groupRows.push(row);
    }
    const accuracyTests = versusBaseline(accuracyByHead, opts.baseline);
    for (const row of groupRows) {
      const t = accuracyTests.get(row.head);
      if (!t) continue;
      row.delta = {
        metric: useTest ? 'test' : 'val',
        mean: t.delta,
        ci: t.ci,
        p: t.p,
        pHolm: t.pHolm,
        verdict:
          t.pHolm < alpha
            ? t.delta > 0
              ? 'better than baseline'
              : 'worse than baseline'
            : 'no significant difference',
      };
    }
    attachReprDeltas(groupRows, byHead, opts.baseline);
    rows.push(...groupRows);
  }
  return rows;
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
