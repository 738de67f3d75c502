import type { Store } from '../store/index.js';
import type { RunConfig } from '../train/config.js';
import { configFor, jobOf, type TrainJob } from '../exec/index.js';
import { runKey } from '../train/config.js';

/**
 * The order runs are trained in: seed-major (every head at seed 1, then every head at seed 2, …), stable otherwise.
 * A grid stopped part-way then holds every head at nearly the same number of seeds, which is a comparable table;
 * head-major order would leave the last heads with no runs at all.
 */
export function executionOrder<C extends RunConfig>(configs: readonly C[]): C[] {
  const seeds = [...new Set(configs.map((c) => c.seed))];
  const rank = new Map(seeds.map((s, i) => [s, i]));
  return configs
    .map((cfg, i) => ({ cfg, i }))
    .sort((a, b) => rank.get(a.cfg.seed)! - rank.get(b.cfg.seed)! || a.i - b.i)
    .map((x) => x.cfg);
}

/** One job per run config, in execution order. */
export function jobsFor(configs: readonly RunConfig[]): TrainJob[] {
  return executionOrder(configs).map(jobOf);
}

/**
 * The jobs with a run the store does not hold as finished (ok or diverged). Failed runs are pending again: a failure
 * may have been the environment's.
 */
export function pending(store: Store, jobs: readonly TrainJob[]): TrainJob[] {
  return jobs.filter((job) =>
    job.heads.some((_, i) => {
      const prev = store.getRunByKey(runKey(configFor(job, i)));
      return !(prev && (prev.status === 'ok' || prev.status === 'diverged'));
    }),
  );
}
