// --features linear: the body ends at its last Linear layer (SphereFace's fc5), with the weights of the model's own body.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, rand, scope, setNumThreads } from '../../src/engine/index.js';
import { createBodyFor, getModel } from '../../src/nn/index.js';

setNumThreads(1);

const INPUT = [1, 28, 28];

describe('createBodyFor(features: linear)', () => {
  for (const [model, dim, act] of [
    ['keras-mlp', 512, 'relu'],
    ['keras-cnn', 128, 'relu'],
    ['paper-fcn', 128, 'sigmoid'],
    ['lenet5', 84, 'relu'],
  ] as const) {
    it(`${model}: same initial weights as its own body, and its features before the ${act} (and dropout)`, () => {
      const spec = getModel(model);
      const own = createBodyFor(spec, INPUT, { seed: 7 });
      const linear = createBodyFor(spec, INPUT, { seed: 7, features: 'linear' });
      assert.equal(linear.featureDim, dim);
      const w = (b: typeof own) => b.parameters().map((p) => p.toNumbers());
      assert.deepEqual(w(linear), w(own));
      // In eval mode dropout is the identity, so the model's own features are act(linear features) exactly.
      own.eval();
      linear.eval();
      manualSeed(1);
      const x = rand([8, ...INPUT]);
      const [z, ownOut] = scope(() => [linear.forward(x).toNumbers(), own.forward(x).toNumbers()]);
      assert.equal(z.length, 8 * dim);
      const f = act === 'relu' ? (v: number) => Math.max(0, v) : (v: number) => 1 / (1 + Math.exp(-v));
      z.forEach((v, i) => assert.ok(Math.abs(f(v) - ownOut[i]!) < 1e-5, `${model} feature ${i}`));
      assert.ok(Math.min(...z) < 0, `${model}: linear features take negative values`);
      x.dispose();
      own.dispose();
      linear.dispose();
    });
  }

  it('resnet20 has no linear feature layer: a clear error, nothing built', () => {
    assert.throws(
      () => createBodyFor(getModel('resnet20'), [1, 28, 28], { seed: 1, features: 'linear' }),
      /resnet20 has no linear feature layer.*--features linear with keras-mlp/,
    );
  });
});
