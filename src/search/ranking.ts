// How a study's trials are scored and ranked: by the highest rung each trial completed, then validation Δ against the
// study's own softmax-ce baseline there. Pure (no engine, no store), so the driver, confirm, the report and scripts
// rank the same way.

/**
 * The trial number of a study's baseline: softmax-ce trained at each rung's setting with the study's training seed,
 * stored as a trial (one trial_rungs row per rung) so that it is recorded, resumed and reported like the others.
 * Samplers number candidates from 0, so a negative number never collides with one and never shifts the sequence.
 */
export const BASELINE_NUMBER = -1;
/** The registry head every study is measured against. */
export const BASELINE_HEAD = 'softmax-ce';
/**
 * Promotion gate and confirm guard: a trial more than this far (in accuracy, 0.02 = 2 points) below the baseline at
 * its rung is not promoted, and `confirm` refuses it without --force.
 */
export const DEFAULT_PROMOTION_MARGIN = 0.02;
/**
 * The margin a study ranks and judges with: its gate's, or for a study stored before the gate (promoted ungated) the
 * default, as confirm judges it.
 */
export function studyMargin(config: { promotionMargin?: number }): number {
  return config.promotionMargin ?? DEFAULT_PROMOTION_MARGIN;
}
/** Accuracies are fractions k/n; a Δ exactly at −margin must pass despite float rounding. */
const MARGIN_SLACK = 1e-9;

/** The part of a rung result the ranking reads (RungMetrics and the report's rows both fit). */
export interface RungResultLike {
  status: string;
  valAcc: number | null;
}

/**
 * The baseline's validation accuracy per rung: a number when it trained, null when it failed or diverged (no Δ can be
 * computed there), undefined when it has not been trained (yet).
 */
export type RungBaselines = ReadonlyArray<number | null | undefined>;

export interface TrialScore {
  /** The highest rung the trial has a result for. */
  rung: number;
  status: string;
  /** Validation accuracy there (null when that rung failed). */
  valAcc: number | null;
  /** The baseline's validation accuracy there (null: none usable). */
  baseline: number | null;
  /** valAcc − baseline; null when either is missing or the rung did not finish ok. */
  delta: number | null;
}

export function isBaselineTrial(t: { number: number }): boolean {
  return t.number === BASELINE_NUMBER;
}

/** The baseline trial's rung results as RungBaselines. */
export function baselinesOf(
  rungs: Record<string, RungResultLike> | undefined,
  count: number,
): Array<number | null | undefined> {
  return Array.from({ length: count }, (_, r) => {
    const m = rungs?.[String(r)];
    if (!m) return undefined;
    return m.status === 'ok' && m.valAcc !== null && Number.isFinite(m.valAcc) ? m.valAcc : null;
  });
}

/** Δ of one rung result against the baseline at that rung, or null when it cannot be computed. */
export function rungDelta(m: RungResultLike | undefined, baseline: number | null | undefined): number | null {
  if (!m || m.status !== 'ok' || m.valAcc === null || !Number.isFinite(m.valAcc)) return null;
  if (baseline === null || baseline === undefined) return null;
  return m.valAcc - baseline;
}

/**
 * A trial's score: its Δ at the highest rung it completed. A trial whose highest rung failed or diverged has no Δ:
 * its last, most expensive measurement says it breaks when trained longer, so its lower rungs do not speak for it.
 */
export function trialScore(
  rungs: Record<string, RungResultLike> | undefined,
  baselines: RungBaselines,
): TrialScore | null {
  const done = Object.keys(rungs ?? {})
    .map(Number)
    .filter((r) => Number.isInteger(r));
  if (!rungs || done.length === 0) return null;
  const rung = Math.max(...done);
  const m = rungs[String(rung)]!;
  const ok = m.status === 'ok' && m.valAcc !== null && Number.isFinite(m.valAcc);
  const b = baselines[rung];
  return {
    rung,
    status: m.status,
    valAcc: ok ? m.valAcc : null,
    baseline: b ?? null,
    delta: rungDelta(m, b),
  };
}

/**
 * Ranking class: 0 scored within the margin, 1 scored but more than the margin below the baseline, 2 finished ok but
 * no baseline at its rung, 3 failed or nothing measured.
 */
function rankClass(s: TrialScore | null, margin: number): 0 | 1 | 2 | 3 {
  if (!s || s.valAcc === null) return 3;
  if (s.delta === null) return 2;
  return withinMargin(s.delta, margin) ? 0 : 1;
}

/**
 * Best first. Trials within `margin` of the baseline at their highest rung rank by that rung, highest first, then by
 * Δ there (then trial number): ASHA's result is the best of its top rung, and Optuna never counts a pruned trial as
 * best. A Δ from a low rung is the largest of many noisy one-seed measurements against an undertrained baseline: in
 * delta-4 and loss-4 every confirmed rung-0 lead, +2.4 to +3.5 points, was +0.20 or less after 20 epochs
 * (search-delta.md, search-loss.md). Trials further below the baseline follow, by Δ, so that one an ungated ASHA
 * lifted to the top rung early (studies stored before the gate) does not outrank a good one for being there. Then
 * trials whose rung has no baseline (by rung, then accuracy), and failed trials last. Selection reads validation only.
 */
function compareScored(
  a: { number: number; score: TrialScore | null },
  b: { number: number; score: TrialScore | null },
  margin: number,
): number {
  const ca = rankClass(a.score, margin);
  const cb = rankClass(b.score, margin);
  if (ca !== cb) return ca - cb;
  const sa = a.score;
  const sb = b.score;
  if (ca === 0) return sb!.rung - sa!.rung || sb!.delta! - sa!.delta! || a.number - b.number;
  if (ca === 1) return sb!.delta! - sa!.delta! || sb!.rung - sa!.rung || a.number - b.number;
  if (ca === 2) return sb!.rung - sa!.rung || sb!.valAcc! - sa!.valAcc! || a.number - b.number;
  return a.number - b.number;
}

/** Trials best first (compareScored); `margin` is the study's promotion margin. */
export function rankByScore<T extends { number: number; score: TrialScore | null }>(
  trials: readonly T[],
  margin: number,
): T[] {
  return [...trials].sort((a, b) => compareScored(a, b, margin));
}

/** Is Δ within the margin (not more than `margin` below the baseline)? */
export function withinMargin(delta: number, margin: number): boolean {
  return delta >= -margin - MARGIN_SLACK;
}

/** The lowest accuracy a trial may have at a rung whose baseline scored `baseline` and still be promoted. */
export function promotionFloor(baseline: number | null, margin: number): number {
  return baseline === null ? -Infinity : baseline - margin - MARGIN_SLACK;
}

/** Accuracy points with a sign, e.g. "+0.31", "−2.05" (the Δ columns of every table). */
export function formatPoints(delta: number): string {
  const v = 100 * delta;
  const s = Math.abs(v).toFixed(2);
  return v >= 0 ? `+${s}` : `−${s}`;
}

/**
 * One sentence on the search's best trial against the baseline, in the words the issue asks for: at or near
 * softmax-ce, or plainly that nothing came close.
 */
export function rankingVerdict(
  best: { number: number; score: TrialScore | null } | null,
  margin: number,
  head = BASELINE_HEAD,
): string {
  const pts = (100 * margin).toFixed(margin * 100 === Math.round(margin * 100) ? 0 : 2);
  const s = best?.score ?? null;
  if (!best || !s || s.valAcc === null) return `no trial finished a rung: nothing to compare with ${head}`;
  if (s.delta === null)
    return `no usable ${head} baseline at rung ${s.rung} (not trained yet, or it failed): how close #${best.number} came is unknown`;
  const at = `at rung ${s.rung} (${(100 * s.valAcc).toFixed(2)}% against ${(100 * s.baseline!).toFixed(2)}%, validation, one training seed)`;
  if (s.delta > 0)
    return `#${best.number} is ${formatPoints(s.delta)} points above ${head} ${at}; only confirm can tell whether that holds`;
  if (withinMargin(s.delta, margin))
    return `#${best.number} is within ${pts} points of ${head} (Δ ${formatPoints(s.delta)}) ${at}`;
  return `nothing came within ${pts} points of ${head}: the best, #${best.number}, is ${(-100 * s.delta).toFixed(2)} points below it ${at}`;
}
