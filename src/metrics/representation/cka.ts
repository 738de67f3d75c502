/**
 * Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019, "Similarity of Neural Network
 * Representations Revisited", ICML), feature-space form on column-centred X [N, D1] and Y [N, D2]:
 *
 *   CKA(X, Y) = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F).
 *
 * It is 1 for identical representations and invariant to orthogonal transforms and isotropic scaling of either side.
 * Rows of X and Y must be the same examples in the same order.
 */
import type { Matrix } from '../matrix.js';

export function linearCKA(x: Matrix, y: Matrix): number {
  if (x.rows !== y.rows) throw new Error(`linearCKA: X has ${x.rows} rows but Y has ${y.rows}`);
  const xc = centreColumns(x);
  const yc = centreColumns(y);
  const xy = frobSq(crossProduct(yc, y.cols, xc, x.cols, x.rows));
  const xx = Math.sqrt(frobSq(crossProduct(xc, x.cols, xc, x.cols, x.rows)));
  const yy = Math.sqrt(frobSq(crossProduct(yc, y.cols, yc, y.cols, y.rows)));
  if (xx === 0 || yy === 0) throw new Error('linearCKA: a representation is constant across examples');
  return xy / (xx * yy);
}

/** Column-centred float64 copy. */
export function centreColumns(x: Matrix): Float64Array {
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = data[i * d + j] - mean[j];
  return out;
}

/** AᵀB for A [n, da], B [n, db] (row-major), as da×db. */
function crossProduct(a: Float64Array, da: number, b: Float64Array, db: number, n: number): Float64Array {
  const out = new Float64Array(da * db);
  for (let i = 0; i < n; i++) {
    const ao = i * da;
    const bo = i * db;
    for (let p = 0; p < da; p++) {
      const ap = a[ao + p];
      if (ap === 0) continue;
      const oo = p * db;
      for (let q = 0; q < db; q++) out[oo + q] += ap * b[bo + q];
    }
  }
  return out;
}

function frobSq(m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  return s;
}
