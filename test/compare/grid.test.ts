import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandGrid } from '../../src/compare/grid.js';
import { executionOrder } from '../../src/runs/index.js';

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
