import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandGrid } from '../../src/compare/grid.js';
import { executionOrder } from '../../src/runs/index.js';
import { runKey } from '../../src/train/config.js';

test('grids train seed-major, so a stopped grid has every head at nearly the same number of seeds', () => {
  const configs = expandGrid({
    name: 'g',
    datasets: ['mnist'],
    models: ['keras-mlp'],
    heads: ['softmax-ce', 'linear-mse', 'oland-exp'],
    seeds: [3, 1, 2],
    epochs: 1,
  });
  assert.equal(configs.length, 9);
  const order = executionOrder(configs).map((c) => `${c.seed}:${c.head}`);
  assert.deepEqual(order, [
    '3:softmax-ce',
    '3:linear-mse',
    '3:oland-exp',
    '1:softmax-ce',
    '1:linear-mse',
    '1:oland-exp',
    '2:softmax-ce',
    '2:linear-mse',
    '2:oland-exp',
  ]);
  // same runs, only reordered
  assert.deepEqual(new Set(executionOrder(configs)), new Set(configs));
});

test('a grid with features: linear puts it in every run config (and so in the run key); without, the key is unchanged', () => {
  const spec = {
    name: 'g',
    datasets: ['mnist'],
    models: ['keras-cnn'],
    heads: ['softmax-ce', 'am-softmax'],
    seeds: [1],
    epochs: 1,
  };
  const plain = expandGrid(spec);
  const linear = expandGrid({ ...spec, features: 'linear' });
  assert.ok(linear.every((c) => c.features === 'linear'));
  assert.ok(plain.every((c) => !('features' in c)));
  assert.notEqual(runKey(linear[0]!), runKey(plain[0]!));
});
