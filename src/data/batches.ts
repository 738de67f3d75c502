import { tensor, type Device, type Tensor } from '../engine/index.js';
import { batchIndices, type BatchOptions } from './batch-indices.js';
import { sampleSize, type ArrayDataset } from './types.js';

export interface Batch {
  /** float32 [size, ...sampleShape]. */
  x: Tensor;
  /** int64 [size] class labels; for regression datasets (yReal), float32 [size, 1] targets. */
  y: Tensor;
  size: number;
}

export interface TensorBatchOptions extends BatchOptions {
  /** Where the tensors are created; default 'cpu'. */
  device?: Device;
}

/**
 * Yields engine tensors batch by batch; the order is batchIndices' (deterministic in (seed, epoch)). Rows are gathered
 * into one reused host buffer, then copied once into the tensor. Each yielded tensor is new and owned by the caller
 * (or the enclosing scope): dispose x and y when done with the batch.
 */
export function* batches(
  ds: ArrayDataset,
  batchSize: number,
  opts: TensorBatchOptions = {},
): Generator<Batch> {
  const s = sampleSize(ds);
  const cap = Math.min(batchSize, Math.max(1, ds.n));
  const xBuf = new Float32Array(cap * s);
  const regression = ds.yReal !== undefined;
  const yBuf = regression ? new Float32Array(cap) : new Int32Array(cap);
  const yFrom: Float32Array | Int32Array = regression ? ds.yReal! : ds.y;
  const device = opts.device ?? 'cpu';
  for (const idx of batchIndices(ds.n, batchSize, opts)) {
    const b = idx.length;
    for (let j = 0; j < b; j++) {
      const i = idx[j];
      xBuf.set(ds.x.subarray(i * s, (i + 1) * s), j * s);
      yBuf[j] = yFrom[i];
    }
    const x = tensor(xBuf.subarray(0, b * s), [b, ...ds.sampleShape], { device });
    const y = regression
      ? tensor(yBuf.subarray(0, b) as Float32Array, [b, 1], { device })
      : tensor(yBuf.subarray(0, b) as Int32Array, [b], { device });
    yield { x, y, size: b };
  }
}
