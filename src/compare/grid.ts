import type { PopulationChoice } from '../exec/index.js';
import type { OptimizerConfig, RunConfig } from '../train/config.js';
import { getModel, type FeatureEnd } from '../nn/models/index.js';
import { getRecipe, recipeConfig } from '../train/recipes.js';
import type { Store } from '../store/index.js';
import { openExecutor } from '../exec/index.js';
import { planJobs, runJobs, type RunsProgress } from '../runs/index.js';
import type { JobEvent } from '../exec/index.js';
import { journalPlan } from './journal.js';

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
  evalLimit?: number;
  device?: 'cpu' | 'cuda';
  threads?: number;
  evalTest?: boolean;
  repr?: boolean;
  /**
   * A training recipe (train/recipes.ts) for every model of the grid: its optimizer, epochs and batch size replace the
   * model's reference ones (explicit epochs, batchSize and optimizer still win), and its schedule and augmentation
   * go into each run's config.
   */
  recipe?: string;
  /** Where every body's features are taken (RunConfig.features). */
  features?: FeatureEnd;
}

/** Expands a grid into run configs, filling each model's reference (or its recipe's) optimizer, epochs and batch size. */
export function expandGrid(spec: GridSpec): RunConfig[] {
  const out: RunConfig[] = [];
  for (const dataset of spec.datasets)
    for (const model of spec.models) {
      const ref = getModel(model);
      const preset = spec.recipe !== undefined ? getRecipe(spec.recipe, model) : undefined;
      const m = preset
        ? {
            defaultOptimizer: preset.optimizer,
            defaultEpochs: preset.epochs,
            defaultBatchSize: preset.batchSize,
          }
        : ref;
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
          if (spec.evalLimit !== undefined) cfg.evalLimit = spec.evalLimit;
          if (spec.threads !== undefined) cfg.threads = spec.threads;
          if (spec.repr) cfg.repr = true;
          if (preset) cfg.recipe = recipeConfig(preset);
          if (spec.features !== undefined) cfg.features = spec.features;
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

export type GridProgress = RunsProgress;

export interface GridOptions {
  workers?: number;
  /** A Redis URL: the runs go through that BullMQ queue to `headroom worker`s instead of local processes. */
  queue?: string;
  /** Runs that differ only in the head train as fused populations of up to this many (1: each alone). */
  population?: PopulationChoice;
  command?: string;
  onProgress?: (p: GridProgress) => void;
  /** Listeners of every job event (the CLI's progress reads each epoch's validation accuracy here). */
  sinks?: ((e: JobEvent) => void)[];
}

/**
 * Runs every config of the grid that the store does not already hold as finished, so an interrupted grid resumes
 * where it stopped, through one executor: `workers` forked processes, or this process when 0.
 */
export async function runGrid(spec: GridSpec, store: Store, opts: GridOptions = {}): Promise<GridProgress> {
  const { jobs, skipped } = planJobs(store, expandGrid(spec), opts.population);
  journalPlan(store, spec.name, jobs);
  const workers = Math.min(opts.workers ?? 0, jobs.length);
  const executor = await openExecutor({
    workers: workers > 1 ? workers : 0,
    device: spec.device ?? 'cpu',
    threads: spec.threads,
    queue: opts.queue,
  });
  try {
    return await runJobs(jobs, {
      store,
      executor,
      grid: spec.name,
      command: opts.command,
      onProgress: opts.onProgress,
      ...(opts.sinks ? { sinks: opts.sinks } : {}),
      interruptible: workers > 1 || opts.queue !== undefined,
      skipped,
    });
  } finally {
    await executor.close();
  }
}
