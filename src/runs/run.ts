import type { Store } from '../store/index.js';
import type { RunConfig, RunResult } from '../train/config.js';
import { configFor, failedResult, type Executor, type JobEvent, type TrainJob } from '../exec/index.js';
import { pending } from './plan.js';
import { Recorder } from './recorder.js';

export interface RunsProgress {
  /** Runs finished (skipped ones included) and in all. */
  done: number;
  total: number;
  skipped: number;
  /** The run that finished last. */
  last?: { cfg: RunConfig; result: RunResult };
  /** The epoch that finished last, while runs are still training. */
  epoch?: { cfg: RunConfig; epoch: number; epochs: number };
}

export interface RunJobsOptions {
  store: Store;
  executor: Executor;
  /** Groups the runs in the store (e.g. 'compare', 'confirm:my-study'). */
  grid: string;
  command?: string;
  onProgress?: (p: RunsProgress) => void;
  /** Further listeners of every job event. */
  sinks?: ((e: JobEvent) => void)[];
  /** Ctrl-C closes the executor (jobs in flight are not recorded, so a rerun trains them). Default true. */
  interruptible?: boolean;
  /** A job whose worker dies this many times is recorded as failed instead of being tried again. */
  maxAttempts?: number;
  /** Runs of the plan that were finished before (planJobs' count), so that progress counts the whole grid. */
  skipped?: number;
}

const DEFAULT_ATTEMPTS = 3;

/**
 * Runs every job the store does not already hold as finished, through the executor, and records each result once.
 * This is the one path from a plan to stored runs: compare, confirm and the demo use it. A cancelled job (its worker
 * died) is submitted again; one interrupted by Ctrl-C is left for the next run of the same command.
 */
export async function runJobs(jobs: readonly TrainJob[], opts: RunJobsOptions): Promise<RunsProgress> {
  const { executor } = opts;
  const todo = pending(opts.store, jobs);
  const runsOf = (js: readonly TrainJob[]) => js.reduce((n, j) => n + j.heads.length, 0);
  const before = opts.skipped ?? 0;
  const total = runsOf(jobs) + before;
  const skipped = total - runsOf(todo);
  const progress: RunsProgress = { done: skipped, total, skipped };
  opts.onProgress?.(progress);
  const recorder = new Recorder(opts.store, opts.grid, opts.command);
  for (const sink of opts.sinks ?? []) recorder.subscribe(sink);
  recorder.subscribe((e) => {
    if (e.type !== 'epoch' || !opts.onProgress) return;
    const job = todo.find((j) => j.id === e.jobId);
    if (!job) return;
    progress.epoch = { cfg: configFor(job, e.head), epoch: e.record.epoch, epochs: e.epochs };
    opts.onProgress(progress);
  });

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    void executor.close();
  };
  const interruptible = opts.interruptible ?? true;
  if (interruptible) process.once('SIGINT', onSigint);
  const record = (job: TrainJob, results: RunResult[]) => {
    recorder.record(job, results);
    results.forEach((result, i) => {
      progress.done++;
      progress.last = { cfg: configFor(job, i), result };
    });
    delete progress.epoch;
    opts.onProgress?.(progress);
  };
  const maxAttempts = opts.maxAttempts ?? DEFAULT_ATTEMPTS;
  const runOne = async (job: TrainJob): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const r = await executor.submit(job, (e) => recorder.emit(job, e));
      if (r !== 'cancelled') return record(job, r);
      if (interrupted) return;
      if (attempt >= maxAttempts) {
        const why = `its worker died ${attempt} times while training it`;
        return record(
          job,
          job.heads.map((_, i) => failedResult(configFor(job, i), why)),
        );
      }
    }
  };
  try {
    await Promise.all(todo.map(runOne));
  } finally {
    if (interruptible) process.off('SIGINT', onSigint);
  }
  return progress;
}
