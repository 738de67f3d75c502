import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crossEntropy,
  keep,
  liveTensorCount,
  manualSeed,
  noGrad,
  scope,
  setNumThreads,
  tensor,
  type Tensor,
} from '../../src/engine/index.js';
import { Dropout, Linear, ReLU, Sequential, Tanh } from '../../src/nn/index.js';
import { makeOptimizer } from '../../src/optim/index.js';

setNumThreads(1);

/** Two interleaved spirals: not linearly separable, so a small MLP has to learn a non-linear boundary. */
function spirals(n: number): { x: Tensor; y: Tensor } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const r = (i / n) * 3 + 0.2;
    const a = r * 2.2 + cls * Math.PI;
    xs.push(r * Math.cos(a), r * Math.sin(a));
    ys.push(cls);
  }
  return { x: keep(tensor(xs, [n, 2])), y: keep(tensor(new Int32Array(ys), [n])) };
}

function accuracy(model: Sequential, x: Tensor, y: Tensor): number {
  return noGrad(() =>
    scope(() => {
      const pred = model.forward(x).argmax(1).toNumbers();
      const lab = y.toNumbers();
      return pred.filter((p, i) => p === lab[i]).length / lab.length;
    }),
  );
}

describe('training', () => {
  for (const kind of ['adam', 'sgd'] as const) {
    it(`a small MLP learns two spirals (${kind})`, () => {
      manualSeed(0);
      const { x, y } = spirals(200);
      const model = new Sequential(
        new Linear(2, 32),
        new Tanh(),
        new Linear(32, 32),
        new Tanh(),
        new Linear(32, 2),
      );
      const opt = makeOptimizer(
        kind,
        model.parameters(),
        kind === 'adam' ? { lr: 0.02 } : { lr: 0.1, momentum: 0.9, nesterov: true },
      );
      const lossAt = (): number => noGrad(() => scope(() => crossEntropy(model.forward(x), y).item()));
      const first = lossAt();
      for (let s = 0; s < 400; s++) {
        scope(() => crossEntropy(model.forward(x), y).backward());
        opt.step();
        opt.zeroGrad();
      }
      const last = lossAt();
      assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
      assert.ok(accuracy(model, x, y) > 0.9, `accuracy ${accuracy(model, x, y)}`);
      opt.dispose();
      model.dispose();
      x.dispose();
      y.dispose();
    });
  }

  it('liveTensorCount stays flat over 500 training steps', () => {
    manualSeed(1);
    const { x, y } = spirals(64);
    const model = new Sequential(new Linear(2, 16), new ReLU(), new Dropout(0.1), new Linear(16, 2));
    const opt = makeOptimizer('rmsprop', model.parameters(), { lr: 1e-3, rho: 0.9, eps: 1e-7 });
    const step = (): void => {
      scope(() => crossEntropy(model.forward(x), y).backward());
      opt.step();
      opt.zeroGrad();
    };
    step(); // optimizer state is created on the first step
    const start = liveTensorCount();
    for (let s = 0; s < 500; s++) step();
    assert.equal(liveTensorCount(), start);
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });
});
