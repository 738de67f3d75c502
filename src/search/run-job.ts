// What a search worker does with one message: train one trial-rung or one confirmation run. Used by the worker
// process (worker.ts) and in-process when no workers are asked for.
import { fit, loadSplitsFor } from '../train/fit.js';
import type { RunConfig, RunResult } from '../train/config.js';
import type { DataSplits } from '../data/index.js';
import { getSpace } from './spaces/index.js';
import { reprMetricsFor } from '../compare/repr.js';
import type { TrialJob } from './trial.js';
import { rungRunConfig } from './run-config.js';
import type { Candidate } from './types.js';

export type WorkerRequest =
  | { type: 'trial'; id: number; job: TrialJob }
  | {
      type: 'run';
      id: number;
      cfg: RunConfig;
      candidate?: { space: string; candidate: Candidate; headId: string };
    };

export type WorkerReply = { type: 'ready' } | { type: 'result'; id: number; result: RunResult };

const cache = new Map<string, DataSplits>();

const parentPid = process.ppid;

/**
 * Training is synchronous, so a worker only sees its driver's death ('disconnect') after the run. Between epochs it
 * checks whether it has been re-parented (the driver was killed) and stops, instead of training for minutes more.
 */
function exitIfOrphaned(): void {
  if (process.send && process.ppid !== parentPid) process.exit(0);
}

async function dataFor(cfg: RunConfig): Promise<DataSplits> {
  const key = `${cfg.dataset}:${cfg.trainLimit ?? 'full'}:${cfg.valFraction}`;
  let d = cache.get(key);
  if (!d) {
    // Keep at most two datasets in memory (a ladder touches two sizes of one dataset at a time).
    if (cache.size >= 2) cache.delete(cache.keys().next().value!);
    d = await loadSplitsFor(cfg);
    cache.set(key, d);
  }
  return d;
}

export async function handle(msg: WorkerRequest): Promise<RunResult> {
  const cfg = msg.type === 'trial' ? rungRunConfig(msg.job) : msg.cfg;
  const cand =
    msg.type === 'trial'
      ? { space: msg.job.space, candidate: msg.job.candidate, headId: msg.job.headId }
      : msg.candidate;
  try {
    const makeHead = cand ? () => getSpace(cand.space).toHead(cand.candidate, cand.headId) : undefined;
    return await fit(cfg, {
      data: await dataFor(cfg),
      headOverride: makeHead?.(),
      onEpoch: exitIfOrphaned,
      // Confirmation runs with --repr (search rungs never ask for it).
      afterTraining: cfg.repr ? reprMetricsFor(cfg, makeHead) : undefined,
    });
  } catch (e) {
    return {
      config: cfg,
      status: 'failed',
      error: e instanceof Error ? e.message : String(e),
      epochs: [],
      final: { valAcc: NaN, secondsPerEpoch: NaN },
    };
  }
}
