import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nc1, nc1Details } from '../../src/metrics/representation/nc1.js';
import { symmetricEigen } from '../../src/metrics/representation/linalg.js';
import { fromRows, type Matrix } from '../../src/metrics/matrix.js';
import { clusters, close, matmul, randn, randomLabels } from './helpers.js';

/** Direct D×D computation: Σ_W, Σ_B, pinv(Σ_B) by eigen-decomposition of Σ_B itself, Tr(Σ_W Σ_B^†)/C. */
function nc1Direct(x: Matrix, y: ArrayLike<number>): number {
  const { rows: n, cols: d, data } = x;
  const classes = [...new Set(Array.from(y))].sort((a, b) => a - b);
  const C = classes.length;
  const mu = new Map<number, Float64Array>();
  const g = new Float64Array(d);
  for (const c of classes) {
    const m = new Float64Array(d);
    let cnt = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== c) continue;
      cnt++;
      for (let j = 0; j < d; j++) m[j] += data[i * d + j];
    }
    for (let j = 0; j < d; j++) m[j] /= cnt;
    mu.set(c, m);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) g[j] += data[i * d + j] / n;
  const sw = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const m = mu.get(y[i])!;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) sw[a * d + b] += ((data[i * d + a] - m[a]) * (data[i * d + b] - m[b])) / n;
    }
  }
  const sb = new Float64Array(d * d);
  for (const m of mu.values()) {
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) sb[a * d + b] += ((m[a] - g[a]) * (m[b] - g[b])) / C;
  }
  const { values, vectors } = symmetricEigen(sb, d);
  const pinv = new Float64Array(d * d);
  // Rank-(C−1) pseudo-inverse, as in Papyan et al.'s reference code (svds(Sb, k=C-1)).
  for (let k = 0; k < Math.min(d, C - 1); k++) {
    if (values[k] <= 1e-9 * values[0]) continue;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) pinv[a * d + b] += (vectors[a * d + k] * vectors[b * d + k]) / values[k];
    }
  }
  const prod = matmul(sw, d, d, pinv, d);
  let tr = 0;
  for (let a = 0; a < d; a++) tr += prod[a * d + a];
  return tr / C;
}

test('NC1 on a hand example: spread s along the between-class axis gives s²/(2a²)', () => {
  // Class means ±a·e1 (a = 2), within-class spread ±s along e1 (s = 0.5): Σ_B = a² e1e1ᵀ, Σ_W = s² e1e1ᵀ.
  const a = 2;
  const s = 0.5;
  const x = fromRows([
    [a + s, 0],
    [a - s, 0],
    [-a + s, 0],
    [-a - s, 0],
  ]);
  close(nc1(x, [0, 0, 1, 1]), (s * s) / (2 * a * a), 1e-12, 'NC1');
  // Spread orthogonal to the between-class axis is invisible to Σ_B^†: NC1 = 0.
  const y = fromRows([
    [a, s],
    [a, -s],
    [-a, s],
    [-a, -s],
  ]);
  close(nc1(y, [0, 0, 1, 1]), 0, 1e-12, 'orthogonal spread');
});

test('NC1 through the C×C span equals the direct D×D pseudo-inverse', () => {
  const x = randn(200, 7, 5);
  const y = Int32Array.from({ length: 200 }, (_, i) => (i < 30 ? 0 : i < 90 ? 1 : i < 150 ? 2 : 3));
  for (let i = 0; i < 200; i++) x.data[i * 7 + y[i]] += 2; // separate the means a little
  close(nc1(x, y), nc1Direct(x, y), 1e-8 * nc1Direct(x, y), 'unbalanced');
  const b = clusters(120, 4, 6, 0.7, 9);
  const direct = nc1Direct(b.x, b.y);
  close(nc1(b.x, b.y), direct, 1e-8 * direct, 'balanced');
  // Balanced classes: the centred means sum to 0, so Σ_B has rank C − 1.
  assert.equal(nc1Details(b.x, b.y).rank, 3);
});

test('NC1 is ~0 for collapsed clusters and large for random labels', () => {
  const tight = clusters(400, 5, 10, 1e-3, 2);
  const v = nc1(tight.x, tight.y);
  assert.ok(v < 1e-5, `tight NC1 ${v}`);
  const r = nc1(randn(2000, 20, 3), randomLabels(2000, 5, 4));
  assert.ok(r > 10, `random-label NC1 ${r}`);
});

test('NC1 is stable under class imbalance and Σ_B keeps rank C − 1', () => {
  // Same clusters, once balanced and once with 40% of one class dropped: μ_G (sample-weighted) moves, but
  // Σ_c N_c (μ_c − μ_G) = 0 still holds, so the rank stays C − 1 and NC1 barely moves.
  const b = clusters(400, 4, 8, 0.8, 21);
  const keep = Array.from({ length: 400 }, (_, i) => i).filter((i) => !(b.y[i] === 0 && i < 40));
  const x = new Float32Array(keep.length * 8);
  keep.forEach((i, r) => x.set(b.x.data.subarray(i * 8, i * 8 + 8), r * 8));
  const y = Int32Array.from(keep, (i) => b.y[i]);
  const balanced = nc1(b.x, b.y);
  const unbalanced = nc1({ data: x, rows: keep.length, cols: 8 }, y);
  assert.ok(
    Math.abs(unbalanced - balanced) < 0.1 * balanced,
    `balanced ${balanced}, unbalanced ${unbalanced}`,
  );
  assert.equal(nc1Details({ data: x, rows: keep.length, cols: 8 }, y).rank, 3);
});
