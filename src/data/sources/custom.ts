// Datasets defined by users (defineDataset): typed arrays from a function, or an IDX, CIFAR-binary or CSV folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../errors.js';
import { parseIdxImages, parseIdxLabels } from '../formats/idx.js';
import { CIFAR_TEST_FILE, concatCifarBatches, parseCifarBatch } from '../formats/cifar-binary.js';
import { isCsvNumber, parseCsv, type CsvTable } from '../formats/csv.js';
import type { ArrayDataset } from '../types.js';
import { IDX_FILES } from './idx-pair.js';
import {
  bytesToUnit,
  findFile,
  readDataFile,
  type DataSource,
  type Located,
  type RawData,
} from './common.js';

/** One part (train or test) as plain arrays: x is [n, ...sampleShape] row-major, y the labels 0..C−1. */
export interface DatasetPart {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** What a function loader returns. */
export interface DatasetArrays {
  train: DatasetPart;
  test: DatasetPart;
  /** The shape of one example, e.g. [4] for 4 features or [1, 28, 28] for an image (CHW). */
  sampleShape: number[];
  /** Default: classNames.length, else the largest label + 1. */
  numClasses?: number;
  classNames?: string[];
}

/**
 * A folder in a format headroom reads. Relative paths are relative to the working directory; a plugin that ships its
 * data can give `new URL('./data/', import.meta.url)` instead.
 *  - idx: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or .gz),
 *    as MNIST ships them; pixels scaled to [0, 1], samples [1, rows, cols].
 *  - cifar-binary: data_batch_*.bin and test_batch.bin (1 label byte + 3072 CHW pixel bytes per record), as CIFAR-10
 *    ships them; class names from batches.meta.txt when present.
 *  - csv: train.csv and test.csv, one example per line, numeric features and one label column (`label`: its header
 *    name or 0-based index; default the column named `label`, else the last). Text labels become classes in sorted
 *    order (or classNames' order), integer labels are used as they are (classNames then only names them).
 *    `standardize` rescales each feature by the training mean and sd.
 */
export type DatasetFolder =
  | { format: 'idx'; dir: string | URL; classNames?: string[] }
  | { format: 'cifar-binary'; dir: string | URL; classNames?: string[] }
  | {
      format: 'csv';
      dir: string | URL;
      label?: string | number;
      standardize?: boolean;
      classNames?: string[];
    };

export type DatasetLoader = (() => DatasetArrays) | DatasetFolder;

export interface CustomDatasetSpec {
  name: string;
  title?: string;
  load: DatasetLoader;
}

const dirOf = (d: string | URL): string => resolve(d instanceof URL ? fileURLToPath(d) : d);

function toFloat32(v: ArrayLike<number>, what: string): Float32Array {
  const out = v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
  for (let i = 0; i < out.length; i++)
    if (!Number.isFinite(out[i]))
      throw new DataError(`${what}: x[${i}] is ${out[i]}; every feature must be a finite number.`);
  return out;
}

/** Checks the arrays and builds the two datasets (copies, so later changes to the caller's arrays do not leak in). */
export function datasetFromArrays(
  name: string,
  a: DatasetArrays,
): { train: ArrayDataset; test: ArrayDataset } {
  if (typeof a !== 'object' || a === null || !a.train || !a.test)
    throw new DataError(`the loader must return { train: { x, y }, test: { x, y }, sampleShape }.`);
  const shape = a.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0))
    throw new DataError(`sampleShape must be a list of positive integers (e.g. [4] or [1, 28, 28]).`);
  const size = shape.reduce((p, d) => p * d, 1);
  let maxLabel = -1;
  const parts = (['train', 'test'] as const).map((which) => {
    const part = a[which];
    const y = part.y;
    if (!y || typeof y.length !== 'number' || y.length === 0)
      throw new DataError(`${which}.y must hold one label per example (and at least one example).`);
    const n = y.length;
    if (!part.x || part.x.length !== n * size)
      throw new DataError(
        `${which}.x has ${part.x?.length ?? 0} values; ${n} examples of shape [${shape.join(', ')}] need ${n * size}.`,
      );
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (!Number.isSafeInteger(v) || v < 0)
        throw new DataError(`${which}.y[${i}] is ${v}; labels are integers 0, 1, …, C − 1.`);
      labels[i] = v;
      if (v > maxLabel) maxLabel = v;
    }
    return { which, n, x: toFloat32(part.x, `${which}.x`), y: labels };
  });
  const numClasses = a.numClasses ?? a.classNames?.length ?? maxLabel + 1;
  if (!Number.isSafeInteger(numClasses) || numClasses < 2)
    throw new DataError(`a classifier needs at least 2 classes, got ${numClasses}.`);
  if (maxLabel >= numClasses)
    throw new DataError(`label ${maxLabel} is outside 0..${numClasses - 1} (numClasses ${numClasses}).`);
  if (a.classNames !== undefined && a.classNames.length !== numClasses)
    throw new DataError(`classNames has ${a.classNames.length} names for ${numClasses} classes.`);
  const [train, test] = parts.map((p): ArrayDataset => ({
    name,
    x: p.x === a[p.which].x ? Float32Array.from(p.x) : p.x,
    y: p.y,
    n: p.n,
    sampleShape: [...shape],
    numClasses,
    ...(a.classNames ? { classNames: [...a.classNames] } : {}),
  }));
  return { train: train!, test: test! };
}

function readIdxFolder(dir: string, classNames?: string[]): DatasetArrays {
  const how = `put ${Object.values(IDX_FILES).join(', ')} (or .gz) in ${dir}.`;
  const part = (images: string, labels: string): DatasetPart & { rows: number; cols: number } => {
    const ip = findFile(dir, images) ?? join(dir, images);
    const lp = findFile(dir, labels) ?? join(dir, labels);
    const im = parseIdxImages(readDataFile(ip, how), ip);
    const lb = parseIdxLabels(readDataFile(lp, how), lp);
    if (im.n !== lb.length)
      throw new DataError(`${ip} has ${im.n} images but ${lp} has ${lb.length} labels.`);
    return { x: bytesToUnit(im.data), y: lb, rows: im.rows, cols: im.cols };
  };
  const train = part(IDX_FILES.trainImages, IDX_FILES.trainLabels);
  const test = part(IDX_FILES.testImages, IDX_FILES.testLabels);
  if (train.rows !== test.rows || train.cols !== test.cols)
    throw new DataError(
      `${dir}: training images are ${train.rows}×${train.cols}, test images ${test.rows}×${test.cols}.`,
    );
  return { train, test, sampleShape: [1, train.rows, train.cols], ...(classNames ? { classNames } : {}) };
}

function readCifarFolder(dir: string, classNames?: string[]): DatasetArrays {
  const how = `put data_batch_*.bin and ${CIFAR_TEST_FILE} (CIFAR-10 binary format) in ${dir}.`;
  let trainFiles: string[] = [];
  try {
    trainFiles = readdirSync(dir)
      .filter((f) => /^data_batch_\d+\.bin(\.gz)?$/.test(f))
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  } catch {
    throw new DataError(`no folder ${dir}; ${how}`);
  }
  if (trainFiles.length === 0) throw new DataError(`no data_batch_*.bin in ${dir}; ${how}`);
  const read = (files: string[]): DatasetPart => {
    // 256 bounds the label byte only; the classes are counted from the labels (or classNames) afterwards.
    const { pixels, y } = concatCifarBatches(
      files.map((f) => parseCifarBatch(readDataFile(join(dir, f), how), join(dir, f), 256)),
    );
    return { x: bytesToUnit(pixels), y };
  };
  const testFile = findFile(dir, CIFAR_TEST_FILE);
  if (testFile === undefined) throw new DataError(`no ${CIFAR_TEST_FILE} in ${dir}; ${how}`);
  const meta = join(dir, 'batches.meta.txt');
  const names =
    classNames ??
    (existsSync(meta)
      ? readFileSync(meta, 'utf8')
          .split(/\r?\n/)
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : undefined);
  return {
    train: read(trainFiles),
    test: read([testFile.slice(dir.length + 1)]),
    sampleShape: [3, 32, 32],
    ...(names ? { classNames: names } : {}),
  };
}

function readCsvFolder(f: Extract<DatasetFolder, { format: 'csv' }>, dir: string): DatasetArrays {
  const read = (file: string): CsvTable => {
    const path = join(dir, file);
    return parseCsv(readDataFile(path, `put train.csv and test.csv in ${dir}.`).toString('utf8'), path);
  };
  const train = read('train.csv');
  const test = read('test.csv');
  if (train.columns.length !== test.columns.length || train.hasHeader !== test.hasHeader)
    throw new DataError(
      `${dir}: train.csv and test.csv must have the same columns (and both or neither a header).`,
    );
  const cols = train.columns;
  let label: number;
  if (typeof f.label === 'number') label = f.label;
  else if (typeof f.label === 'string') label = cols.indexOf(f.label);
  else label = cols.includes('label') ? cols.indexOf('label') : cols.length - 1;
  if (!Number.isSafeInteger(label) || label < 0 || label >= cols.length)
    throw new DataError(
      `${dir}: no label column ${JSON.stringify(f.label)}; the columns are ${cols.join(', ')} (give label: a name or a 0-based index).`,
    );
  if (cols.length < 2) throw new DataError(`${dir}: a CSV dataset needs feature columns and a label column.`);
  const labels = [...train.rows, ...test.rows].map((r) => r[label]!.trim());
  const numeric = labels.every((l) => /^\d+$/.test(l));
  const classNames = f.classNames ?? (numeric ? undefined : [...new Set(labels)].sort());
  // Integer labels are class indices (classNames, when given, only names them); text labels are looked up.
  const classOf = (text: string, where: string): number => {
    if (numeric || classNames === undefined) return Number(text);
    const k = classNames.indexOf(text);
    if (k < 0) throw new DataError(`${where}: label '${text}' is not one of ${classNames.join(', ')}.`);
    return k;
  };
  const d = cols.length - 1;
  const toPart = (t: CsvTable, file: string): DatasetPart => {
    const x = new Float32Array(t.rows.length * d);
    const y = new Int32Array(t.rows.length);
    t.rows.forEach((r, i) => {
      const line = i + 1 + (t.hasHeader ? 1 : 0);
      let k = 0;
      for (let c = 0; c < r.length; c++) {
        if (c === label) continue;
        if (!isCsvNumber(r[c]!))
          throw new DataError(`${join(dir, file)}:${line}: column '${cols[c]}' is '${r[c]}', not a number.`);
        x[i * d + k++] = Number(r[c]);
      }
      y[i] = classOf(r[label]!.trim(), `${join(dir, file)}:${line}`);
    });
    return { x, y };
  };
  const tr = toPart(train, 'train.csv');
  const te = toPart(test, 'test.csv');
  if (f.standardize === true) {
    // Training statistics for both parts: the test set must not inform its own preprocessing.
    const n = train.rows.length;
    for (let k = 0; k < d; k++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += tr.x[i * d + k]!;
      mean /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (tr.x[i * d + k]! - mean) ** 2;
      const sd = Math.sqrt(v / n) || 1;
      for (const p of [tr, te]) {
        const x = p.x as Float32Array;
        for (let i = 0; i < x.length / d; i++) x[i * d + k] = (x[i * d + k]! - mean) / sd;
      }
    }
  }
  return { train: tr, test: te, sampleShape: [d], ...(classNames ? { classNames } : {}) };
}

function isFolder(load: DatasetLoader): load is DatasetFolder {
  return typeof load === 'object' && load !== null;
}

/**
 * A DataSource over a user's definition. Sizes and shapes are known only once the data are read, so they load the
 * data on first use (once per process); a failure is a DataError naming the dataset and the file that defined it.
 */
export function customSource(spec: CustomDatasetSpec, origin?: string): DataSource {
  const where = `dataset '${spec.name}'${origin !== undefined ? ` (defined in ${origin})` : ''}`;
  const folder = isFolder(spec.load) ? dirOf(spec.load.dir) : undefined;
  let loaded: RawData | undefined;
  const location = folder ?? `loaded by code in ${origin ?? 'a script'}`;
  const get = (): RawData => {
    if (loaded) return loaded;
    let arrays: DatasetArrays;
    try {
      const load = spec.load;
      if (isFolder(load)) {
        if (!existsSync(folder!) || !statSync(folder!).isDirectory())
          throw new DataError(`no folder ${folder}.`);
        arrays =
          load.format === 'idx'
            ? readIdxFolder(folder!, load.classNames)
            : load.format === 'cifar-binary'
              ? readCifarFolder(folder!, load.classNames)
              : readCsvFolder(load, folder!);
      } else arrays = load();
      loaded = { ...datasetFromArrays(spec.name, arrays), location };
    } catch (e) {
      throw new DataError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return loaded;
  };
  return {
    name: spec.name,
    title: spec.title ?? spec.name,
    get trainSize() {
      return get().train.n;
    },
    get testSize() {
      return get().test.n;
    },
    get sampleShape() {
      return [...get().train.sampleShape];
    },
    get numClasses() {
      return get().train.numClasses;
    },
    locate(): Located {
      if (folder !== undefined && !existsSync(folder))
        return { location: folder, available: false, hint: `${where}: no folder ${folder}.` };
      return { location, available: true };
    },
    load: get,
  };
}
