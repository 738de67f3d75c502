import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, noGrad, rand, scope, setNumThreads } from '../../src/engine/index.js';
import { getModel, listModels } from '../../src/nn/index.js';

setNumThreads(1);

describe('model registry', () => {
  it('lists the five bodies with their reference optimizers', () => {
    assert.deepEqual(
      listModels().map((m) => m.id),
      ['keras-mlp', 'keras-cnn', 'paper-fcn', 'lenet5', 'resnet20'],
    );
    assert.deepEqual(getModel('keras-mlp').defaultOptimizer, {
      kind: 'rmsprop',
      lr: 1e-3,
      alpha: 0.9,
      eps: 1e-7,
    });
    assert.deepEqual(getModel('keras-cnn').defaultOptimizer, {
      kind: 'adadelta',
      lr: 1.0,
      rho: 0.95,
      eps: 1e-7,
    });
    assert.equal(getModel('paper-fcn').defaultOptimizer.kind, 'sgd');
    assert.equal(getModel('keras-mlp').defaultEpochs, 20);
    assert.equal(getModel('keras-cnn').defaultEpochs, 12);
    assert.ok(listModels().every((m) => m.defaultBatchSize === 128));
    assert.throws(() => getModel('vgg16'), /unknown model 'vgg16'/);
  });
});

// Parameter counts worked out by hand from the layer sizes (the Keras summaries minus the final Dense(10)).
const CASES: { id: string; input: number[]; featureDim: number; params?: number }[] = [
  { id: 'keras-mlp', input: [1, 28, 28], featureDim: 512, params: 784 * 512 + 512 + 512 * 512 + 512 },
  {
    id: 'keras-cnn',
    input: [1, 28, 28],
    featureDim: 128,
    params: 32 * 9 + 32 + 64 * 32 * 9 + 64 + 64 * 12 * 12 * 128 + 128,
  },
  {
    id: 'keras-cnn',
    input: [3, 32, 32],
    featureDim: 128,
    params: 32 * 27 + 32 + 64 * 32 * 9 + 64 + 64 * 14 * 14 * 128 + 128,
  },
  { id: 'paper-fcn', input: [1, 28, 28], featureDim: 128, params: 784 * 128 + 128 + 128 * 128 + 128 },
  {
    id: 'lenet5',
    input: [1, 28, 28],
    featureDim: 84,
    params: 6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84,
  },
  {
    id: 'lenet5',
    input: [3, 32, 32],
    featureDim: 84,
    params: 6 * 75 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84,
  },
  // ResNet-20 has 269,722 parameters with its 64→10 classifier (He et al.: 0.27M); the body is that minus 650.
  { id: 'resnet20', input: [3, 32, 32], featureDim: 64, params: 269_722 - 650 },
  { id: 'resnet20', input: [1, 28, 28], featureDim: 64 },
];

describe('bodies: forward shapes and sizes', () => {
  for (const c of CASES) {
    it(`${c.id} on ${c.input.join('×')} → [B, ${c.featureDim}]`, () => {
      const body = getModel(c.id).createBody(c.input, { seed: 0 });
      assert.equal(body.featureDim, c.featureDim);
      if (c.params !== undefined) assert.equal(body.numParameters(), c.params);
      const shape = scope(() => body.forward(rand([3, ...c.input])).shape);
      assert.deepEqual(shape, [3, c.featureDim]);
      body.eval();
      const evalShape = scope(() => noGrad(() => body.forward(rand([2, ...c.input])).shape));
      assert.deepEqual(evalShape, [2, c.featureDim]);
      body.dispose();
    });
  }
  it('the seed option makes bodies reproducible', () => {
    const w = (seed: number): number[] => {
      const b = getModel('lenet5').createBody([1, 28, 28], { seed });
      const v = b.parameters()[0].toNumbers();
      b.dispose();
      return v;
    };
    assert.deepEqual(w(3), w(3));
    assert.notDeepEqual(w(3), w(4));
  });
  it('keras-mlp: dropout makes training forwards random and eval forwards deterministic', () => {
    manualSeed(0);
    const body = getModel('keras-mlp').createBody([1, 28, 28], {});
    const x = rand([4, 1, 28, 28]);
    const [a, b] = scope(() => [body.forward(x).toNumbers(), body.forward(x).toNumbers()]);
    assert.notDeepEqual(a, b);
    body.eval();
    const [c, d] = scope(() => [body.forward(x).toNumbers(), body.forward(x).toNumbers()]);
    assert.deepEqual(c, d);
    x.dispose();
    body.dispose();
  });
  it('resnet20: BatchNorm running statistics move in training and stay in eval', () => {
    const body = getModel('resnet20').createBody([3, 32, 32], { seed: 0 });
    const rm = (): number[] => body.buffers()[0].toNumbers();
    const before = rm();
    scope(() => body.forward(rand([4, 3, 32, 32])));
    const after = rm();
    assert.notDeepEqual(before, after);
    body.eval();
    scope(() => body.forward(rand([4, 3, 32, 32])));
    assert.deepEqual(rm(), after);
    body.dispose();
  });
  it('rejects inputs too small for the architecture', () => {
    assert.throws(() => getModel('lenet5').createBody([1, 8, 8], {}), /too small/);
    assert.throws(() => getModel('keras-cnn').createBody([784], {}), /input shape/);
  });
});
