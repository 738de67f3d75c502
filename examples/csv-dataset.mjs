// A dataset from a CSV folder and a model of your own, with two heads on them:  node examples/csv-dataset.mjs
import { compare } from 'headroom';
import './my-data.js'; // defines the 'clusters' dataset and the 'small-mlp' model

const out = await compare({
  dataset: 'clusters',
  model: 'small-mlp',
  heads: ['softmax-ce', 'linear-mse'],
  seeds: 3,
  grid: 'clusters',
  workers: 0, // six small runs: starting worker processes would cost more than it saves
  db: 'runs/examples.db',
});
for (const r of out.rows)
  console.log(
    `${r.head.padEnd(11)} test accuracy ${(100 * r.testAcc.mean).toFixed(1)}% ` +
      `(95% CI ${(100 * r.testAcc.ci[0]).toFixed(1)}–${(100 * r.testAcc.ci[1]).toFixed(1)}, ${r.n} seeds)`,
  );
console.log(`stored in ${out.db} (grid '${out.grid}'; run it again and the runs are reused)`);
