import { createHash } from 'node:crypto';
import type { HeadRef } from '../heads/index.js';
import type { FeatureEnd } from '../nn/models/index.js';
import type { RecipeConfig } from './recipes.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adadelta';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  [hyper: string]: number | string | boolean;
}

export interface RunConfig {
  dataset: string;
  model: string;
  head: string;
  headParams?: Record<string, number>;
  /** A search candidate's formula (confirmation and search runs): `head` is then its name, `<study>#<trial>`. */
  candidate?: { space: string; expr: string; params?: number[] };
  seed: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerConfig;
  /**
   * 'linear': the body ends at its last Linear layer, without the activation and dropout after it (nn/models/features.ts).
   * Absent: the model's own features, and the run key of configs from before the option existed.
   */
  features?: FeatureEnd;
  trainLimit?: number;
  valFraction: number;
  /** Where the run trains and evaluates; fit() fails (never falls back to the CPU) when the engine cannot use it. */
  device: 'cpu' | 'cuda';
  threads?: number;
  /**
   * Validation examples evaluated each epoch (the first N of the split, which is a seeded random carve); all when
   * unset. Final test accuracy is always on the whole test set.
   */
  evalLimit?: number;
  /** Test accuracy is a final/confirmation number: computed only when asked. */
  evalTest: boolean;
  repr?: boolean;
  /** Restricts training to these classes (relabelled 0..k−1): the transfer-to-unseen-classes experiment. */
  classes?: number[];
  /**
   * A training recipe beyond the optimizer (train/recipes.ts): its name, lr schedule and augmentation. Absent: constant
   * lr, no augmentation (the reference settings), and the run key of configs from before recipes existed.
   */
  recipe?: RecipeConfig;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valAcc: number;
  testAcc?: number;
  seconds: number;
}

export type RunStatus = 'ok' | 'diverged' | 'failed';

export interface RunResult {
  config: RunConfig;
  status: RunStatus;
  /**
   * Where it trained (exec/machine.ts: host, cores, CPU, BLAS and core type, libtorch version), stamped by the worker
   * that ran it, so a run trained on a queue worker is not credited to the driver's machine.
   */
  machine?: string;
  divergedEpoch?: number;
  error?: string;
  epochs: EpochRecord[];
  final: {
    valAcc: number;
    testAcc?: number;
    ece?: number;
    secondsPerEpoch: number;
    repr?: Record<string, number>;
    /** The body's features on the first test examples (for cross-head CKA); only with repr. */
    features?: FeatureSketch;
  };
}

/** A rows × cols float32 matrix, little-endian, base64: it crosses the worker IPC as JSON. */
export interface FeatureSketch {
  rows: number;
  cols: number;
  base64: string;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * Config fields that say which head a run trains: the registry id, its parameters, or (confirmation runs) the search
 * candidate's formula. Two runs that differ only in these are the same experiment with another head.
 */
export const HEAD_FIELDS = ['head', 'headParams', 'candidate'] as const;

/** Identity of a run's experiment, head aside (seed included): runs sharing it differ only in the head. */
export function experimentKey(cfg: RunConfig): string {
  const rest: Record<string, unknown> = { ...cfg };
  for (const f of HEAD_FIELDS) delete rest[f];
  return runKey(rest as unknown as RunConfig);
}

/**
 * Identity of a run for resume and dedupe. Threads are left out on purpose: they change speed, not the
 * experiment, so a grid resumed with another --threads still skips its finished runs.
 */
export function runKey(cfg: RunConfig): string {
  const { threads: _threads, ...rest } = cfg;
  return createHash('sha1')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex')
    .slice(0, 16);
}

/** The head a run config names, as a reference a worker can resolve. */
export function headRefOf(cfg: RunConfig): HeadRef {
  if (cfg.candidate) {
    const { space, expr, params } = cfg.candidate;
    return { kind: 'candidate', id: cfg.head, space, expr, ...(params ? { params } : {}) };
  }
  return { kind: 'registry', id: cfg.head, ...(cfg.headParams ? { params: cfg.headParams } : {}) };
}
