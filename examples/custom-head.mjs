// A head of your own, trained against softmax + cross-entropy:  node examples/custom-head.mjs
import { engine, fit, heads } from 'headroom';
import './my-heads.js'; // defines 'my-head' (a δ-rule); `--plugin examples/my-heads.js` does the same for the CLI

// What the rule does on one example whose target is class 0: the error is the softmax error, made larger while the
// target's probability is small.
const z = engine.tensor(Float32Array.from([0.5, 2, -1]), [1, 3]);
const y = engine.tensor(Int32Array.from([0]), [1]);
for (const id of ['my-head', 'softmax-ce']) {
  const head = heads.getHead(id);
  const delta = head.delta
    ? head.delta({ z, y, step: 0, numClasses: 3 })
    : z.softmax(1).sub(y.oneHot(3).to('float32')); // softmax-ce's δ is p − t
  console.log(`${id.padEnd(10)} δ = [${[...delta.toFloat32Array()].map((v) => v.toFixed(3)).join(', ')}]`);
}

// Three short epochs each on 500 MNIST digits, same seed and data order; nothing is stored.
for (const head of ['my-head', 'softmax-ce']) {
  const r = await fit({
    dataset: 'mnist',
    model: 'keras-mlp',
    head,
    epochs: 3,
    trainLimit: 500,
    evalLimit: 500,
  });
  console.log(
    `${head.padEnd(10)} ${r.status}: test accuracy ${(100 * r.final.testAcc).toFixed(1)}% after 3 epochs`,
  );
}
