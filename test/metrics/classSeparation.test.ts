import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classSeparationR2 } from '../../src/metrics/representation/classSeparation.js';
import { fromRows, type Matrix } from '../../src/metrics/matrix.js';
import { clusters, close, randn, randomLabels } from './helpers.js';

/** The paper's sums taken literally over every ordered pair (O(N²)), independent of the closed form. */
function r2BruteForce(x: Matrix, y: ArrayLike<number>): number {
  const { rows: n, cols: d, data } = x;
  const cos = (a: number, b: number) => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = 0; j < d; j++) {
      ab += data[a * d + j] * data[b * d + j];
      aa += data[a * d + j] ** 2;
      bb += data[b * d + j] ** 2;
    }
    return ab / Math.sqrt(aa * bb);
  };
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  const members = classes.map((c) => Array.from({ length: n }, (_, i) => i).filter((i) => y[i] === c));
  const K = classes.length;
  let within = 0;
  for (const m of members) {
    let s = 0;
    for (const a of m) for (const b of m) s += 1 - cos(a, b);
    within += s / (K * m.length * m.length);
  }
  let total = 0;
  for (const mj of members) {
    for (const mk of members) {
      let s = 0;
      for (const a of mj) for (const b of mk) s += 1 - cos(a, b);
      total += s / (K * K * mj.length * mk.length);
    }
  }
  return 1 - within / total;
}

test('R² on a hand-computed example is 1/3', () => {
  // class 0 = {e1, e2}, class 1 = {e1}: d̄_within = 2/(2·4) = 0.25; d̄_total = (2/16 + 1/8 + 1/8 + 0) = 0.375.
  const x = fromRows([
    [1, 0],
    [0, 3],
    [2, 0],
  ]);
  close(classSeparationR2(x, [0, 0, 1]), 1 / 3, 1e-12, 'R²');
});

test('R² closed form equals the pairwise definition on unbalanced data', () => {
  const x = randn(60, 5, 3);
  const y = Int32Array.from({ length: 60 }, (_, i) => (i < 5 ? 0 : i < 25 ? 1 : 2));
  // Shift class 1 so that R² is far from 0.
  for (let i = 5; i < 25; i++) x.data[i * 5] += 3;
  const r2 = classSeparationR2(x, y);
  close(r2, r2BruteForce(x, y), 1e-10, 'R²');
  assert.ok(r2 > 0.1);
});

test('R² is 1 for classes collapsed to one direction each (any norms) and near 1 for tight clusters', () => {
  const x = fromRows([
    [1, 0, 0],
    [7, 0, 0],
    [0, 2, 0],
    [0, 0.5, 0],
    [0, 0, 3],
  ]);
  close(classSeparationR2(x, [0, 0, 1, 1, 2]), 1, 1e-12, 'collapsed');
  const { x: cx, y } = clusters(300, 5, 8, 0.05, 1);
  const r2 = classSeparationR2(cx, y);
  assert.ok(r2 > 0.99, `tight clusters R² ${r2}`);
});

test('R² of random Gaussian features with random labels is near 0', () => {
  const x = randn(3000, 32, 11);
  const r2 = classSeparationR2(x, randomLabels(3000, 10, 12));
  assert.ok(Math.abs(r2) < 0.01, `R² ${r2}`);
});
