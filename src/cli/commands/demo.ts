import { resolve } from 'node:path';
import { cpus } from 'node:os';
import { deviceOption, evalLimitOption, parseArgs } from '../args.js';
import { ProgressBar, runsDetail } from '../progress.js';
import { runCompare, validateGrid, formatTable } from '../../compare/index.js';
import type { GridSpec } from '../../compare/grid.js';

const HELP = `usage: headroom demo [--db PATH] [--out report.html] [--device auto|cpu|cuda] [--eval-limit N] [--json]

A two-minute comparison on MNIST: softmax-ce, linear-mse and oland-exp on the Keras MLP, 2 seeds, a
20k-example training subset, 5 epochs. Prints the table, writes the HTML report, and says how to run the full study.

  --device D      where runs train; auto (default) is CUDA when libtorch sees a GPU
  --eval-limit N  validation examples evaluated each epoch (final test accuracy stays full)   [all]`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs('demo', argv, {
    db: { type: 'string' },
    out: { type: 'string' },
    device: { type: 'string' },
    'eval-limit': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const device = deviceOption('demo', values.device);
  const evalLimit = evalLimitOption('demo', values['eval-limit']);
  const dbPath = resolve(values.db ?? 'headroom-demo.db');
  const reportPath = resolve(values.out ?? 'headroom-demo-report.html');
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
  await validateGrid(spec);
  if (!values.json) {
    console.log(
      `headroom demo: softmax-ce vs linear-mse vs oland-exp · keras-mlp · MNIST (20k train subset) · 2 seeds × 5 epochs · ${device}`,
    );
  }
  const bar = new ProgressBar('demo', { enabled: !values.json });
  const out = await runCompare(spec, {
    dbPath,
    workers: Math.min(2, cpus().length),
    baseline: 'softmax-ce',
    command: 'headroom demo',
    onProgress: (p) => bar.update(p.done, p.total, runsDetail(p)),
  });
  bar.done();
  const { writeReport } = await import('../../report/index.js');
  const report = await writeReport({ dbPath, out: reportPath });
  if (values.json) {
    console.log(JSON.stringify({ ...out, report: report.path }));
    return 0;
  }
  console.log();
  console.log(formatTable(out.rows));
  console.log(`
database: ${dbPath}  (every number above is a stored run with its seed and config)
report:   ${report.path}

Two seeds on a subset cannot separate heads that differ by tenths of a point; the full study is:
  npx headroom compare --dataset mnist --model paper-fcn,keras-mlp --heads softmax-ce,linear-mse,softmax-mse,sigmoid-bce,oland-exp,oland-pow3 --seeds 5 --workers 2
  npx headroom compare --dataset mnist,fashion-mnist --model keras-cnn --heads softmax-ce,linear-mse,softmax-mse,sigmoid-bce,oland-exp,oland-pow3 --seeds 5 --epochs 3 --workers 2
(see docs/results/oland2017.md for the results committed from this machine).`);
  return 0;
}
