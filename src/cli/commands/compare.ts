import { resolve } from 'node:path';
import {
  checkQueue,
  common,
  defaultWorkers,
  deviceOption,
  opt,
  parseOptions,
  UsageError,
  type OptionTable,
} from '../args.js';
import { printJson } from '../output.js';
import { workStarted } from '../errors.js';
import { checkStore, openStore } from '../../store/index.js';
import { checkDataDir } from '../../data/index.js';
import { RunsReporter } from '../progress.js';
import { runCompare, validateGrid, type CompareOutput } from '../../compare/index.js';
import { formatTable, markdownTable } from '../../compare/table.js';
import { formatCkaMatrix, markdownCkaMatrix } from '../../compare/cka.js';
import type { GridSpec } from '../../compare/grid.js';
import type { OptimizerConfig } from '../../train/config.js';
import { RECIPE_IDS } from '../../train/recipes.js';
import { FEATURE_ENDS, type FeatureEnd } from '../../nn/models/index.js';

const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adadelta'] as const;

const HELP = `usage: headroom compare --dataset mnist --model keras-mlp --heads softmax-ce,linear-mse,oland-exp [options]

Trains every dataset × model × head × seed, stores each run and epoch, and prints one row per head:
validation and test accuracy (mean ± 95% CI), Δ against the baseline with Welch's and the paired (per-seed)
t-test, each Holm-corrected across heads (the verdict says which it uses: paired when every head's seeds are the
baseline's), convergence, ECE, seconds per epoch and divergences; under the table, the seeds needed to detect
0.2 points at the median head's spread. Finished runs are skipped, so an
interrupted grid resumes when the same command is run again.

options:
  --dataset LIST        datasets (comma-separated): mnist, fashion-mnist, cifar10, spirals      [mnist]
  --model LIST          models: keras-mlp, keras-cnn, paper-fcn, lenet5, resnet20             [keras-mlp]
  --heads LIST          head ids ('headroom heads' lists them), each with optional parameters:   [softmax-ce,linear-mse,oland-exp]
                        'label-smoothing(epsilon=0.05),poly1(eps=2),softmax-ce' (a name may be shortened to a unique
                        prefix; values other than the defaults are stored with the runs and are part of the run key)
  --baseline ID         the head every other head is compared with                            [softmax-ce]
  --seeds N             how many seeds: 1..N, or S..S+N-1 with --first-seed                     [5]
  --first-seed S        the first seed (fresh seeds for a test planned after seeing seeds 1..N)   [1]
  --epochs N            epochs per run                                                          [model's reference]
  --recipe NAME         a training recipe for the model instead of its reference settings: optimizer, lr schedule,
                        augmentation, epochs, batch size (resnet20-modern, resnet20-he2016, resnet20-onecycle;
                        --epochs, --optimizer, --lr and --batch-size still override; with --population the heads
                        of a seed share the schedule and the augmented batches)
  --features linear     end the body at its last Linear layer, without the activation and dropout after it (as
                        SphereFace's fc5 feeds its margin layer); keras-mlp, keras-cnn, paper-fcn and lenet5
                                                                                                [model's own]
  --optimizer KIND      sgd | adam | adamw | rmsprop | adadelta                                 [model's reference]
  --lr X                learning rate                                                           [model's reference]
  --batch-size N                                                                                [model's reference]
  --train-limit N       cap the training set (after carving validation)
  --eval-limit N        validation examples evaluated each epoch (final test accuracy stays full)   [all]
  --val-fraction X      validation split carved from training                                   [0.1]
  --repr                also measure representation metrics (kNN, probe, R², NC1, MAP@R)
  --grid NAME           grid name stored with the runs                                          [compare]
  --workers N           parallel worker processes (1 thread each; on CUDA, worker i uses GPU i mod #GPUs;
                        0: in this process)                                                     [2]
  --threads N           libtorch threads for in-process runs
  --population K|auto   train runs that differ only in the head as one fused model of up to K members
                        (auto: 1 on the CPU, where fusion does not pay; 8-32 on CUDA by model)      [1]
  --queue URL           train through this Redis queue on 'headroom worker's instead of locally (see README)
  --device D            auto | cpu | cuda: where runs train (auto: CUDA when libtorch sees a GPU) [auto]
  --target-acc X        validation accuracy that counts as converged   [99% of the baseline's final accuracy]
  --data-dir DIR        folder with the grid's dataset files: MNIST/Fashion-MNIST IDX or CIFAR-10 binary, in it or in
                        its mnist/, fashion-mnist/ or cifar-10-batches-bin/ subfolder (or set HEADROOM_DATA)
  --db PATH             SQLite database                                                         [headroom.db]
  --json                print one JSON document instead of the table
  --markdown            print the table as markdown (for docs/results)
  --plugin FILE         load heads, datasets or models a module defines (repeatable; or HEADROOM_PLUGINS)
`;

/** Every option of compare, with its type and range: parseOptions checks all of them before anything runs. */
const OPTIONS = {
  dataset: common.datasets(),
  model: common.models(),
  heads: common.heads(),
  baseline: common.head(),
  seeds: common.seeds(),
  'first-seed': common.firstSeed(),
  epochs: common.epochs(),
  recipe: opt.choice(RECIPE_IDS),
  features: opt.choice<FeatureEnd>(FEATURE_ENDS),
  optimizer: opt.choice<OptimizerConfig['kind']>(OPTIMIZERS),
  lr: opt.number({ gt: 0 }),
  'batch-size': opt.int({ min: 1 }),
  'train-limit': common.trainLimit(),
  'eval-limit': common.evalLimit(),
  'val-fraction': opt.number({ gt: 0, lt: 1 }),
  repr: opt.flag(),
  grid: opt.text(),
  workers: common.workers(0),
  threads: common.threads(),
  queue: common.queue('compare'),
  population: common.population(),
  device: common.device(),
  'target-acc': opt.number({ gt: 0, max: 1 }),
  'data-dir': opt.dir(),
  db: opt.db(),
  json: opt.flag(),
  markdown: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

/** A grid this large takes longer to expand and store than anyone would wait; it is a typo in --seeds or a list. */
const MAX_GRID_RUNS = 100_000;

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions('compare', argv, OPTIONS);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'compare';
  if (o.json && o.markdown) throw new UsageError('compare: --json and --markdown are two outputs; pick one.');
  const baseline = o.baseline ?? 'softmax-ce';
  const chosen = o.heads ?? ['softmax-ce', 'linear-mse', 'oland-exp'].map((id) => ({ id, params: {} }));
  const heads = chosen.map((h) => h.id);
  if (!heads.includes(baseline)) heads.unshift(baseline);
  // Parameters other than the defaults go into each run's config (stored, and part of its run key).
  const headParams = Object.fromEntries(
    chosen.filter((h) => Object.keys(h.params).length > 0).map((h) => [h.id, h.params]),
  );
  const nSeeds = o.seeds ?? 5;
  const datasets = o.dataset ?? ['mnist'];
  const models = o.model ?? ['keras-mlp'];
  const runs = datasets.length * models.length * heads.length * nSeeds;
  if (runs > MAX_GRID_RUNS)
    throw new UsageError(
      `compare: the grid has ${runs} runs (${datasets.length} datasets × ${models.length} models × ${heads.length} heads × ${nSeeds} seeds); at most ${MAX_GRID_RUNS}, use fewer seeds or heads.`,
    );
  if (o['data-dir'] !== undefined) {
    // An explicit folder must hold every file dataset of the grid: never a quiet fallback to the packaged copy.
    checkDataDir(o['data-dir'], datasets);
    // Forked workers load their data themselves; the folder reaches them through the environment.
    process.env.HEADROOM_DATA = o['data-dir'];
  }
  const queue = o.queue;
  const device = deviceOption(cmd, o.device, queue);
  const optimizer: Partial<OptimizerConfig> = {};
  if (o.optimizer !== undefined) optimizer.kind = o.optimizer;
  if (o.lr !== undefined) optimizer.lr = o.lr;

  const spec: GridSpec = {
    name: o.grid ?? 'compare',
    datasets,
    models,
    heads,
    ...(Object.keys(headParams).length > 0 ? { headParams } : {}),
    seeds: Array.from({ length: nSeeds }, (_, i) => (o['first-seed'] ?? 1) + i),
    optimizer: Object.keys(optimizer).length > 0 ? optimizer : undefined,
    valFraction: o['val-fraction'] ?? 0.1,
    device,
    evalTest: true,
    repr: o.repr,
  };
  if (o.epochs !== undefined) spec.epochs = o.epochs;
  if (o['batch-size'] !== undefined) spec.batchSize = o['batch-size'];
  if (o['train-limit'] !== undefined) spec.trainLimit = o['train-limit'];
  if (o['eval-limit'] !== undefined) spec.evalLimit = o['eval-limit'];
  if (o.threads !== undefined) spec.threads = o.threads;
  if (o.recipe !== undefined) spec.recipe = o.recipe;
  if (o.features !== undefined) spec.features = o.features;
  const workers = o.workers ?? defaultWorkers();
  const targetAcc = o['target-acc'];

  // Everything the user can get wrong is checked before the database is touched.
  const dbPath = o.db ?? resolve('headroom.db');
  checkStore(dbPath); // another program's database is refused before the data are read
  await validateGrid(spec);
  await checkQueue(cmd, queue);

  const progress = new RunsReporter('compare');
  // The database opens (or is refused: another program's, unwritable) before any work, so that such a failure is
  // exit 2 with nothing done; from here on a fault interrupts stored work (exit 1, the same command resumes).
  openStore(dbPath).close();
  workStarted(dbPath);
  const out: CompareOutput = await runCompare(spec, {
    dbPath,
    workers,
    queue,
    population: o.population ?? 1,
    baseline,
    targetAcc,
    command: `headroom compare ${argv.join(' ')}`,
    onProgress: (p) => progress.update(p),
    sinks: [progress.sink],
  });
  progress.done();
  if (o.json) {
    printJson(out);
  } else if (o.markdown) {
    console.log(markdownTable(out.rows, out.panels));
    if (out.machines.length > 0) console.log(`\nTrained on: ${out.machines.join('; ')}.`);
    for (const m of out.cka ?? []) console.log(`\n${markdownCkaMatrix(m)}`);
  } else {
    console.log(formatTable(out.rows, out.panels));
    for (const m of out.cka ?? []) console.log(`\n${formatCkaMatrix(m)}`);
    console.log(
      `\n${out.runs} runs in ${out.grid} (${out.ranNow} trained now, ${out.skipped} resumed from ${out.db}).`,
    );
    if (out.machines.length > 0) console.log(`Trained on: ${out.machines.join('; ')}.`);
  }
  return 0;
}
