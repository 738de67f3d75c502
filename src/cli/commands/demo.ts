import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { common, defaultWorkers, deviceOption, opt, parseOptions, type OptionTable } from '../args.js';
import { workStarted } from '../errors.js';
import { checkStore, openStore } from '../../store/index.js';
import { RunsReporter } from '../progress.js';
import { runCompare, validateGrid, formatTable } from '../../compare/index.js';
import type { GridSpec } from '../../compare/grid.js';

const HELP = `usage: headroom demo [--db PATH] [--out report.html] [--device auto|cpu|cuda] [--eval-limit N] [--json]

A two-minute comparison on MNIST: softmax-ce, linear-mse and oland-exp on the Keras MLP, 2 seeds, a
20k-example training subset, 5 epochs. Prints the table, writes the HTML report, and says how to run the full study.

  --db PATH       the database                                                   [runs/headroom-demo.db]
  --out PATH      the HTML report                                         [runs/headroom-demo-report.html]
  --device D      where runs train; auto (default) is CUDA when libtorch sees a GPU
  --eval-limit N  validation examples evaluated each epoch (final test accuracy stays full)   [all]`;

/** Every option of demo, with its type and range: parseOptions checks all of them before anything runs. */
const OPTIONS = {
  db: opt.db(),
  out: opt.outFile('report.html'),
  device: common.device(),
  'eval-limit': common.evalLimit(),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('demo', argv, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const device = deviceOption('demo', values.device);
  const evalLimit = values['eval-limit'];
  // Under runs/ (git-ignored) rather than the working directory's top level, where they would sit beside the sources.
  const dbPath = values.db ?? resolve('runs', 'headroom-demo.db');
  const reportPath = values.out ?? resolve('runs', 'headroom-demo-report.html');
  const spec: GridSpec = {
    name: 'demo',
    datasets: ['mnist'],
    models: ['keras-mlp'],
    heads: ['softmax-ce', 'linear-mse', 'oland-exp'],
    seeds: [1, 2],
    epochs: 5,
    trainLimit: 20000,
    valFraction: 0.1,
    device,
    evalTest: true,
    ...(evalLimit !== undefined ? { evalLimit } : {}),
  };
  checkStore(dbPath); // another program's database is refused before the data are read
  await validateGrid(spec);
  if (!values.json) {
    console.log(
      `headroom demo: softmax-ce vs linear-mse vs oland-exp · keras-mlp · MNIST (20k train subset) · 2 seeds × 5 epochs · ${device}`,
    );
  }
  const progress = new RunsReporter('demo');
  // The database opens (or is refused: another program's, unwritable) before any work, so that such a failure is
  // exit 2 with nothing done; from here on a fault interrupts stored work (exit 1, the same command resumes).
  for (const p of [dbPath, reportPath]) mkdirSync(dirname(p), { recursive: true });
  openStore(dbPath).close();
  workStarted(dbPath);
  const out = await runCompare(spec, {
    dbPath,
    workers: defaultWorkers(),
    baseline: 'softmax-ce',
    command: 'headroom demo',
    onProgress: (p) => progress.update(p),
    sinks: [progress.sink],
  });
  progress.done();
  const { writeReport } = await import('../../report/index.js');
  const report = await writeReport({ dbPath, out: reportPath });
  if (values.json) {
    console.log(JSON.stringify({ ...out, report: report.path }));
    return 0;
  }
  console.log();
  console.log(formatTable(out.rows, out.panels));
  console.log(`
database: ${dbPath}  (every number above is a stored run with its seed and config)
report:   ${report.path}

Two seeds on a subset cannot separate heads that differ by tenths of a point; the full study is:
  npx headroom compare --dataset mnist --model paper-fcn,keras-mlp --heads softmax-ce,linear-mse,softmax-mse,sigmoid-bce,oland-exp,oland-pow3 --seeds 5 --workers 2
  npx headroom compare --dataset mnist,fashion-mnist --model keras-cnn --heads softmax-ce,linear-mse,softmax-mse,sigmoid-bce,oland-exp,oland-pow3 --seeds 5 --epochs 3 --workers 2
(see docs/results/oland2017.md for the results committed from this machine).`);
  return 0;
}
