import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../../src/metrics/representation/linalg.js';
import { gaussian, matmul, rng } from './helpers.js';

test('Jacobi eigen-decomposition reconstructs A and gives orthonormal vectors', () => {
  for (const n of [1, 2, 5, 12]) {
    const g = gaussian(rng(n));
    const b = Float64Array.from({ length: n * n }, () => g());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = b[i * n + j] + b[j * n + i];
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1] >= values[i]);
    // V Λ Vᵀ = A and VᵀV = I.
    const vl = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vl[i * n + j] = vectors[i * n + j] * values[j];
    const vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vt[i * n + j] = vectors[j * n + i];
    const rec = matmul(vl, n, n, vt, n);
    const vtv = matmul(vt, n, n, vectors, n);
    for (let i = 0; i < n * n; i++) {
      assert.ok(Math.abs(rec[i] - a[i]) < 1e-10, `n=${n} reconstruction`);
      assert.ok(Math.abs(vtv[i] - (i % (n + 1) === 0 ? 1 : 0)) < 1e-10, `n=${n} orthonormality`);
    }
  }
});

test('Jacobi on a known 2×2: eigenvalues of [[2,1],[1,2]] are 3 and 1', () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  assert.ok(Math.abs(values[0] - 3) < 1e-14 && Math.abs(values[1] - 1) < 1e-14);
  assert.ok(Math.abs(Math.abs(vectors[0]) - Math.SQRT1_2) < 1e-14);
});
