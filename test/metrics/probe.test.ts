import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearProbe, trainSoftmaxRegressionHost } from '../../src/metrics/representation/probe.js';
import { clusters, gaussian, randn, randomLabels, rng } from './helpers.js';

/** Regularised mean cross-entropy, written independently of the trainer. */
function objective(
  x: Float64Array,
  y: ArrayLike<number>,
  n: number,
  d: number,
  c: number,
  w: Float64Array,
  b: Float64Array,
  lambda: number,
): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = Array.from(
      { length: c },
      (_, k) =>
        b[k] + Array.from({ length: d }, (_, j) => x[i * d + j] * w[j * c + k]).reduce((s, v) => s + v, 0),
    );
    const m = Math.max(...z);
    loss += m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[y[i]];
  }
  return loss / n + (lambda / 2) * w.reduce((s, v) => s + v * v, 0);
}

test('the probe trainer reaches a stationary point of the regularised objective', () => {
  const n = 120;
  const d = 3;
  const c = 3;
  const g = gaussian(rng(4));
  const x = Float64Array.from({ length: n * d }, () => g());
  const y = randomLabels(n, c, 5);
  for (let i = 0; i < n; i++) x[i * d + y[i]] += 1; // overlapping classes: a finite optimum
  const lambda = 0.05;
  const { w, b } = trainSoftmaxRegressionHost(x, y, n, d, c, lambda, 2000, 0.05);
  // Central finite differences of the independent objective must vanish at the returned parameters.
  const h = 1e-5;
  const params = [...w, ...b];
  for (let p = 0; p < params.length; p++) {
    const at = (delta: number) => {
      const q = params.slice();
      q[p] += delta;
      return objective(
        x,
        y,
        n,
        d,
        c,
        Float64Array.from(q.slice(0, d * c)),
        Float64Array.from(q.slice(d * c)),
        lambda,
      );
    };
    const grad = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(grad) < 1e-4, `∂/∂θ${p} = ${grad}`);
  }
  // And it is a real minimum, better than the zero start.
  assert.ok(objective(x, y, n, d, c, w, b, lambda) < Math.log(c) - 0.05);
});

test('linear probe is perfect on separated clusters and reports the grid', () => {
  const tr = clusters(300, 4, 6, 0.5, 1);
  const va = clusters(100, 4, 6, 0.5, 2);
  const te = clusters(100, 4, 6, 0.5, 3);
  const r = linearProbe({ train: tr, val: va, test: te }, { steps: 100 });
  assert.equal(r.testAccuracy, 1);
  assert.equal(r.grid.length, 4);
  assert.deepEqual(
    r.grid.map((g) => g.lambda),
    [1e-4, 1e-3, 1e-2, 1e-1],
  );
  // All λ tie at 100% validation accuracy: the largest wins.
  assert.equal(r.lambda, 1e-1);
  assert.equal(r.valAccuracy, Math.max(...r.grid.map((g) => g.valAccuracy)));
});

test('linear probe is near chance on random features with random labels', () => {
  const split = (n: number, s: number) => ({ x: randn(n, 8, s), y: randomLabels(n, 4, s + 100) });
  const r = linearProbe({ train: split(800, 1), val: split(200, 2), test: split(1000, 3) }, { steps: 100 });
  assert.ok(Math.abs(r.testAccuracy - 0.25) < 0.06, `accuracy ${r.testAccuracy}`);
});

test('linear probe refuses an empty validation split', () => {
  const tr = clusters(40, 2, 3, 0.5, 1);
  const empty = { x: randn(0, 3, 1), y: new Int32Array(0) };
  assert.throws(() => linearProbe({ train: tr, val: empty, test: tr }), /validation/);
});
