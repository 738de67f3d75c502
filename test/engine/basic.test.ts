import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ones, zeros, scope, liveTensorCount } from '../../src/engine/index.js';

test('creation, add, matmul, backward, toFloat32Array', () => {
  const base = liveTensorCount();
  scope(() => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const b = tensor([1, 0, 0, 1, 1, 1], [3, 2]);
    // [1 2 3; 4 5 6] @ [1 0; 0 1; 1 1] = [4 5; 10 11]
    const c = a.matmul(b);
    assert.deepEqual(Array.from(c.toFloat32Array()), [4, 5, 10, 11]);
    assert.deepEqual(c.shape, [2, 2]);
    assert.deepEqual(Array.from(c.add(ones([2, 2])).toFloat32Array()), [5, 6, 11, 12]);
    c.sum().backward();
    // d/dA sum(A B) = 1 Bᵀ: every row is the row sums of B = [1, 1, 2]
    assert.deepEqual(Array.from(a.grad!.toFloat32Array()), [1, 1, 2, 1, 1, 2]);
    assert.equal(zeros([3]).dtype, 'float32');
  });
  assert.equal(liveTensorCount(), base);
});
