// compare(), search(), confirm() and fit() for code. The first three run the CLI command itself with --json and return
// what it would print, so every option is checked, defaulted, stored and resumed exactly as on the command line.
import type { CompareOutput } from '../compare/index.js';
import type { ConfirmOutput } from '../search/confirm.js';
import type { SearchSummary } from '../search/driver.js';
import type { EpochRecord, OptimizerConfig, OptimizerKind, RunResult } from '../train/config.js';
import type { DeviceChoice, PopulationChoice } from '../exec/index.js';
import type { FeatureEnd } from '../nn/models/index.js';
import { formatHeadSpec } from '../heads/spec.js';
import { preparePluginsForWorkers } from './plugins.js';

/** A head by id, optionally with parameters: 'poly1', 'poly1(epsilon=2)' or { id: 'poly1', params: { epsilon: 2 } }. */
export type HeadChoice = string | { id: string; params?: Record<string, number> };

/** `headroom compare`'s options, in camelCase (see `headroom compare --help`); the defaults are the CLI's. */
export interface CompareSpec {
  dataset?: string | string[];
  model?: string | string[];
  heads?: HeadChoice[];
  baseline?: string;
  /** How many seeds: 1..N, or firstSeed..firstSeed+N-1. */
  seeds?: number;
  firstSeed?: number;
  epochs?: number;
  /** A training recipe (lr schedule, augmentation, optimizer), e.g. 'resnet20-modern'; see `headroom compare --help`. */
  recipe?: string;
  /** 'linear': the body ends at its last Linear layer (no activation or dropout after it), as for SphereFace. */
  features?: FeatureEnd;
  optimizer?: OptimizerKind;
  lr?: number;
  batchSize?: number;
  trainLimit?: number;
  evalLimit?: number;
  valFraction?: number;
  repr?: boolean;
  grid?: string;
  /** Worker processes (0: this process). */
  workers?: number;
  threads?: number;
  queue?: string;
  population?: PopulationChoice;
  device?: DeviceChoice;
  targetAcc?: number;
  dataDir?: string;
  /** The SQLite database; relative to the working directory; default headroom.db. */
  db?: string;
}

/** `headroom search`'s options, in camelCase (see `headroom search --help`). */
export interface SearchSpec {
  study: string;
  space?: string;
  db?: string;
  maxTrials?: number;
  /** As on the command line: '90s', '30m', '2h'. */
  budget?: string;
  workers?: number;
  queue?: string;
  population?: PopulationChoice;
  device?: DeviceChoice;
  evalLimit?: number;
  seed?: number;
  trainLimit?: number;
  dataset?: string;
  ladder?: string;
  eta?: number;
  sampler?: 'random' | 'evolution' | 'cmaes';
  objectives?: string[];
  tune?: string;
  promotionMargin?: number;
  resume?: boolean;
  rerank?: boolean;
}

/** `headroom confirm`'s options, in camelCase (see `headroom confirm --help`). */
export interface ConfirmSpec {
  study: string;
  db?: string;
  top?: number;
  /** These trials instead of the top of the ranking. */
  trials?: number[];
  seeds?: number;
  /** The first fresh seed (default 1001). */
  firstSeed?: number;
  dataset?: string | string[];
  model?: string | string[];
  epochs?: number;
  trainLimit?: number;
  baseline?: string;
  repr?: boolean;
  distinct?: boolean;
  force?: boolean;
  workers?: number;
  queue?: string;
  population?: PopulationChoice;
  device?: DeviceChoice;
  evalLimit?: number;
}

/** What `search --json` prints. */
export type SearchOutput = SearchSummary & { db: string };

/** A user mistake in a spec: one line, exit code 2, as the CLI's. */
class SpecError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}

type SpecValue = string | number | boolean | readonly (string | number)[] | undefined | null | object;

/** The CLI arguments of a spec: `--kebab-name=value` (so that no value is mistaken for an option), flags bare. */
function toArgv(command: string, spec: object): string[] {
  if (typeof spec !== 'object' || spec === null)
    throw new SpecError(`${command}(): give it one object of options.`);
  const out: string[] = [];
  for (const [key, value] of Object.entries(spec) as [string, SpecValue][]) {
    if (['json', 'markdown', 'help'].includes(key))
      throw new SpecError(
        `${command}(): '${key}' is a command-line output option; ${command}() returns the --json data.`,
      );
    if (value === undefined || value === false) continue;
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (value === true) out.push(`--${name}`);
    else if (key === 'heads' && Array.isArray(value))
      out.push(`--${name}=${(value as HeadChoice[]).map(headText).join(',')}`);
    else if (Array.isArray(value)) out.push(`--${name}=${value.join(',')}`);
    else if (typeof value === 'string' || typeof value === 'number') out.push(`--${name}=${value}`);
    else
      throw new SpecError(
        `${command}(): '${key}' must be a string, number, boolean or list, got ${JSON.stringify(value)}.`,
      );
  }
  return out;
}

function headText(h: HeadChoice): string {
  if (typeof h === 'string') return h;
  if (typeof h !== 'object' || h === null || typeof h.id !== 'string')
    throw new SpecError(`heads: each entry is an id string or { id, params }, got ${JSON.stringify(h)}.`);
  return formatHeadSpec(h.id, h.params);
}

/** Runs a command's `run(argv)` with --json and returns what it printed (parsed: NaN reads as null, as in the CLI's). */
async function runCommand<T>(command: string, argv: string[]): Promise<T> {
  const { captureJson } = await import('../cli/output.js');
  const mod = (await import(`../cli/commands/${command}.js`)) as { run(argv: string[]): Promise<number> };
  const { code, value } = await captureJson(() => mod.run([...argv, '--json']));
  if (value === undefined) throw new Error(`${command}() ended with code ${code} and no result.`);
  return value as T;
}

async function forks(
  workers: number | undefined,
  queue: string | undefined,
  inProcessBelow: number,
): Promise<boolean> {
  const { defaultWorkers } = await import('../cli/args.js');
  return queue !== undefined || (workers ?? defaultWorkers()) >= inProcessBelow;
}

/**
 * Trains a dataset × model × head × seed grid (finished runs in `db` are reused) and returns what
 * `headroom compare --json` prints: one row per dataset × model × head with CIs and Holm-corrected tests.
 */
export async function compare(spec: CompareSpec = {}): Promise<CompareOutput> {
  const argv = toArgv('compare', spec);
  // compare trains in this process with fewer than 2 workers.
  preparePluginsForWorkers(await forks(spec.workers, spec.queue, 2));
  return runCommand<CompareOutput>('compare', argv);
}

/** Runs (or, with resume, continues) a search study and returns what `headroom search --json` prints. */
export async function search(spec: SearchSpec): Promise<SearchOutput> {
  const argv = toArgv('search', spec);
  preparePluginsForWorkers(true); // search always trains in worker processes
  return runCommand<SearchOutput>('search', argv);
}

/** Retrains a study's best candidates with fresh seeds; returns what `headroom confirm --json` prints. */
export async function confirm(spec: ConfirmSpec): Promise<ConfirmOutput> {
  const argv = toArgv('confirm', spec);
  preparePluginsForWorkers(await forks(spec.workers, spec.queue, 1));
  return runCommand<ConfirmOutput>('confirm', argv);
}

/** One training run's settings; the model's reference optimizer, epochs and batch size unless given. */
export interface FitSpec {
  dataset: string;
  model: string;
  head: HeadChoice;
  /** Default 1. */
  seed?: number;
  epochs?: number;
  recipe?: string;
  features?: FeatureEnd;
  batchSize?: number;
  optimizer?: OptimizerKind;
  lr?: number;
  trainLimit?: number;
  valFraction?: number;
  evalLimit?: number;
  device?: DeviceChoice;
  threads?: number;
}

/**
 * Trains one body + head in this process and returns its RunResult (status, epochs, final validation and test
 * accuracy, ECE, seconds per epoch); nothing is stored. Options are checked as the CLI checks them (exit code 2 on
 * the error).
 */
export async function fit(
  spec: FitSpec,
  hooks: { onEpoch?: (e: EpochRecord) => void } = {},
): Promise<RunResult> {
  const { common, opt, parseOptions, deviceOption, modelIds } = await import('../cli/args.js');
  const { expandGrid } = await import('../compare/grid.js');
  const { validateGrid } = await import('../compare/index.js');
  const { fit: fitRun } = await import('../train/fit.js');
  const { RECIPE_IDS } = await import('../train/recipes.js');
  const { FEATURE_ENDS } = await import('../nn/models/index.js');
  const OPTIONS = {
    dataset: common.dataset(),
    model: opt.choice(modelIds),
    head: common.heads(),
    seed: opt.int({ min: 0, max: 2 ** 31 - 1 }),
    epochs: common.epochs(),
    recipe: opt.choice(RECIPE_IDS),
    features: opt.choice<FeatureEnd>(FEATURE_ENDS),
    'batch-size': opt.int({ min: 1 }),
    optimizer: opt.choice<OptimizerKind>(['sgd', 'adam', 'adamw', 'rmsprop', 'adadelta']),
    lr: opt.number({ gt: 0 }),
    'train-limit': common.trainLimit(),
    'val-fraction': opt.number({ gt: 0, lt: 1 }),
    'eval-limit': common.evalLimit(),
    device: common.device(),
    threads: common.threads(),
  };
  const { head, ...rest } = spec;
  const o = parseOptions('fit', [...toArgv('fit', rest), `--head=${headText(head)}`], OPTIONS);
  for (const k of ['dataset', 'model'] as const)
    if (o[k] === undefined) throw new SpecError(`fit(): '${k}' is required.`);
  const chosen = o.head![0]!;
  if (o.head!.length !== 1) throw new SpecError('fit(): give one head.');
  const optimizer: Partial<OptimizerConfig> = {};
  if (o.optimizer !== undefined) optimizer.kind = o.optimizer;
  if (o.lr !== undefined) optimizer.lr = o.lr;
  const grid = {
    name: 'fit',
    datasets: [o.dataset!],
    models: [o.model!],
    heads: [chosen.id],
    ...(Object.keys(chosen.params).length > 0 ? { headParams: { [chosen.id]: chosen.params } } : {}),
    seeds: [o.seed ?? 1],
    ...(Object.keys(optimizer).length > 0 ? { optimizer } : {}),
    valFraction: o['val-fraction'] ?? 0.1,
    device: deviceOption('fit', o.device),
    evalTest: true,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o['batch-size'] !== undefined ? { batchSize: o['batch-size'] } : {}),
    ...(o['train-limit'] !== undefined ? { trainLimit: o['train-limit'] } : {}),
    ...(o['eval-limit'] !== undefined ? { evalLimit: o['eval-limit'] } : {}),
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.recipe !== undefined ? { recipe: o.recipe } : {}),
    ...(o.features !== undefined ? { features: o.features } : {}),
  };
  await validateGrid(grid);
  const cfg = expandGrid(grid)[0]!;
  return fitRun(cfg, hooks.onEpoch ? { onEpoch: hooks.onEpoch } : {});
}
