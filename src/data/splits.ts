import { DataError } from './errors.js';
import { Rng, permutation } from './rng.js';
import { sampleSize, type ArrayDataset, type DataSplits } from './types.js';

/** A new dataset holding rows `idx` of `ds`, in that order (copies). */
export function takeRows(ds: ArrayDataset, idx: ArrayLike<number>, name: string = ds.name): ArrayDataset {
  const s = sampleSize(ds);
  const n = idx.length;
  const x = new Float32Array(n * s);
  const y = new Int32Array(n);
  const yReal = ds.yReal ? new Float32Array(n) : undefined;
  for (let j = 0; j < n; j++) {
    const i = idx[j];
    if (!(i >= 0 && i < ds.n)) throw new RangeError(`takeRows: index ${i} outside 0..${ds.n - 1}`);
    x.set(ds.x.subarray(i * s, (i + 1) * s), j * s);
    y[j] = ds.y[i];
    if (yReal) yReal[j] = ds.yReal![i];
  }
  const out: ArrayDataset = { name, x, y, n, sampleShape: [...ds.sampleShape], numClasses: ds.numClasses };
  if (yReal) out.yReal = yReal;
  if (ds.classNames) out.classNames = [...ds.classNames];
  return out;
}

export interface SplitOptions {
  valFraction?: number;
  seed?: number;
  trainLimit?: number;
}

export function checkSplitOptions(opts: SplitOptions): {
  valFraction: number;
  seed: number;
  trainLimit?: number;
} {
  const valFraction = opts.valFraction ?? 0.1;
  const seed = opts.seed ?? 0;
  if (!(Number.isFinite(valFraction) && valFraction >= 0 && valFraction < 1)) {
    throw new DataError(`valFraction (--val-fraction) must be in [0, 1), got ${valFraction}.`);
  }
  if (!Number.isFinite(seed)) throw new DataError(`seed must be a finite number, got ${seed}.`);
  if (opts.trainLimit !== undefined && !(Number.isInteger(opts.trainLimit) && opts.trainLimit > 0)) {
    throw new DataError(`trainLimit (--train-limit) must be a positive integer, got ${opts.trainLimit}.`);
  }
  return { valFraction, seed, trainLimit: opts.trainLimit };
}

/**
 * Carves a validation set out of `full` with a permutation seeded by `seed`: the first round(n·valFraction) permuted
 * indices are validation, the rest training; `trainLimit` then keeps the first trainLimit of the training part (a
 * random subset, so classes stay balanced in expectation). Both parts keep the original row order, for locality.
 */
export function splitTrainVal(
  full: ArrayDataset,
  opts: SplitOptions = {},
): { train: ArrayDataset; val: ArrayDataset } {
  const { valFraction, seed, trainLimit } = checkSplitOptions(opts);
  const n = full.n;
  const nVal = Math.min(Math.round(n * valFraction), Math.max(0, n - 1));
  const perm = permutation(n, new Rng('val-split', seed));
  const valIdx = perm.slice(0, nVal).sort();
  let trainIdx = perm.slice(nVal);
  if (trainLimit !== undefined && trainLimit < trainIdx.length) trainIdx = trainIdx.slice(0, trainLimit);
  trainIdx.sort();
  return { train: takeRows(full, trainIdx), val: takeRows(full, valIdx) };
}

export function makeSplits(trainFull: ArrayDataset, test: ArrayDataset, opts: SplitOptions = {}): DataSplits {
  const { train, val } = splitTrainVal(trainFull, opts);
  return { train, val, test };
}

/**
 * Keeps the rows whose label is in `classes` and relabels classes[i] → i (for transfer experiments: train on some
 * classes, evaluate features on others).
 */
export function subsetByClasses(ds: ArrayDataset, classes: number[]): ArrayDataset {
  if (ds.numClasses === 0)
    throw new DataError(`subsetByClasses: ${ds.name} is a regression dataset and has no classes.`);
  if (classes.length === 0) throw new DataError(`subsetByClasses: give at least one class of ${ds.name}.`);
  const map = new Int32Array(ds.numClasses).fill(-1);
  classes.forEach((c, i) => {
    if (!(Number.isInteger(c) && c >= 0 && c < ds.numClasses)) {
      throw new DataError(`subsetByClasses: class ${c} is not in 0..${ds.numClasses - 1} for ${ds.name}.`);
    }
    if (map[c] !== -1) throw new DataError(`subsetByClasses: class ${c} is listed twice.`);
    map[c] = i;
  });
  const idx: number[] = [];
  for (let i = 0; i < ds.n; i++) if (map[ds.y[i]] !== -1) idx.push(i);
  const out = takeRows(ds, idx, `${ds.name}[${classes.join(',')}]`);
  for (let j = 0; j < out.n; j++) out.y[j] = map[out.y[j]];
  out.numClasses = classes.length;
  if (ds.classNames) out.classNames = classes.map((c) => ds.classNames![c]);
  return out;
}
