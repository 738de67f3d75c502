import { existsSync, readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import type { ArrayDataset } from '../types.js';

/** What a source loads before splitting: the full training set and the test set. */
export interface RawData {
  train: ArrayDataset;
  test: ArrayDataset;
  /** Where the files were read from (a folder), or 'generated' for toy tasks. */
  location: string;
}

export interface Located {
  /** Folder the files would be read from (or a description for generated data). */
  location: string;
  available: boolean;
  /** When unavailable: one line saying how to provide the data. */
  hint?: string;
}

export interface DataSource {
  name: string;
  title: string;
  trainSize: number;
  testSize: number;
  sampleShape: number[];
  numClasses: number;
  locate(dataDir?: string): Located;
  load(dataDir?: string): RawData;
  /**
   * File datasets only: the folder under `root` (itself or the dataset's own subfolder) that holds every file, or
   * undefined. An explicit --data-dir is checked with it, so a folder without the files is an error, never a quiet
   * fallback to the packaged or system copy.
   */
  findIn?(root: string): string | undefined;
  /** File datasets only: the files findIn looks for, for messages. */
  files?: readonly string[];
}

/** Reads a whole file; a missing or unreadable file becomes a DataError that says how to provide it. */
export function readDataFile(path: string, howToProvide: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`missing file ${path}; ${howToProvide}`);
    const why = e instanceof Error ? e.message : String(e);
    throw new DataError(`cannot read ${path} (${why}); ${howToProvide}`);
  }
}

/** The first existing path among `name` and `name.gz` in `dir`, or undefined. */
export function findFile(dir: string, name: string): string | undefined {
  for (const candidate of [`${dir}/${name}`, `${dir}/${name}.gz`])
    if (existsSync(candidate)) return candidate;
  return undefined;
}

const BYTE_TO_UNIT = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

/** Bytes 0..255 → float32 in [0, 1]. */
export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = BYTE_TO_UNIT[bytes[i]];
  return out;
}
