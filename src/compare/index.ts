import { getModel } from '../nn/models/index.js';
import { getHead } from '../heads/index.js';
import { openStore } from '../store/index.js';
import { runKey } from '../train/config.js';
import { loadSplitsFor } from '../train/fit.js';
import { expandGrid, runGrid, type GridProgress, type GridSpec } from './grid.js';
import { summarizeRuns, type CompareRow, type RunView } from './summary.js';
import { UsageError } from '../cli/args.js';
import { ckaMatrices, storeCrossHeadCka, type CkaMatrix } from './cka.js';

export { expandGrid, runGrid, type GridSpec, type GridProgress } from './grid.js';
export { machineDescription } from '../runs/index.js';
export { summarizeRuns, type CompareRow, type RunView, type Interval } from './summary.js';
export { formatTable, markdownTable } from './table.js';
export { ckaMatrices, formatCkaMatrix, markdownCkaMatrix, storeCrossHeadCka, type CkaMatrix } from './cka.js';

export interface CompareOutput {
  db: string;
  grid: string;
  baseline: string;
  runs: number;
  ranNow: number;
  skipped: number;
  rows: CompareRow[];
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
  const configs = expandGrid(spec);
  const seen = new Set<string>();
  for (const cfg of configs) {
    const k = `${cfg.dataset}:${cfg.trainLimit}:${cfg.valFraction}`;
    if (seen.has(k)) continue;
    seen.add(k);
    await loadSplitsFor(cfg); // throws DataError (exit 2) on missing or corrupt files
  }
}

export async function runCompare(
  spec: GridSpec,
  opts: {
    dbPath: string;
    workers: number;
    baseline: string;
    targetAcc?: number;
    command: string;
    onProgress?: (p: GridProgress) => void;
  },
): Promise<CompareOutput> {
  const store = openStore(opts.dbPath);
  try {
    const progress = await runGrid(spec, store, {
      workers: opts.workers,
      command: opts.command,
      onProgress: opts.onProgress,
    });
    const keys = expandGrid(spec).map(runKey);
    const views = loadRunViews(store, keys);
    const rows = summarizeRuns(views, { baseline: opts.baseline, targetAcc: opts.targetAcc });
    const cka = spec.repr ? crossHeadCka(store, keys, spec.heads) : undefined;
    return {
      db: opts.dbPath,
      grid: spec.name,
      baseline: opts.baseline,
      runs: views.length,
      ranNow: progress.done - progress.skipped,
      skipped: progress.skipped,
      rows,
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
    views.push({
      dataset: run.dataset,
      model: run.model,
      head: run.head,
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
