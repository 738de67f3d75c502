import { DataError } from './errors.js';
import { makeSplits, checkSplitOptions } from './splits.js';
import type { DataSplits, LoadOptions } from './types.js';
import type { DataSource, RawData } from './sources/common.js';
import { mnist } from './sources/mnist.js';
import { fashionMnist } from './sources/fashion-mnist.js';
import { cifar10 } from './sources/cifar10.js';
import { sine, spirals } from './sources/toy.js';

const SOURCES: DataSource[] = [mnist, fashionMnist, cifar10, spirals, sine];

export const DATASET_NAMES: readonly string[] = SOURCES.map((s) => s.name);

export interface DatasetInfo {
  name: string;
  title: string;
  trainSize: number;
  testSize: number;
  sampleShape: number[];
  numClasses: number;
  /** Where the files are read from (or 'generated'). */
  location: string;
  available: boolean;
  /** When unavailable: how to provide the data. */
  hint?: string;
}

function source(name: string): DataSource {
  const s = SOURCES.find((d) => d.name === name);
  if (!s) throw new DataError(`unknown dataset '${name}'; known datasets: ${DATASET_NAMES.join(', ')}.`);
  return s;
}

/** Decoded datasets, per process: decoding MNIST takes ~0.3 s and a grid loads it once per run. */
const cache = new Map<string, RawData>();

function raw(name: string, dataDir?: string): RawData {
  const src = source(name);
  const key = `${name}\0${src.locate(dataDir).location}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = src.load(dataDir);
    cache.set(key, hit);
  }
  return hit;
}

/** Recent splits: a grid process asks for the same split once per run, and copying 54k MNIST rows costs ~0.5 s. */
const splitCache = new Map<string, DataSplits>();
const SPLIT_CACHE_SIZE = 4;

/**
 * Loads a dataset and splits it: validation carved from the training set (seeded), trainLimit applied to the rest,
 * test untouched. Results are cached per process and shared between callers: treat the arrays as read-only
 * (copy with takeRows before changing anything).
 */
export function loadDatasetSync(name: string, opts: LoadOptions = {}): DataSplits {
  const split = checkSplitOptions(opts);
  const src = source(name);
  const key = [
    name,
    src.locate(opts.dataDir).location,
    split.valFraction,
    split.seed,
    split.trainLimit ?? '',
  ].join('\0');
  const hit = splitCache.get(key);
  if (hit) {
    splitCache.delete(key);
    splitCache.set(key, hit); // most recently used last
    return { ...hit };
  }
  const r = raw(name, opts.dataDir);
  const out = makeSplits(r.train, r.test, split);
  splitCache.set(key, out);
  while (splitCache.size > SPLIT_CACHE_SIZE) splitCache.delete(splitCache.keys().next().value as string);
  return { ...out };
}

export async function loadDataset(name: string, opts: LoadOptions = {}): Promise<DataSplits> {
  return loadDatasetSync(name, opts);
}

/** Sizes, shapes and availability of every dataset, without decoding any file. */
export function listDatasets(opts: { dataDir?: string } = {}): DatasetInfo[] {
  return SOURCES.map((s) => {
    const loc = s.locate(opts.dataDir);
    const info: DatasetInfo = {
      name: s.name,
      title: s.title,
      trainSize: s.trainSize,
      testSize: s.testSize,
      sampleShape: [...s.sampleShape],
      numClasses: s.numClasses,
      location: loc.location,
      available: loc.available,
    };
    if (loc.hint !== undefined) info.hint = loc.hint;
    return info;
  });
}

/** Frees the decoded datasets (tests; long-lived processes that switch datasets). */
export function clearDatasetCache(): void {
  cache.clear();
  splitCache.clear();
}
