import type { Candidate } from './types.js';
import type { Rung } from './study.js';
import type { RunResult } from '../train/config.js';

export type TrialState = 'queued' | 'running' | 'complete' | 'pruned' | 'failed' | 'rejected';

/** A trial is finished when nothing more will run for it in this study (pruned trials may still be promoted by ASHA). */
export const FINISHED_STATES: ReadonlySet<TrialState> = new Set<TrialState>([
  'complete',
  'pruned',
  'failed',
  'rejected',
]);

export type RejectReason = 'parse' | 'non-finite' | 'constant-in-z' | 'wrong-sign' | 'toy-task' | 'duplicate';
export const REJECT_REASONS: readonly RejectReason[] = [
  'parse',
  'non-finite',
  'constant-in-z',
  'wrong-sign',
  'toy-task',
  'duplicate',
];

/** One rung's measurement, as stored in trial_rungs and in trials.metrics. Validation numbers only. */
export interface RungMetrics {
  status: 'ok' | 'diverged' | 'failed';
  valAcc: number | null;
  /** Convergence speed: validation accuracy after the first epoch of this rung. */
  speed: number | null;
  seconds: number;
  error?: string;
}

export interface TrialMetrics {
  /** Per rung reached, keyed by rung index. */
  rungs: Record<string, RungMetrics>;
  /** What the reject filter said, for rejected trials. */
  reject?: string;
  /** Set on the study's baseline trial (number BASELINE_NUMBER): the registry head it trains. */
  baseline?: string;
  /** The trials an evolved candidate was bred from (the family tree the dashboard draws). */
  parents?: number[];
}

/** What the driver sends a worker: one trial at one rung. */
export interface TrialJob {
  /** Trial number (the study's sequence), used as the job id. */
  number: number;
  rung: number;
  space: string;
  /** Absent for the study's baseline, which trains the registry head `headId` (softmax-ce). */
  candidate?: Candidate;
  headId: string;
  ladderRung: Rung;
  trainSeed: number;
  valFraction: number;
  evalLimit?: number;
}

export function rungMetricsOf(result: RunResult): RungMetrics {
  const first = result.epochs[0];
  const m: RungMetrics = {
    status: result.status,
    valAcc: Number.isFinite(result.final.valAcc) ? result.final.valAcc : null,
    speed: first && Number.isFinite(first.valAcc) ? first.valAcc : null,
    seconds: result.epochs.reduce((s, e) => s + e.seconds, 0),
  };
  if (result.error) m.error = result.error;
  return m;
}

/**
 * The objective vector of a rung (maximised), or null when the rung cannot be ranked. A diverged run counts as a
 * failure for promotion and selection: its accuracy is that of a broken model, whatever epoch it broke in.
 */
export function objectiveValues(m: RungMetrics, objectives: readonly string[]): number[] | null {
  if (m.status !== 'ok' || m.valAcc === null) return null;
  return objectives.map((o) => (o === 'speed' ? (m.speed ?? 0) : m.valAcc!));
}
