import { Rng, permutation } from './rng.js';

export interface BatchOptions {
  /** Shuffle the order each epoch (training); false keeps 0..n-1 (evaluation). */
  shuffle?: boolean;
  seed?: number;
  epoch?: number;
  /** Drop a last batch smaller than batchSize; default false. */
  dropLast?: boolean;
}

/**
 * The row indices of each batch. With shuffle, the order is a permutation determined by (seed, epoch) alone, so a
 * resumed or repeated run sees exactly the same batches. The yielded arrays are views into one buffer: copy one if
 * you keep it past the next iteration.
 */
export function* batchIndices(n: number, batchSize: number, opts: BatchOptions = {}): Generator<Int32Array> {
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const order = epochOrder(n, opts);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    if (opts.dropLast && end - start < batchSize) break;
    yield order.subarray(start, end);
  }
}

/** The row order of one epoch: a permutation determined by (seed, epoch) with shuffle, else 0..n-1. */
export function epochOrder(n: number, opts: BatchOptions = {}): Int32Array {
  if (opts.shuffle) return permutation(n, new Rng('batches', opts.seed ?? 0, opts.epoch ?? 0));
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Number of batches batchIndices yields. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}
