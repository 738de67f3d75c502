import { type Matrix, matrix } from '../../src/metrics/matrix.js';

import { rng } from '../rng.js';

export { rng };

export function gaussian(r: () => number): () => number {
  return () => {
    const u = Math.max(r(), 1e-300);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  };
}

export function randn(n: number, d: number, seed: number): Matrix {
  const g = gaussian(rng(seed));
  const data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = g();
  return matrix(data, n, d);
}

export function randomLabels(n: number, c: number, seed: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * c));
}

/**
 * Tight clusters: class k sits around centre 5·e_k (so classes are orthogonal directions, needs d ≥ c) with
 * Gaussian noise `noise` per coordinate. Labels cycle 0..c-1 so classes are balanced.
 */
export function clusters(
  n: number,
  c: number,
  d: number,
  noise: number,
  seed: number,
): { x: Matrix; y: Int32Array } {
  if (d < c) throw new Error('clusters: need d >= c');
  const g = gaussian(rng(seed));
  const data = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % c;
    y[i] = k;
    for (let j = 0; j < d; j++) data[i * d + j] = (j === k ? 5 : 0) + noise * g();
  }
  return { x: matrix(data, n, d), y };
}

/** Random d×d orthogonal matrix (Gram–Schmidt on a Gaussian matrix), row-major. */
export function randomOrthogonal(d: number, seed: number): Float64Array {
  const g = gaussian(rng(seed));
  const q = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const v = Float64Array.from({ length: d }, () => g());
    for (let p = 0; p < i; p++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[j] * q[p * d + j];
      for (let j = 0; j < d; j++) v[j] -= dot * q[p * d + j];
    }
    const nrm = Math.hypot(...v);
    for (let j = 0; j < d; j++) q[i * d + j] = v[j] / nrm;
  }
  return q;
}

/** A [n, k] × B [k, m] for row-major arrays. */
export function matmul(
  a: ArrayLike<number>,
  n: number,
  k: number,
  b: ArrayLike<number>,
  m: number,
): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      for (let j = 0; j < m; j++) out[i * m + j] += aip * b[p * m + j];
    }
  }
  return out;
}

export function close(actual: number, expected: number, tol: number, what = ''): void {
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what} expected ${expected} ± ${tol}, got ${actual}`);
  }
}
