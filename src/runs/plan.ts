import type { Store } from '../store/index.js';
import type { RunConfig } from '../train/config.js';
import {
  configFor,
  headRefOf,
  jobOf,
  resolvePopulation,
  type PopulationChoice,
  type TrainJob,
} from '../exec/index.js';
import { experimentKey, runKey } from '../train/config.js';

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

function finished(store: Store, cfg: RunConfig): boolean {
  const prev = store.getRunByKey(runKey(cfg));
  return prev !== undefined && (prev.status === 'ok' || prev.status === 'diverged');
}

/**
 * The jobs that train the runs the store does not hold as finished, in execution order. With population > 1, runs
 * that differ only in the head (same dataset, model, seed, optimizer, epochs, …) go into jobs of up to that many heads,
 * trained as one fused model (recipes included: the members share the lr schedule and the augmented batches);
 * representation runs stay solo.
 */
export function planJobs(
  store: Store,
  configs: readonly RunConfig[],
  population: PopulationChoice = 1,
): { jobs: TrainJob[]; skipped: number } {
  const todo = executionOrder(configs).filter((c) => !finished(store, c));
  const skipped = configs.length - todo.length;
  if (population === 1) return { jobs: todo.map(jobOf), skipped };
  const groups = new Map<string, RunConfig[]>();
  for (const cfg of todo) {
    // Representation runs stay solo (a group of one): the fused model has no feature hooks.
    const key = cfg.repr ? runKey(cfg) : experimentKey(cfg);
    const g = groups.get(key);
    if (g) g.push(cfg);
    else groups.set(key, [cfg]);
  }
  const jobs: TrainJob[] = [];
  for (const members of groups.values()) {
    const k = resolvePopulation(population, members[0]!.device, members[0]!.model);
    for (let i = 0; i < members.length; i += k) {
      const chunk = members.slice(i, i + k);
      jobs.push({ id: runKey(chunk[0]!), cfg: chunk[0]!, heads: chunk.map(headRefOf) });
    }
  }
  return { jobs, skipped };
}
