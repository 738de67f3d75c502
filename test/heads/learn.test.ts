// Every head must actually learn: full-batch gradient descent on its own output layer separates three Gaussian
// blobs (float32, as in training). A head whose objective had the wrong sign or a dead gradient would stay at chance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualSeed, noGrad, scope, setNumThreads, tensor } from '../../src/engine/index.js';
import { createOutputLayer, listHeads } from '../../src/heads/index.js';
import { argmaxJs, normals, rng, rows } from './helpers.js';

setNumThreads(1);

const C = 3;
const N = 150;
const r = rng(77);
const ys = Array.from({ length: N }, (_, i) => i % C);
const noise = normals(2 * N, r, 0.6);
const xs = ys.flatMap((y, i) => {
  const a = (2 * Math.PI * y) / C;
  return [3 * Math.cos(a) + noise[2 * i], 3 * Math.sin(a) + noise[2 * i + 1]];
});

/**
 * Step sizes: the scaled-cosine heads have logits up to s = 20–64 times larger, so a smaller step; rescaled-square
 * (twice the MSE curvature) and oland-exp (curvature e^z) diverge at 0.3 on these |x| ≈ 3 inputs.
 */
const LR: Record<string, number> = {
  arcface: 0.02,
  'am-softmax': 0.05,
  'cosine-softmax': 0.05,
  'rescaled-square': 0.1,
  'oland-exp': 0.03, // its δ is unbounded: at 0.1 the first step (e^z ≈ 150) throws one class to z ≈ −1e12 for good
  'oland-pow3-err': 0.03, // cubic in the error: at 0.3 the first step's δ ≈ e³ with |e| ≈ 3 overshoots and diverges
};

for (const h of listHeads()) {
  test(`${h.id}: learns three blobs (train accuracy ≥ 0.9 after 150 steps)`, () => {
    manualSeed(1);
    const head = h.create();
    const layer = createOutputLayer(h.outputLayer, 2, C);
    const x = tensor(Float32Array.from(xs), [N, 2]);
    const y = tensor(Int32Array.from(ys), [N]);
    const lr = LR[h.id] ?? 0.3;
    for (let step = 0; step < 150; step++) {
      scope(() => {
        layer.zeroGrad();
        const { z, featureNorm } = layer.forwardWithNorm(x);
        head.objective({ z, y, featureNorm, step: step + 10_000, numClasses: C }).backward();
        noGrad(() => {
          for (const p of layer.parameters()) {
            const g = p.grad;
            if (g) p.add_(g, -lr);
          }
        });
      });
    }
    const scores = scope(() => [...head.scores(layer.forward(x)).toFloat32Array()]);
    const acc = rows(scores, C).filter((s, i) => argmaxJs(s) === ys[i]).length / N;
    x.dispose();
    y.dispose();
    layer.dispose();
    assert.ok(acc >= 0.9, `${h.id}: train accuracy ${acc}`);
  });
}
