// The one wire format of training work: what a worker is asked to train and what it reports while it does.
import type { Device } from '../engine/index.js';
import type { HeadRef } from '../heads/index.js';
import { headRefOf, runKey, type EpochRecord, type RunConfig, type RunResult } from '../train/config.js';

export { headRefOf };

export type { HeadRef };

export interface TrainJob {
  /** runKey of the (first) run: idempotent, so it doubles as a queue's job id. */
  id: string;
  /** Everything but the head; the head fields of `cfg` are overwritten per head by configFor(). */
  cfg: RunConfig;
  /**
   * The heads to train on this body, data order and seed: one today; K > 1 is a population job, whose members share
   * init and batches.
   */
  heads: HeadRef[];
}

export type JobEvent =
  | { type: 'started'; jobId: string; slot: number; device: Device; pid: number }
  | { type: 'epoch'; jobId: string; head: number; epochs: number; record: EpochRecord }
  | { type: 'finished'; jobId: string; results: RunResult[] };

/** A one-head job for a run config. */
export function jobOf(cfg: RunConfig): TrainJob {
  return { id: runKey(cfg), cfg, heads: [headRefOf(cfg)] };
}

/** The run config of the job's i-th head: what its result carries and what the store keys it by. */
export function configFor(job: TrainJob, i: number): RunConfig {
  const ref = job.heads[i];
  if (!ref) throw new RangeError(`job ${job.id} has ${job.heads.length} heads, not ${i + 1}`);
  const { head: _head, headParams: _params, candidate: _candidate, ...rest } = job.cfg;
  if (ref.kind === 'registry')
    return { ...rest, head: ref.id, ...(ref.params ? { headParams: ref.params } : {}) };
  const candidate = { space: ref.space, expr: ref.expr, ...(ref.params ? { params: ref.params } : {}) };
  return { ...rest, head: ref.id, candidate };
}

/** What a run that never reported becomes when it has to be recorded anyway. */
export function failedResult(cfg: RunConfig, error: string): RunResult {
  return { config: cfg, status: 'failed', error, epochs: [], final: { valAcc: NaN, secondsPerEpoch: NaN } };
}
