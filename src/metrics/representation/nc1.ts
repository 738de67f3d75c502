/**
 * NC1 = Tr(Σ_W Σ_B^†) / C, the within-class variability collapse of Papyan, Han & Donoho (2020), "Prevalence of
 * neural collapse during the terminal phase of deep learning training", PNAS 117(40):
 *
 *   μ_G = global mean of all features, μ_c = class means,
 *   Σ_W = (1/N) Σ_i (x_i − μ_{y_i})(x_i − μ_{y_i})ᵀ,
 *   Σ_B = (1/C) Σ_c (μ_c − μ_G)(μ_c − μ_G)ᵀ,
 *
 * and † is the Moore–Penrose pseudo-inverse. NC1 → 0 as features collapse to their class means.
 *
 * Method (no D×D matrix is formed, and no eigh is needed from the engine): let M = [μ_1 − μ_G, …, μ_C − μ_G] (D×C),
 * so Σ_B = M Mᵀ / C. With the C×C eigen-decomposition MᵀM = V S² Vᵀ (Jacobi, plain JS) the left singular vectors
 * are u_j = M v_j / s_j and Σ_B^† = Σ_j (C / s_j²) u_j u_jᵀ over the non-zero s_j. Then
 *
 *   Tr(Σ_W Σ_B^†) / C = Σ_j v_jᵀ K v_j / s_j⁴,   K = Mᵀ Σ_W M = (1/N) (Z M)ᵀ (Z M),
 *
 * where Z holds the class-centred features (x_i − μ_{y_i}). Cost O(N·D·C) + O(C³), all in float64.
 * Σ_B has rank ≤ C − 1 (Σ_c N_c (μ_c − μ_G) = 0, balanced or not), so its C-th eigenvalue is rounding noise;
 * like the reference code of Papyan et al. (`svds(Sb, k=C-1)`) only the C − 1 largest directions enter the
 * pseudo-inverse, and directions with s_j² ≤ `rtol` · max s² are treated as zero too (numpy's pinv cutoff).
 */
import { type Labels, type Matrix, checkLabels, classMeans } from '../matrix.js';
import { symmetricEigen } from './linalg.js';

export interface Nc1Result {
  nc1: number;
  /** Number of between-class directions kept in the pseudo-inverse (≤ C − 1). */
  rank: number;
  /** Tr(Σ_W) and Tr(Σ_B), for context. */
  withinTrace: number;
  betweenTrace: number;
}

export function nc1(x: Matrix, y: Labels, opts: { rtol?: number } = {}): number {
  return nc1Details(x, y, opts).nc1;
}

export function nc1Details(x: Matrix, y: Labels, opts: { rtol?: number } = {}): Nc1Result {
  const rtol = opts.rtol ?? 1e-10;
  const n = x.rows;
  const d = x.cols;
  const maxLabel = checkLabels('nc1', y, n);
  const { means: allMeans, counts } = classMeans(x, y, maxLabel);
  // Classes without samples are not part of this set (e.g. a subset of classes was passed).
  const classes: number[] = [];
  for (let c = 0; c < maxLabel; c++) if (counts[c] > 0) classes.push(c);
  const C = classes.length;
  if (C < 2) throw new Error(`nc1: needs at least 2 classes, got ${C}`);

  const global = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) global[j] += x.data[i * d + j];
  for (let j = 0; j < d; j++) global[j] /= n;

  // M stored row-major as D×C.
  const M = new Float64Array(d * C);
  const slot = new Int32Array(maxLabel).fill(-1);
  classes.forEach((c, k) => {
    slot[c] = k;
    for (let j = 0; j < d; j++) M[j * C + k] = allMeans[c * d + j] - global[j];
  });

  // G = MᵀM (C×C); Tr(Σ_B) = Tr(G)/C.
  const G = new Float64Array(C * C);
  for (let j = 0; j < d; j++) {
    const o = j * C;
    for (let a = 0; a < C; a++) {
      const ma = M[o + a];
      if (ma === 0) continue;
      for (let b = 0; b < C; b++) G[a * C + b] += ma * M[o + b];
    }
  }

  // K = (1/N) (ZM)ᵀ(ZM), streaming one row of Z at a time; Tr(Σ_W) alongside.
  const K = new Float64Array(C * C);
  const zm = new Float64Array(C);
  let withinTrace = 0;
  for (let i = 0; i < n; i++) {
    const mu = classes[slot[y[i]]] * d;
    zm.fill(0);
    for (let j = 0; j < d; j++) {
      const z = x.data[i * d + j] - allMeans[mu + j];
      withinTrace += z * z;
      const o = j * C;
      for (let a = 0; a < C; a++) zm[a] += z * M[o + a];
    }
    for (let a = 0; a < C; a++) {
      const za = zm[a];
      for (let b = 0; b < C; b++) K[a * C + b] += za * zm[b];
    }
  }
  for (let i = 0; i < C * C; i++) K[i] /= n;

  const { values, vectors } = symmetricEigen(G, C);
  const top = values[0];
  let sum = 0;
  let rank = 0;
  for (let j = 0; j < C - 1; j++) {
    const s2 = values[j];
    if (!(s2 > rtol * top)) continue;
    rank++;
    let q = 0;
    for (let a = 0; a < C; a++) {
      let ka = 0;
      for (let b = 0; b < C; b++) ka += K[a * C + b] * vectors[b * C + j];
      q += vectors[a * C + j] * ka;
    }
    sum += q / (s2 * s2);
  }
  let trG = 0;
  for (let a = 0; a < C; a++) trG += G[a * C + a];
  return { nc1: sum, rank, withinTrace: withinTrace / n, betweenTrace: trG / C };
}
