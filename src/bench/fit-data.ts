/**
 * The split `headroom bench --fit` trains on, written to files so the PyTorch reference (bench/torch_reference.py
 * --fit) trains on exactly the same examples: per split a raw float32 x file and an int32 y file (little-endian,
 * row-major, no header) and a manifest.json that names them. No engine import (tests use it without libtorch).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { ArrayDataset, DataSplits } from '../data/index.js';

export const SPLIT_FORMAT = 'headroom-bench-split/1';

type SplitName = 'train' | 'val' | 'test';
const NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export interface SplitManifest {
  format: typeof SPLIT_FORMAT;
  dataset: string;
  sample_shape: number[];
  num_classes: number;
  splits: Record<SplitName, { n: number; x: string; y: string }>;
}

/** The bytes of a typed array's own view (it may be a subarray of a larger buffer). */
function bytes(a: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes the splits into `dir` (created if needed); returns the manifest's path. */
export function writeSplitFiles(dir: string, data: DataSplits): string {
  // Typed arrays are written in the machine's byte order; the reader assumes little-endian.
  if (endianness() !== 'LE') throw new Error('bench --fit: the split files assume a little-endian machine');
  mkdirSync(dir, { recursive: true });
  const first = data.train;
  const splits = {} as SplitManifest['splits'];
  for (const name of NAMES) {
    const ds = data[name];
    if (ds.yReal !== undefined) throw new Error(`bench --fit: ${ds.name} is a regression dataset`);
    if (ds.sampleShape.join('x') !== first.sampleShape.join('x'))
      throw new Error(`bench --fit: the ${name} split's sample shape differs from train's`);
    const x = `${name}.x.f32`;
    const y = `${name}.y.i32`;
    writeFileSync(join(dir, x), bytes(ds.x));
    writeFileSync(join(dir, y), bytes(ds.y));
    splits[name] = { n: ds.n, x, y };
  }
  const manifest: SplitManifest = {
    format: SPLIT_FORMAT,
    dataset: first.name,
    sample_shape: [...first.sampleShape],
    num_classes: first.numClasses,
    splits,
  };
  const path = join(dir, 'manifest.json');
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/** Reads what writeSplitFiles wrote (the tests' round trip; the bench itself reads it only from Python). */
export function readSplitFiles(manifestPath: string): DataSplits {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as SplitManifest;
  if (m.format !== SPLIT_FORMAT) throw new Error(`${manifestPath}: unknown format '${String(m.format)}'`);
  const dir = join(manifestPath, '..');
  const per = m.sample_shape.reduce((a, b) => a * b, 1);
  const part = (name: SplitName): ArrayDataset => {
    const s = m.splits[name];
    // Copy into fresh, aligned buffers: a Buffer from readFileSync may sit at an odd offset in Node's pool.
    const xb = readFileSync(join(dir, s.x));
    const yb = readFileSync(join(dir, s.y));
    if (xb.byteLength !== s.n * per * 4 || yb.byteLength !== s.n * 4)
      throw new Error(`${manifestPath}: ${name} files do not hold ${s.n} examples`);
    const x = new Float32Array(s.n * per);
    const y = new Int32Array(s.n);
    new Uint8Array(x.buffer).set(xb);
    new Uint8Array(y.buffer).set(yb);
    return { name: m.dataset, x, y, n: s.n, sampleShape: [...m.sample_shape], numClasses: m.num_classes };
  };
  return { train: part('train'), val: part('val'), test: part('test') };
}
