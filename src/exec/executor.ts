import type { Device } from '../engine/index.js';
import type { RunResult } from '../train/config.js';
import type { JobEvent, TrainJob } from './job.js';

/** One place a job can run: its device and libtorch threads (and, in a forked slot, the GPU it sees). */
export interface Slot {
  device: Device;
  threads: number;
  /** CUDA_VISIBLE_DEVICES for this slot's process: the one GPU it trains on (forked slots only). */
  visibleDevice?: string;
}

/**
 * Runs training jobs somewhere: in this process, in forked workers, (later) on other machines. A job resolves to its
 * results, or to 'cancelled' when its worker died or the executor was closed before it finished; a cancelled job has
 * produced nothing and may be submitted again.
 */
export interface Executor {
  readonly slots: readonly Slot[];
  submit(job: TrainJob, onEvent?: (e: JobEvent) => void): Promise<RunResult[] | 'cancelled'>;
  close(): Promise<void>;
}
