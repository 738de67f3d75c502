/**
 * Host-side row-major matrices and label arrays shared by every metric.
 *
 * Metrics work on plain typed arrays so they stay cheap, deterministic and testable without the native engine;
 * the engine-accelerated paths (see `./engine-ops.ts`) take the same inputs.
 */

export type FloatArray = Float32Array | Float64Array;

/** A dense row-major matrix: `data[r * cols + c]`. */
export interface Matrix {
  readonly data: FloatArray;
  readonly rows: number;
  readonly cols: number;
}

/** Integer class labels 0..C-1, one per row. */
export type Labels = Int32Array | readonly number[];

export function matrix(data: FloatArray, rows: number, cols: number): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`matrix: bad shape [${rows}, ${cols}]`);
  }
  if (data.length !== rows * cols) {
    throw new Error(
      `matrix: data has ${data.length} values but shape [${rows}, ${cols}] needs ${rows * cols}`,
    );
  }
  return { data, rows, cols };
}

/** Builds a matrix from nested rows (tests and small examples). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0].length;
  const data = new Float64Array(n * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`fromRows: row ${i} has ${r.length} values, expected ${d}`);
    data.set(r, i * d);
  });
  return { data, rows: n, cols: d };
}

export function checkLabels(name: string, y: Labels, n: number): number {
  if (y.length !== n) throw new Error(`${name}: ${y.length} labels for ${n} rows`);
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`${name}: label ${v} at row ${i} is not a class index`);
    if (v > max) max = v;
  }
  return max + 1;
}

/** Copy with every row scaled to unit L2 norm (zero rows stay zero). Float64 so later sums do not lose precision. */
export function l2NormalizeRows(x: Matrix): Float64Array {
  const { rows: n, cols: d, data } = x;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += data[o + j] * data[o + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[o + j] = data[o + j] * inv;
  }
  return out;
}

/** Per-class sample counts and class means (float64); `numClasses` defaults to max label + 1. */
export function classMeans(
  x: Matrix,
  y: Labels,
  numClasses?: number,
): { means: Float64Array; counts: Int32Array; numClasses: number } {
  const c = numClasses ?? checkLabels('classMeans', y, x.rows);
  const { rows: n, cols: d, data } = x;
  const means = new Float64Array(c * d);
  const counts = new Int32Array(c);
  for (let i = 0; i < n; i++) {
    const k = y[i];
    if (k >= c) throw new Error(`classMeans: label ${k} >= numClasses ${c}`);
    counts[k]++;
    const o = i * d;
    const m = k * d;
    for (let j = 0; j < d; j++) means[m + j] += data[o + j];
  }
  for (let k = 0; k < c; k++) {
    if (counts[k] === 0) continue;
    const inv = 1 / counts[k];
    for (let j = 0; j < d; j++) means[k * d + j] *= inv;
  }
  return { means, counts, numClasses: c };
}

/** Index of the largest value in row `r` (first one on ties, like torch.argmax on CPU). */
export function rowArgmax(data: ArrayLike<number>, r: number, cols: number): number {
  const o = r * cols;
  let best = 0;
  let bv = data[o];
  for (let j = 1; j < cols; j++) {
    if (data[o + j] > bv) {
      bv = data[o + j];
      best = j;
    }
  }
  return best;
}
