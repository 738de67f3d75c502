/** Row and input types of the store. JSON columns are parsed on read; callers choose their shape via type parameters. */

export type RunStatus = 'ok' | 'diverged' | 'failed';
export type TrialState = 'queued' | 'running' | 'complete' | 'pruned' | 'failed' | 'rejected';
export const TRIAL_STATES: readonly TrialState[] = [
  'queued',
  'running',
  'complete',
  'pruned',
  'failed',
  'rejected',
];

/** The part of a run config the store indexes; the whole config is stored as JSON. */
export interface RunConfigLike {
  dataset: string;
  model: string;
  head: string;
  seed: number;
}

export interface EpochInput {
  epoch: number;
  trainLoss: number;
  valAcc: number;
  testAcc?: number;
  seconds: number;
}

/** train's RunResult (docs/dev/contracts.md), as far as the store reads it. */
export interface RunResultLike {
  config: RunConfigLike;
  status: RunStatus;
  divergedEpoch?: number;
  error?: string;
  epochs: EpochInput[];
  final: {
    valAcc: number;
    testAcc?: number;
    ece?: number;
    secondsPerEpoch: number;
    repr?: Record<string, number>;
    features?: FeatureSketch;
  };
}

/**
 * The body's features on the first `rows` test examples, float32 little-endian, base64 (it crosses the worker IPC
 * as JSON). Stored in `run_features`; cross-head CKA reads it.
 */
export interface FeatureSketch {
  rows: number;
  cols: number;
  base64: string;
}

/** Linear CKA between the features of two runs (run_a < run_b), on `examples` test examples. */
export interface CkaRow {
  runA: number;
  runB: number;
  examples: number;
  value: number | null;
}

/** A run row to insert or replace (matched by `key`). Non-finite numbers are stored as NULL. */
export interface RunInput {
  key: string;
  grid?: string | null;
  dataset: string;
  model: string;
  head: string;
  seed: number;
  config: object;
  status: RunStatus;
  divergedEpoch?: number | null;
  error?: string | null;
  valAcc?: number | null;
  testAcc?: number | null;
  ece?: number | null;
  secondsPerEpoch?: number | null;
  repr?: Record<string, number> | null;
  command?: string | null;
  machine?: string | null;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface SaveRunInput {
  key: string;
  grid?: string | null;
  result: RunResultLike;
  command?: string | null;
  machine?: string | null;
  /** When its job started; default (no start was seen): finishedAt minus the summed epoch seconds. */
  startedAt?: string;
  /** Default: now. */
  finishedAt?: string;
}

export interface RunRecord<C = Record<string, unknown>> {
  id: number;
  key: string;
  grid: string | null;
  dataset: string;
  model: string;
  head: string;
  seed: number;
  config: C;
  status: RunStatus;
  divergedEpoch: number | null;
  error: string | null;
  valAcc: number | null;
  testAcc: number | null;
  ece: number | null;
  secondsPerEpoch: number | null;
  repr: Record<string, number> | null;
  command: string | null;
  machine: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** An epoch as stored: train's EpochRecord plus the run id. NULL reads back as NaN (testAcc: absent). */
export interface EpochRecordRow {
  runId: number;
  epoch: number;
  trainLoss: number;
  valAcc: number;
  testAcc?: number;
  seconds: number;
}

export interface RunFilter {
  grid?: string;
  dataset?: string;
  model?: string;
  head?: string;
  status?: RunStatus | RunStatus[];
  keys?: string[];
}

export interface StudyRow {
  id: number;
  name: string;
  space: string;
  /** JSON text as the caller wrote it (the search reads its own study config back verbatim on resume). */
  config: string;
  createdAt: string;
}

export interface TrialInput {
  /** Default: the study's next number (max + 1, from 0), assigned in the same transaction. */
  number?: number;
  expr: string;
  params?: unknown;
  hash?: string | null;
  /** Default 'queued'. */
  state?: TrialState;
  rejectReason?: string | null;
  /** Default 0. */
  rung?: number;
  metrics?: unknown;
  seed: number;
}

export interface TrialRecord<M = unknown, P = unknown, R extends string = string> {
  id: number;
  studyId: number;
  number: number;
  expr: string;
  params: P | null;
  hash: string | null;
  state: TrialState;
  rejectReason: R | null;
  rung: number;
  metrics: M | null;
  seed: number;
  createdAt: string;
  updatedAt: string;
}

export interface TrialPatch {
  state?: TrialState;
  rung?: number;
  /** undefined keeps the stored metrics; null clears them. */
  metrics?: unknown;
  rejectReason?: string | null;
}

/** What a rung row needs; val_acc, speed and seconds are copied into their own columns, the rest kept as JSON. */
export interface RungMetricsLike {
  valAcc?: number | null;
  speed?: number | null;
  seconds?: number | null;
}

export interface RungInput {
  trialId: number;
  rung: number;
  metrics: RungMetricsLike;
}

export interface RungRecord<M = RungMetricsLike> {
  trialId: number;
  rung: number;
  valAcc: number | null;
  speed: number | null;
  seconds: number | null;
  metrics: M;
}

export interface JobEventInput {
  jobId: string;
  runKey?: string;
  grid?: string;
  type: string;
  epoch?: number;
  payload: unknown;
}

export interface JobEventRow {
  id: number;
  jobId: string;
  runKey: string | null;
  grid: string | null;
  type: string;
  epoch: number | null;
  payload: unknown;
  at: string;
}
