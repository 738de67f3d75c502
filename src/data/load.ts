import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from './errors.js';
import { makeSplits, checkSplitOptions } from './splits.js';
import type { DataSplits, LoadOptions } from './types.js';
import type { DataSource, RawData } from './sources/common.js';
import { mnist } from './sources/mnist.js';
import { fashionMnist } from './sources/fashion-mnist.js';
import { cifar10 } from './sources/cifar10.js';
import { sine, spirals } from './sources/toy.js';

const SOURCES: DataSource[] = [mnist, fashionMnist, cifar10, spirals, sine];
const BUILT_IN = new Set(SOURCES.map((s) => s.name));
/** Which file defined each added dataset (defineDataset), when known. */
const ORIGINS = new Map<string, string | undefined>();

const NAMES: string[] = SOURCES.map((s) => s.name);
/** Every dataset's name, the built-in ones first; datasets added by defineDataset join it (it is live). */
export const DATASET_NAMES: readonly string[] = NAMES;

/**
 * Adds a user's dataset (the package entry's defineDataset; not re-exported from the data folder). Its name may not be
 * a built-in's or another added dataset's.
 */
export function registerDataSource(src: DataSource, origin?: string): void {
  if (BUILT_IN.has(src.name))
    throw new DataError(`dataset '${src.name}' is a built-in dataset; give yours another name.`);
  if (ORIGINS.has(src.name)) {
    const by = ORIGINS.get(src.name);
    throw new DataError(
      `dataset '${src.name}' is already defined${by !== undefined ? ` by ${by}` : ''}; give yours another name.`,
    );
  }
  SOURCES.push(src);
  NAMES.push(src.name);
  ORIGINS.set(src.name, origin);
}

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
  /** Datasets added by defineDataset: the file that defined them, when known. */
  file?: string;
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
  // HEADROOM_DATA is a fallback folder (a dataset whose files are not in it is read from its usual place), but one
  // that does not exist is a typo to report, not a reason to quietly read the packaged data.
  const env = process.env.HEADROOM_DATA;
  if (src.findIn !== undefined && dataDir === undefined && env) {
    let isDir = false;
    try {
      isDir = statSync(env).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir)
      throw new DataError(
        `HEADROOM_DATA=${env} is not a folder; set it to the folder that holds the dataset files, or unset it.`,
      );
  }
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
    const file = ORIGINS.get(s.name);
    let sizes: Pick<DatasetInfo, 'trainSize' | 'testSize' | 'sampleShape' | 'numClasses'>;
    try {
      // An added dataset knows its sizes only by reading its data, which can fail: list it as unavailable, saying why.
      sizes = {
        trainSize: s.trainSize,
        testSize: s.testSize,
        sampleShape: [...s.sampleShape],
        numClasses: s.numClasses,
      };
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      sizes = { trainSize: 0, testSize: 0, sampleShape: [], numClasses: 0 };
      loc.available = false;
      loc.hint = e.message;
    }
    const info: DatasetInfo = {
      name: s.name,
      title: s.title,
      ...sizes,
      location: loc.location,
      available: loc.available,
    };
    if (loc.hint !== undefined) info.hint = loc.hint;
    if (file !== undefined) info.file = file;
    return info;
  });
}

/**
 * Checks an explicit data folder (`--data-dir`) against the datasets a command will read: the folder must exist, and
 * every file dataset among `names` must find all its files in it (or in its own subfolder: mnist/, fashion-mnist/,
 * cifar-10-batches-bin/). A folder that lacks them is a DataError, never a quiet fallback to the packaged or system
 * copy. Generated datasets (spirals, sine) read no files; a folder given only for them is refused too, since it
 * would be ignored. Damaged files are found when the data are loaded.
 */
export function checkDataDir(dir: string, names: readonly string[]): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DataError(`--data-dir ${dir}: no such folder; give the folder that holds the dataset files.`);
  }
  if (!isDir) throw new DataError(`--data-dir ${dir} is a file, not a folder.`);
  const sources = names.map(source);
  const withFiles = sources.filter((s) => s.findIn !== undefined);
  if (withFiles.length === 0)
    throw new DataError(
      `--data-dir is read by the file datasets (${SOURCES.filter((s) => s.findIn)
        .map((s) => s.name)
        .join(
          ', ',
        )}), and ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} generated; drop --data-dir.`,
    );
  for (const s of withFiles) {
    if (s.findIn!(dir) !== undefined) continue;
    const sub = s.name === 'cifar10' ? 'cifar-10-batches-bin' : s.name;
    throw new DataError(
      `--data-dir ${dir} does not hold ${s.name}: no ${(s.files ?? []).join(', ')} (or .gz) in it or in ${join(dir, sub)}; ` +
        `put the files there, or drop --data-dir to read ${s.name} from ${s.locate().location}.`,
    );
  }
}

/** Frees the decoded datasets (tests; long-lived processes that switch datasets). */
export function clearDatasetCache(): void {
  cache.clear();
  splitCache.clear();
}
