import { resolve } from 'node:path';
import {
  deviceOption,
  evalLimitOption,
  intOption,
  listOption,
  numberOption,
  parseArgs,
  UsageError,
} from '../args.js';
import { ProgressBar, runsDetail } from '../progress.js';
import { runCompare, validateGrid, type CompareOutput } from '../../compare/index.js';
import { formatTable, markdownTable } from '../../compare/table.js';
import { formatCkaMatrix, markdownCkaMatrix } from '../../compare/cka.js';
import type { GridSpec } from '../../compare/grid.js';
import type { OptimizerConfig } from '../../train/config.js';

const HELP = `usage: headroom compare --dataset mnist --model keras-mlp --heads softmax-ce,linear-mse,oland-exp [options]

Trains every dataset × model × head × seed, stores each run and epoch, and prints one row per head:
validation and test accuracy (mean ± 95% CI), Δ against the baseline with Welch p-values Holm-corrected
across heads, convergence, ECE, seconds per epoch and divergences. Finished runs are skipped, so an
interrupted grid resumes when the same command is run again.

options:
  --dataset LIST        datasets (comma-separated): mnist, fashion-mnist, cifar10, spirals      [mnist]
  --model LIST          models: keras-mlp, keras-cnn, paper-fcn, lenet5, resnet20             [keras-mlp]
  --heads LIST          head ids ('headroom heads' lists them)                                 [softmax-ce,linear-mse,oland-exp]
  --baseline ID         the head every other head is compared with                            [softmax-ce]
  --seeds N             seeds 1..N                                                              [5]
  --epochs N            epochs per run                                                          [model's reference]
  --optimizer KIND      sgd | adam | adamw | rmsprop | adadelta                                 [model's reference]
  --lr X                learning rate                                                           [model's reference]
  --batch-size N                                                                                [model's reference]
  --train-limit N       cap the training set (after carving validation)
  --eval-limit N        validation examples evaluated each epoch (final test accuracy stays full)   [all]
  --val-fraction X      validation split carved from training                                   [0.1]
  --repr                also measure representation metrics (kNN, probe, R², NC1, MAP@R)
  --grid NAME           grid name stored with the runs                                          [compare]
  --workers N           parallel worker processes (1 thread each; on CUDA, worker i uses GPU i mod #GPUs) [0: in-process]
  --threads N           libtorch threads for in-process runs
  --device D            auto | cpu | cuda: where runs train (auto: CUDA when libtorch sees a GPU) [auto]
  --target-acc X        validation accuracy that counts as converged   [99% of the baseline's final accuracy]
  --data-dir DIR        folder with CIFAR-10 binary files (or set HEADROOM_DATA)
  --db PATH             SQLite database                                                         [headroom.db]
  --json                print one JSON document instead of the table
  --markdown            print the table as markdown (for docs/results)
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs('compare', argv, {
    dataset: { type: 'string' },
    model: { type: 'string' },
    heads: { type: 'string' },
    baseline: { type: 'string' },
    seeds: { type: 'string' },
    epochs: { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    'train-limit': { type: 'string' },
    'eval-limit': { type: 'string' },
    'val-fraction': { type: 'string' },
    repr: { type: 'boolean' },
    grid: { type: 'string' },
    workers: { type: 'string' },
    threads: { type: 'string' },
    device: { type: 'string' },
    'target-acc': { type: 'string' },
    'data-dir': { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
    markdown: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'compare';
  const baseline = values.baseline ?? 'softmax-ce';
  const heads = listOption(values.heads, ['softmax-ce', 'linear-mse', 'oland-exp']);
  if (!heads.includes(baseline)) heads.unshift(baseline);
  const nSeeds = intOption(cmd, 'seeds', values.seeds, 5, 1);
  const device = deviceOption(cmd, values.device);
  const optimizer: Partial<OptimizerConfig> = {};
  if (values.optimizer !== undefined) {
    const kinds = ['sgd', 'adam', 'adamw', 'rmsprop', 'adadelta'];
    if (!kinds.includes(values.optimizer))
      throw new UsageError(
        `compare: unknown --optimizer '${values.optimizer}'; use one of ${kinds.join(', ')}.`,
      );
    optimizer.kind = values.optimizer as OptimizerConfig['kind'];
  }
  if (values.lr !== undefined) optimizer.lr = numberOption(cmd, 'lr', values.lr, NaN);
  if (values['data-dir']) process.env.HEADROOM_DATA = resolve(values['data-dir']);
  const valFraction = numberOption(cmd, 'val-fraction', values['val-fraction'], 0.1);
  if (!(valFraction > 0 && valFraction < 1))
    throw new UsageError('compare: --val-fraction must be in (0, 1).');

  const spec: GridSpec = {
    name: values.grid ?? 'compare',
    datasets: listOption(values.dataset, ['mnist']),
    models: listOption(values.model, ['keras-mlp']),
    heads,
    seeds: Array.from({ length: nSeeds }, (_, i) => i + 1),
    optimizer: Object.keys(optimizer).length > 0 ? optimizer : undefined,
    valFraction,
    device,
    evalTest: true,
    repr: values.repr ?? false,
  };
  if (values.epochs !== undefined) spec.epochs = intOption(cmd, 'epochs', values.epochs, 1, 1);
  if (values['batch-size'] !== undefined)
    spec.batchSize = intOption(cmd, 'batch-size', values['batch-size'], 128, 1);
  if (values['train-limit'] !== undefined)
    spec.trainLimit = intOption(cmd, 'train-limit', values['train-limit'], 0, 10);
  const evalLimit = evalLimitOption(cmd, values['eval-limit']);
  if (evalLimit !== undefined) spec.evalLimit = evalLimit;
  if (values.threads !== undefined) spec.threads = intOption(cmd, 'threads', values.threads, 1, 1);
  const workers = intOption(cmd, 'workers', values.workers, 0, 0);
  const targetAcc =
    values['target-acc'] !== undefined
      ? numberOption(cmd, 'target-acc', values['target-acc'], NaN)
      : undefined;

  // Everything the user can get wrong is checked before the database is touched.
  await validateGrid(spec);

  const dbPath = resolve(values.db ?? 'headroom.db');
  const bar = new ProgressBar('compare', { enabled: !values.json && !values.markdown });
  const out: CompareOutput = await runCompare(spec, {
    dbPath,
    workers,
    baseline,
    targetAcc,
    command: `headroom compare ${argv.join(' ')}`,
    onProgress: (p) => bar.update(p.done, p.total, runsDetail(p)),
  });
  bar.done();
  if (values.json) {
    console.log(JSON.stringify(out));
  } else if (values.markdown) {
    console.log(markdownTable(out.rows));
    for (const m of out.cka ?? []) console.log(`\n${markdownCkaMatrix(m)}`);
  } else {
    console.log(formatTable(out.rows));
    for (const m of out.cka ?? []) console.log(`\n${formatCkaMatrix(m)}`);
    console.log(
      `\n${out.runs} runs in ${out.grid} (${out.ranNow} trained now, ${out.skipped} resumed from ${out.db}).`,
    );
  }
  return 0;
}
