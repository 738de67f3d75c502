// What a worker does with one job, in a child process or in-process: load the data (cached), train each head, report.
import { fit, loadSplitsFor } from '../train/fit.js';
import type { RunConfig, RunResult } from '../train/config.js';
import type { DataSplits } from '../data/index.js';
import { resolveHead, type Head } from '../heads/index.js';
import { fitPopulation } from '../train/population.js';
import { reprMetricsFor } from '../compare/repr.js';
import { configFor, failedResult, type JobEvent, type TrainJob } from './job.js';
import { machineDescription } from './machine.js';

/** This worker's machine, computed once (it reads /proc and asks libtorch). */
let machine: string | undefined;
function stamp(results: RunResult[]): RunResult[] {
  machine ??= machineDescription();
  return results.map((r) => ({ ...r, machine: machine! }));
}

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

/**
 * Trains every head of the job and returns one result per head. Never throws. A job with several heads is a
 * population: one fused model (train/population.ts), unless it asks for representation metrics, which need solo bodies.
 */
export async function runJob(job: TrainJob, hooks: RunJobHooks = {}): Promise<RunResult[]> {
  // Representation runs train solo: the fused model has no feature hooks.
  if (job.heads.length > 1 && !job.cfg.repr) return runPopulation(job, hooks);
  const results = await runSolo(job, hooks);
  hooks.onEvent?.({ type: 'finished', jobId: job.id, results });
  return results;
}

async function runSolo(job: TrainJob, hooks: RunJobHooks): Promise<RunResult[]> {
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
  return stamp(results);
}

async function runPopulation(job: TrainJob, hooks: RunJobHooks): Promise<RunResult[]> {
  const cfgs = job.heads.map((_, i) => configFor(job, i));
  let results: RunResult[];
  try {
    // A head that cannot even be built fails alone; the population trains the others.
    const built = job.heads.map((ref): { head: Head } | { error: string } => {
      try {
        return { head: resolveHead(ref) };
      } catch (e) {
        return { error: e instanceof Error ? e.message : String(e) };
      }
    });
    const members = built.flatMap((b, i) => ('head' in b ? [i] : []));
    const trained =
      members.length === 0
        ? []
        : await fitPopulation(
            members.map((i) => cfgs[i]!),
            members.map((i) => (built[i] as { head: Head }).head),
            {
              data: await dataFor(cfgs[0]!),
              checkpoint: hooks.checkpoint,
              onEpoch: (m, record) =>
                hooks.onEvent?.({
                  type: 'epoch',
                  jobId: job.id,
                  head: members[m]!,
                  epochs: job.cfg.epochs,
                  record,
                }),
            },
          );
    results = built.map((b, i) =>
      'error' in b ? failedResult(cfgs[i]!, b.error) : trained[members.indexOf(i)]!,
    );
  } catch (e) {
    results = cfgs.map((c) => failedResult(c, e instanceof Error ? e.message : String(e)));
  }
  results = stamp(results);
  hooks.onEvent?.({ type: 'finished', jobId: job.id, results });
  return results;
}
