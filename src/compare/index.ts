import type { JobEvent, PopulationChoice } from '../exec/index.js';
import { createBodyFor, getModel } from '../nn/models/index.js';
import { formatHeadSpec, getHead } from '../heads/index.js';
import { openStore } from '../store/index.js';
import { runKey } from '../train/config.js';
import { getRecipe } from '../train/recipes.js';
import { loadSplitsFor } from '../train/fit.js';
import { expandGrid, runGrid, type GridProgress, type GridSpec } from './grid.js';
import { summarizeGrid, type CompareRow, type PanelSummary, type RunView } from './summary.js';
import { UsageError } from '../cli/args.js';
import { ckaMatrices, storeCrossHeadCka, type CkaMatrix } from './cka.js';

export { expandGrid, runGrid, type GridSpec, type GridProgress } from './grid.js';
export { machineDescription } from '../runs/index.js';
export {
  summarizeGrid,
  summarizeRuns,
  POWER_EFFECT,
  type CompareRow,
  type RunView,
  type Interval,
  type PanelSummary,
  type PowerLine,
  type TestKind,
} from './summary.js';
export { formatTable, markdownTable, powerNotes } from './table.js';
export { ckaMatrices, formatCkaMatrix, markdownCkaMatrix, storeCrossHeadCka, type CkaMatrix } from './cka.js';

export interface CompareOutput {
  db: string;
  grid: string;
  baseline: string;
  runs: number;
  ranNow: number;
  skipped: number;
  rows: CompareRow[];
  /** Per dataset × model: the test the verdicts use and the power line (seeds needed for 0.2 points). */
  panels: PanelSummary[];
  /**
   * The distinct machines the grid's runs trained on (host, cores, CPU, BLAS and core type, libtorch): runs are
   * bit-identical within one machine and code version (the code hash), not across them.
   */
  machines: string[];
  /** With --repr: linear CKA between heads' bodies, per panel. */
  cka?: CkaMatrix[];
}

/** Rejects unknown names and unreadable data with a UsageError/DataError (exit 2) before anything is written. */
export async function validateGrid(spec: GridSpec): Promise<void> {
  const wrap = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
  };
  for (const m of spec.models) wrap(() => getModel(m));
  for (const h of spec.heads) wrap(() => getHead(h, spec.headParams?.[h]));
  if (spec.recipe !== undefined) for (const m of spec.models) wrap(() => getRecipe(spec.recipe!, m));
  if (spec.features !== undefined)
    for (const m of spec.models) {
      const model = getModel(m);
      wrap(() => createBodyFor(model, model.inputShape, { features: spec.features }).dispose());
    }
  const configs = expandGrid(spec);
  const seen = new Set<string>();
  for (const cfg of configs) {
    const k = `${cfg.dataset}:${cfg.trainLimit}:${cfg.valFraction}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const data = await loadSplitsFor(cfg); // throws DataError (exit 2) on missing or corrupt files
    // An explicit batch larger than the training set would silently train on one short batch per epoch.
    if (spec.batchSize !== undefined && spec.batchSize > data.train.n)
      throw new UsageError(
        `--batch-size ${spec.batchSize} is larger than the ${data.train.n} training examples of ${cfg.dataset}` +
          `${cfg.trainLimit !== undefined ? ` (--train-limit ${cfg.trainLimit})` : ''}; use at most ${data.train.n}.`,
      );
    if (cfg.recipe?.augment && data.train.sampleShape.length !== 3)
      throw new UsageError(
        `--recipe ${cfg.recipe.name} crops and flips images; ${cfg.dataset} has examples of shape [${data.train.sampleShape.join(', ')}].`,
      );
  }
}

export async function runCompare(
  spec: GridSpec,
  opts: {
    dbPath: string;
    workers: number;
    queue?: string;
    population?: PopulationChoice;
    baseline: string;
    targetAcc?: number;
    command: string;
    onProgress?: (p: GridProgress) => void;
    /** Listeners of every job event (the CLI's progress reads each epoch's validation accuracy here). */
    sinks?: ((e: JobEvent) => void)[];
  },
): Promise<CompareOutput> {
  const store = openStore(opts.dbPath);
  try {
    const progress = await runGrid(spec, store, {
      workers: opts.workers,
      queue: opts.queue,
      population: opts.population,
      command: opts.command,
      onProgress: opts.onProgress,
      ...(opts.sinks ? { sinks: opts.sinks } : {}),
    });
    const keys = expandGrid(spec).map(runKey);
    const views = loadRunViews(store, keys);
    const machines = [
      ...new Set(keys.map((k) => store.getRunByKey(k)?.machine).filter((m): m is string => !!m)),
    ].sort();
    // Rows are labelled with the head's parameters when they differ from its defaults, so the baseline is too.
    const baseline = formatHeadSpec(opts.baseline, spec.headParams?.[opts.baseline]);
    const { rows, panels } = summarizeGrid(views, { baseline, targetAcc: opts.targetAcc });
    const cka = spec.repr ? crossHeadCka(store, keys, spec.heads) : undefined;
    return {
      db: opts.dbPath,
      grid: spec.name,
      baseline,
      runs: views.length,
      ranNow: progress.done - progress.skipped,
      skipped: progress.skipped,
      rows,
      panels,
      machines,
      ...(cka ? { cka } : {}),
    };
  } finally {
    store.close();
  }
}

/** Computes the missing cross-head CKA pairs among the runs of `keys` and returns the per-panel matrices. */
export function crossHeadCka(
  store: ReturnType<typeof openStore>,
  keys: string[],
  headOrder?: readonly string[],
): CkaMatrix[] {
  const runs = keys.flatMap((k) => store.getRunByKey(k) ?? []);
  storeCrossHeadCka(store, runs);
  return ckaMatrices(store, runs, headOrder);
}

/** Reads the grid's runs (by key) back from the store: every number in the table comes from the database. */
export function loadRunViews(store: ReturnType<typeof openStore>, keys: string[]): RunView[] {
  const views: RunView[] = [];
  for (const key of keys) {
    const run = store.getRunByKey(key);
    if (!run) continue;
    const epochs = store.listEpochs(run.id);
    const params = run.config.headParams as Record<string, number> | undefined;
    views.push({
      dataset: run.dataset,
      model: run.model,
      // `label-smoothing(epsilon=0.05)`: a table row says which parameters its runs used.
      head: formatHeadSpec(run.head, params),
      seed: run.seed,
      status: run.status,
      valAcc: run.valAcc,
      testAcc: run.testAcc,
      ece: run.ece,
      secondsPerEpoch: run.secondsPerEpoch,
      valCurve: epochs.map((e) => e.valAcc),
      repr: run.repr,
    });
  }
  return views;
}
