import { hostname, cpus } from 'node:os';
import { fit } from '../train/fit.js';
import { runKey, type OptimizerConfig, type RunConfig, type RunResult } from '../train/config.js';
import { loadSplitsFor } from '../train/fit.js';
import { getModel } from '../nn/models/index.js';
import type { Store } from '../store/index.js';
import { runInWorkers } from './pool.js';
import { reprMetricsFor } from './repr.js';

export interface GridSpec {
  /** Groups runs in the store (e.g. 'compare', 'confirm:my-study'); the report filters on it. */
  name: string;
  datasets: string[];
  models: string[];
  heads: string[];
  seeds: number[];
  headParams?: Record<string, Record<string, number>>;
  epochs?: number;
  batchSize?: number;
  optimizer?: Partial<OptimizerConfig>;
  trainLimit?: number;
  valFraction?: number;
  device?: 'cpu' | 'cuda';
  threads?: number;
  evalTest?: boolean;
  repr?: boolean;
}

/** Expands a grid into run configs, filling each model's reference optimizer, epochs and batch size. */
export function expandGrid(spec: GridSpec): RunConfig[] {
  const out: RunConfig[] = [];
  for (const dataset of spec.datasets)
    for (const model of spec.models) {
      const m = getModel(model);
      const optimizer = resolveOptimizer(m.defaultOptimizer as OptimizerConfig, spec.optimizer);
      for (const head of spec.heads)
        for (const seed of spec.seeds) {
          const cfg: RunConfig = {
            dataset,
            model,
            head,
            seed,
            epochs: spec.epochs ?? m.defaultEpochs,
            batchSize: spec.batchSize ?? m.defaultBatchSize,
            optimizer,
            valFraction: spec.valFraction ?? 0.1,
            device: spec.device ?? 'cpu',
            evalTest: spec.evalTest ?? true,
          };
          if (spec.headParams?.[head]) cfg.headParams = spec.headParams[head];
          if (spec.trainLimit !== undefined) cfg.trainLimit = spec.trainLimit;
          if (spec.threads !== undefined) cfg.threads = spec.threads;
          if (spec.repr) cfg.repr = true;
          out.push(cfg);
        }
    }
  return out;
}

/** PyTorch's defaults, used when a grid switches a model to an optimizer other than its reference one without --lr. */
const DEFAULT_LR: Record<OptimizerConfig['kind'], number> = {
  sgd: 0.01,
  adam: 1e-3,
  adamw: 1e-3,
  rmsprop: 1e-2,
  adadelta: 1.0,
};

function resolveOptimizer(reference: OptimizerConfig, override?: Partial<OptimizerConfig>): OptimizerConfig {
  if (!override || override.kind === undefined || override.kind === reference.kind)
    return { ...reference, ...override } as OptimizerConfig;
  // Another optimizer: the reference's hyperparameters (ρ, ε, …) do not carry over.
  return { lr: DEFAULT_LR[override.kind], ...override } as OptimizerConfig;
}

export interface GridProgress {
  done: number;
  total: number;
  skipped: number;
  last?: { cfg: RunConfig; result: RunResult };
}

export interface GridOptions {
  workers?: number;
  command?: string;
  onProgress?: (p: GridProgress) => void;
}

export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${hostname()} · ${cpus().length} cores · ${cpu}`;
}

/**
 * The order runs are trained in: seed-major (every head at seed 1, then every head at seed 2, …), stable otherwise.
 * A grid stopped part-way then holds every head at nearly the same number of seeds, which is a comparable table;
 * head-major order would leave the last heads with no runs at all.
 */
export function executionOrder(configs: readonly RunConfig[]): RunConfig[] {
  const seeds = [...new Set(configs.map((c) => c.seed))];
  const rank = new Map(seeds.map((s, i) => [s, i]));
  return configs
    .map((cfg, i) => ({ cfg, i }))
    .sort((a, b) => rank.get(a.cfg.seed)! - rank.get(b.cfg.seed)! || a.i - b.i)
    .map((x) => x.cfg);
}

/**
 * Runs every config of the grid that the store does not already hold as finished (ok or diverged), so an
 * interrupted grid resumes where it stopped. Failed runs are retried: a failure may have been the environment's.
 * This process is the only writer; each run is stored in one transaction when it ends.
 */
export async function runGrid(spec: GridSpec, store: Store, opts: GridOptions = {}): Promise<GridProgress> {
  const configs = expandGrid(spec);
  const todo = executionOrder(configs).filter((cfg) => {
    const prev = store.getRunByKey(runKey(cfg));
    return !(prev && (prev.status === 'ok' || prev.status === 'diverged'));
  });
  const progress: GridProgress = {
    done: configs.length - todo.length,
    total: configs.length,
    skipped: configs.length - todo.length,
  };
  opts.onProgress?.(progress);
  const machine = machineDescription();
  const record = (cfg: RunConfig, result: RunResult) => {
    store.saveRun({ key: runKey(cfg), grid: spec.name, result, command: opts.command ?? '', machine });
    progress.done++;
    progress.last = { cfg, result };
    opts.onProgress?.(progress);
  };
  const workers = opts.workers ?? 0;
  if (workers > 0 && todo.length > 1) {
    await runInWorkers(todo, workers, record);
  } else {
    const cache = new Map<string, Awaited<ReturnType<typeof loadSplitsFor>>>();
    for (const cfg of todo) {
      const dataKey = `${cfg.dataset}:${cfg.trainLimit ?? ''}:${cfg.valFraction}`;
      let data = cache.get(dataKey);
      if (!data) {
        data = await loadSplitsFor(cfg);
        cache.set(dataKey, data);
      }
      const result = await fit(cfg, { data, afterTraining: cfg.repr ? reprMetricsFor(cfg) : undefined });
      record(cfg, result);
    }
  }
  return progress;
}
