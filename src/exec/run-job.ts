// What a worker does with one job, in a child process or in-process: load the data (cached), train each head, report.
import { fit, loadSplitsFor } from '../train/fit.js';
import type { RunConfig, RunResult } from '../train/config.js';
import type { DataSplits } from '../data/index.js';
import { resolveHead } from '../heads/index.js';
import { reprMetricsFor } from '../compare/repr.js';
import { configFor, failedResult, type JobEvent, type TrainJob } from './job.js';

/** Loaded splits by (dataset, size, split); at most two (a search ladder touches two sizes of one dataset at a time). */
const cache = new Map<string, DataSplits>();
const CACHED_DATASETS = 2;

async function dataFor(cfg: RunConfig): Promise<DataSplits> {
  const key = `${cfg.dataset}:${cfg.trainLimit ?? 'full'}:${cfg.valFraction}`;
  let d = cache.get(key);
  if (!d) {
    if (cache.size >= CACHED_DATASETS) cache.delete(cache.keys().next().value!);
    d = await loadSplitsFor(cfg);
    cache.set(key, d);
  }
  return d;
}

export interface RunJobHooks {
  onEvent?: (e: JobEvent) => void;
  /** Called every few dozen steps (a worker exits there when its parent is gone). */
  checkpoint?: () => void;
}

/** Trains every head of the job, one after another, and returns one result per head. Never throws. */
export async function runJob(job: TrainJob, hooks: RunJobHooks = {}): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let i = 0; i < job.heads.length; i++) {
    const cfg = configFor(job, i);
    const ref = job.heads[i]!;
    try {
      const makeHead = () => resolveHead(ref);
      results.push(
        await fit(cfg, {
          data: await dataFor(cfg),
          headOverride: makeHead(),
          checkpoint: hooks.checkpoint,
          onEpoch: (record) =>
            hooks.onEvent?.({ type: 'epoch', jobId: job.id, head: i, epochs: cfg.epochs, record }),
          afterTraining: cfg.repr ? reprMetricsFor(cfg, makeHead) : undefined,
        }),
      );
    } catch (e) {
      // Loading data or compiling the head failed: that run fails, the worker lives on.
      results.push(failedResult(cfg, e instanceof Error ? e.message : String(e)));
    }
  }
  hooks.onEvent?.({ type: 'finished', jobId: job.id, results });
  return results;
}
