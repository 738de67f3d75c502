import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, noGrad, randn, scope, setNumThreads, type Tensor } from '../../src/engine/index.js';
import {
  AvgPool2d,
  Conv2d,
  Flatten,
  Linear,
  MaxPool2d,
  Sequential,
  Sigmoid,
  Tanh,
} from '../../src/nn/index.js';

setNumThreads(1);

/**
 * Central differences in float64 against autograd for every parameter entry and the input, on
 * f = Σ model(x)² · w with fixed random weights w (so no symmetric cancellation hides errors).
 */
function gradcheck(model: Sequential, inputShape: number[], outDim: number): void {
  model.to('float64');
  const x = randn(inputShape, { dtype: 'float64' }).setRequiresGrad(true);
  const w = randn([inputShape[0], outDim], { dtype: 'float64' });
  const f = (): Tensor => model.forward(x).square().mul(w).sum();
  scope(() => f().backward());
  const targets: [string, Tensor][] = [...model.namedParameters(), ['input', x]];
  const h = 1e-6;
  for (const [name, t] of targets) {
    const g = t.grad;
    assert.ok(g !== null, `${name} has no gradient`);
    const analytic = g.toNumbers();
    g.dispose();
    const base = t.toNumbers();
    // Check every entry of small tensors; a spread of entries of bigger ones.
    const idx =
      base.length <= 40
        ? base.map((_, i) => i)
        : Array.from({ length: 40 }, (_, k) => Math.floor((k * base.length) / 40));
    for (const i of idx) {
      const at = (v: number): number =>
        noGrad(() =>
          scope(() => {
            const flat = t.view([-1]);
            flat.select(0, i).fill_(v);
            return f().item();
          }),
        );
      const numeric = (at(base[i] + h) - at(base[i] - h)) / (2 * h);
      at(base[i]);
      const err = Math.abs(numeric - analytic[i]);
      assert.ok(
        err <= 1e-6 * Math.max(1, Math.abs(numeric)),
        `${name}[${i}]: autograd ${analytic[i]}, numeric ${numeric}`,
      );
    }
  }
  x.dispose();
  w.dispose();
  model.dispose();
}

describe('finite-difference gradient checks (float64)', () => {
  it('Conv2d → Tanh → MaxPool2d → Flatten → Linear → Sigmoid', () => {
    manualSeed(11);
    const m = new Sequential(
      new Conv2d(2, 3, 3, { padding: 1 }),
      new Tanh(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(3 * 2 * 2, 4, { init: 'glorot-uniform' }),
      new Sigmoid(),
    );
    gradcheck(m, [2, 2, 4, 4], 4);
  });
  it('strided Conv2d → AvgPool2d → Linear', () => {
    manualSeed(12);
    const m = new Sequential(
      new Conv2d(1, 2, 2, { stride: 2 }),
      new AvgPool2d(2),
      new Flatten(),
      new Linear(2 * 2 * 2, 3),
    );
    gradcheck(m, [3, 1, 8, 8], 3);
  });
});
