/**
 * Class-separation R² of Kornblith, Chen, Lee & Norouzi (2021), "Why Do Better Loss Functions Lead to Less
 * Transferable Features?", NeurIPS 34 (arXiv:2010.16402), Section 5:
 *
 *   R² = 1 − d̄_within / d̄_total,
 *   d̄_within = Σ_k Σ_{m,n ≤ N_k} (1 − sim(x_{k,m}, x_{k,n})) / (K · N_k²),
 *   d̄_total  = Σ_j Σ_k Σ_{m ≤ N_j} Σ_{n ≤ N_k} (1 − sim(x_{j,m}, x_{k,n})) / (K² · N_j · N_k),
 *
 * with sim the cosine similarity, K the number of classes and every ordered pair counted (m = n included, as in
 * the paper's sums). Each class carries equal weight whatever its size.
 *
 * Computed in closed form in O(N·D): with x̂ = x/‖x‖ and μ_k the mean of the x̂ in class k,
 * Σ_{m,n} sim = N_k² ‖μ_k‖², so d̄_within = 1 − (1/K) Σ_k ‖μ_k‖² and d̄_total = 1 − ‖(1/K) Σ_k μ_k‖².
 * R² is 1 when each class collapses to one direction and ≈ 0 when labels carry no angular information.
 */
import { type Labels, type Matrix, checkLabels } from '../matrix.js';

export function classSeparationR2(x: Matrix, y: Labels): number {
  const present = checkLabels('classSeparationR2', y, x.rows);
  const { rows: n, cols: d, data } = x;
  // One pass: class sums of the unit-normalised rows (no normalised copy of the features).
  const sums = new Float64Array(present * d);
  const counts = new Float64Array(present);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let sq = 0;
    for (let j = 0; j < d; j++) sq += data[o + j] * data[o + j];
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    const c = y[i] * d;
    counts[y[i]]++;
    for (let j = 0; j < d; j++) sums[c + j] += data[o + j] * inv;
  }
  const grand = new Float64Array(d);
  let k = 0;
  let within = 0;
  for (let c = 0; c < present; c++) {
    if (counts[c] === 0) continue; // a label id with no samples is not a class of this set
    k++;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const m = sums[c * d + j] / counts[c];
      sq += m * m;
      grand[j] += m;
    }
    within += sq;
  }
  if (k < 2) throw new Error(`classSeparationR2: needs at least 2 classes, got ${k}`);
  let g = 0;
  for (let j = 0; j < d; j++) g += (grand[j] / k) ** 2;
  const dWithin = 1 - within / k;
  const dTotal = 1 - g;
  return 1 - dWithin / dTotal;
}
