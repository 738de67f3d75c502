import type { Device } from '../engine/index.js';
import type { RunResult } from '../train/config.js';
import type { Executor, Slot } from './executor.js';
import type { JobEvent, TrainJob } from './job.js';
import { runJob } from './run-job.js';

/**
 * Runs jobs in this process, one at a time in submission order (training is synchronous, so a second slot would not
 * run in parallel anyway). Closing cancels the jobs not yet started; the one running finishes first.
 */
export class InProcessExecutor implements Executor {
  readonly slots: readonly Slot[];
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(device: Device = 'cpu', threads?: number) {
    this.slots = [{ device, threads: threads ?? 0 }];
  }

  submit(job: TrainJob, onEvent?: (e: JobEvent) => void): Promise<RunResult[] | 'cancelled'> {
    const run = this.#tail.then(async () => {
      if (this.#closed) return 'cancelled' as const;
      onEvent?.({ type: 'started', jobId: job.id, slot: 0, device: this.slots[0]!.device, pid: process.pid });
      return runJob(job, { onEvent });
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail;
  }
}
