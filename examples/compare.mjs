// A comparison from code: heads with parameters (as in --heads, or as objects), one of them a plugin's, trained in
// worker processes:
//   node examples/compare.mjs
import { compare } from 'headroom';
import './my-heads.js'; // the workers import it too: a defined head travels to them by its file

const out = await compare({
  dataset: 'mnist',
  model: 'keras-mlp',
  heads: ['softmax-ce', 'label-smoothing(eps=0.05)', { id: 'my-head', params: { gamma: 2 } }],
  seeds: 2,
  epochs: 1,
  trainLimit: 500,
  evalLimit: 500,
  grid: 'mnist-heads',
  workers: 2,
  db: 'runs/examples.db',
});
// The same data as `headroom compare --json`: one row per head, Δ against the baseline with Holm-corrected p-values.
for (const r of out.rows) {
  const delta = r.delta
    ? `Δ ${(100 * r.delta.mean).toFixed(2)} points, Holm p ${r.delta.pHolm.toFixed(2)}`
    : 'baseline';
  console.log(`${r.head.padEnd(30)} test ${(100 * r.testAcc.mean).toFixed(1)}%  ${delta}`);
}
