import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearCKA } from '../../src/metrics/representation/cka.js';
import { type Matrix, matrix } from '../../src/metrics/matrix.js';
import { close, matmul, randn, randomOrthogonal } from './helpers.js';

/** Gram-matrix (sample-space) form: tr(K H L H) / sqrt(tr(K H K H) · tr(L H L H)), K = XXᵀ, L = YYᵀ. */
function ckaGram(x: Matrix, y: Matrix): number {
  const n = x.rows;
  const gram = (m: Matrix) => {
    const t = new Float64Array(m.cols * m.rows);
    for (let i = 0; i < m.rows; i++)
      for (let j = 0; j < m.cols; j++) t[j * m.rows + i] = m.data[i * m.cols + j];
    const k = matmul(m.data, n, m.cols, t, n);
    // H K H: subtract row and column means, add the grand mean.
    const row = new Float64Array(n);
    let all = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) row[i] += k[i * n + j] / n;
    for (let i = 0; i < n; i++) all += row[i] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] += all - row[i] - row[j];
    return k;
  };
  const k = gram(x);
  const l = gram(y);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  return dot(k, l) / Math.sqrt(dot(k, k) * dot(l, l));
}

function transform(x: Matrix, q: Float64Array, scale: number, shift: number): Matrix {
  const out = matmul(x.data, x.rows, x.cols, q, x.cols);
  for (let i = 0; i < out.length; i++) out[i] = out[i] * scale + shift;
  return matrix(out, x.rows, x.cols);
}

test('CKA(X, X) = 1 and matches the Gram-matrix form', () => {
  const x = randn(50, 8, 1);
  close(linearCKA(x, x), 1, 1e-12, 'CKA(X,X)');
  const y = randn(50, 3, 2);
  for (let i = 0; i < 50; i++) y.data[i * 3] += x.data[i * 8] * 2; // share one direction
  close(linearCKA(x, y), ckaGram(x, y), 1e-10, 'feature vs Gram form');
});

test('CKA is invariant to orthogonal transforms, isotropic scaling and translation', () => {
  const x = randn(100, 6, 3);
  const y = randn(100, 4, 4);
  for (let i = 0; i < 100; i++) y.data[i * 4 + 1] += x.data[i * 6 + 2];
  const base = linearCKA(x, y);
  const xq = transform(x, randomOrthogonal(6, 5), 3.7, 2);
  close(linearCKA(xq, y), base, 1e-10, 'orthogonal + scale + shift');
  close(linearCKA(xq, x), 1, 1e-10, 'CKA(XQ·a, X)');
  // A non-isotropic scaling is not an invariance: the test can tell the difference.
  const aniso = matrix(
    Float64Array.from(x.data, (v, i) => v * (i % 6 === 0 ? 10 : 1)),
    100,
    6,
  );
  assert.ok(linearCKA(aniso, x) < 0.9);
});

test('CKA of independent random features is small', () => {
  const v = linearCKA(randn(2000, 10, 6), randn(2000, 12, 7));
  assert.ok(v < 0.03, `CKA ${v}`);
});
