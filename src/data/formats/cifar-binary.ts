/**
 * CIFAR-10 binary batches (cifar-10-batches-bin): each record is 1 label byte then 3072 pixel bytes, 1024 per channel
 * (R, G, B), each channel row-major 32×32 — already CHW.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { maybeGunzip } from './gzip.js';

export const CIFAR_RECORD_PIXELS = 3 * 32 * 32;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_RECORD_PIXELS;
export const CIFAR_TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
];
export const CIFAR_TEST_FILE = 'test_batch.bin';
export const CIFAR10_DEFAULT_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

export interface CifarBatch {
  n: number;
  /** [n, 3072] raw bytes, CHW per record. */
  pixels: Uint8Array;
  labels: Uint8Array;
}

/** Parses one batch file; `numClasses` bounds the label byte. */
export function parseCifarBatch(buffer: Uint8Array, source: string, numClasses = 10): CifarBatch {
  const buf = maybeGunzip(buffer, source);
  if (buf.length === 0 || buf.length % CIFAR_RECORD_BYTES !== 0) {
    const whole = Math.floor(buf.length / CIFAR_RECORD_BYTES);
    throw new DataError(
      `${source}: truncated CIFAR-10 batch (${buf.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte records; ` +
        `${whole} complete); download and extract cifar-10-binary.tar.gz again.`,
    );
  }
  const n = buf.length / CIFAR_RECORD_BYTES;
  const pixels = new Uint8Array(n * CIFAR_RECORD_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * CIFAR_RECORD_BYTES;
    const label = buf[off];
    if (label >= numClasses) {
      throw new DataError(
        `${source}: record ${i} has label ${label}, outside 0..${numClasses - 1}; this is not a CIFAR-10 binary batch ` +
          `(CIFAR-100 binaries have 2 label bytes and are not supported).`,
      );
    }
    labels[i] = label;
    pixels.set(buf.subarray(off + 1, off + CIFAR_RECORD_BYTES), i * CIFAR_RECORD_PIXELS);
  }
  return { n, pixels, labels };
}

/** Several batches as one: the records in order, pixels still raw bytes, labels as a dataset's y. */
export function concatCifarBatches(batches: readonly CifarBatch[]): {
  n: number;
  pixels: Uint8Array;
  y: Int32Array;
} {
  const n = batches.reduce((s, b) => s + b.n, 0);
  const pixels = new Uint8Array(n * CIFAR_RECORD_PIXELS);
  const y = new Int32Array(n);
  let at = 0;
  for (const b of batches) {
    pixels.set(b.pixels, at * CIFAR_RECORD_PIXELS);
    y.set(b.labels, at);
    at += b.n;
  }
  return { n, pixels, y };
}

/** Class names from batches.meta.txt (one per line), or the standard ten when absent. */
export function readCifarClassNames(dir: string): string[] {
  const p = join(dir, 'batches.meta.txt');
  if (!existsSync(p)) return [...CIFAR10_DEFAULT_CLASSES];
  const names = readFileSync(p, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== 10) {
    throw new DataError(
      `${p}: expected 10 class names (one per line), found ${names.length}; fix or delete the file.`,
    );
  }
  return names;
}
