import { keep, tensor, type Device, type Tensor } from '../engine/index.js';
import { epochOrder, type BatchOptions } from './batch-indices.js';
import { sampleSize, type ArrayDataset } from './types.js';

export interface Batch {
  /** float32 [size, ...sampleShape]. */
  x: Tensor;
  /** int64 [size] class labels; for regression datasets (yReal), float32 [size, 1] targets. */
  y: Tensor;
  size: number;
}

/**
 * A split uploaded to a device once, so that training draws its batches there (an index select per batch) with no
 * per-batch host copy. x is float32 [n, ...sampleShape]; y is int64 [n], or float32 [n, 1] for regression datasets.
 */
export interface DeviceSplit {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly n: number;
  readonly device: Device;
}

const uploads = new WeakMap<ArrayDataset, Map<Device, DeviceSplit>>();

/**
 * The split on `device`, uploaded on first use and kept as long as the dataset object lives (a worker trains many runs
 * on one loaded dataset). Its tensors belong to the cache: never dispose them.
 */
export function onDevice(ds: ArrayDataset, device: Device): DeviceSplit {
  let perDevice = uploads.get(ds);
  if (!perDevice) {
    perDevice = new Map();
    uploads.set(ds, perDevice);
  }
  let split = perDevice.get(device);
  if (!split) {
    const regression = ds.yReal !== undefined;
    const x = keep(tensor(ds.x.subarray(0, ds.n * sampleSize(ds)), [ds.n, ...ds.sampleShape], { device }));
    const y = keep(
      regression
        ? tensor(ds.yReal!.subarray(0, ds.n), [ds.n, 1], { device })
        : tensor(ds.y.subarray(0, ds.n), [ds.n], { device }),
    );
    split = { x, y, n: ds.n, device };
    perDevice.set(device, split);
  }
  return split;
}

/**
 * Batches drawn on the split's device, in exactly batchIndices' order: one upload of the epoch's permutation, then an
 * index select per batch (a narrow view when not shuffled). The caller owns each yielded x and y.
 */
export function* deviceBatches(
  split: DeviceSplit,
  batchSize: number,
  opts: BatchOptions & { limit?: number } = {},
): Generator<Batch> {
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const n = Math.min(split.n, opts.limit ?? split.n);
  if (!opts.shuffle) {
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      if (opts.dropLast && b < batchSize) break;
      yield { x: split.x.narrow(0, start, b), y: split.y.narrow(0, start, b), size: b };
    }
    return;
  }
  const order = keep(tensor(epochOrder(n, opts), [n], { device: split.device }));
  try {
    for (let start = 0; start < n; start += batchSize) {
      const b = Math.min(batchSize, n - start);
      if (opts.dropLast && b < batchSize) break;
      const idx = order.narrow(0, start, b);
      const x = split.x.indexSelect(0, idx);
      const y = split.y.indexSelect(0, idx);
      idx.dispose();
      yield { x, y, size: b };
    }
  } finally {
    order.dispose();
  }
}
