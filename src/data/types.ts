/** A host-side dataset; tensors are made per batch (see batches.ts). */
export interface ArrayDataset {
  /** 'mnist', 'fashion-mnist', 'cifar10', 'spirals', 'sine' (or a derived name, e.g. after subsetByClasses). */
  name: string;
  /** [n, ...sampleShape], row-major; pixels scaled to [0, 1]. */
  x: Float32Array;
  /** Labels 0..numClasses-1. For regression ('sine') all zeros; the target is in `yReal`. */
  y: Int32Array;
  /** Regression target, one value per sample; present only for regression datasets (numClasses 0). */
  yReal?: Float32Array;
  n: number;
  /** e.g. [1, 28, 28] (CHW) or [2]. */
  sampleShape: number[];
  /** 0 for regression. */
  numClasses: number;
  classNames?: string[];
}

export interface DataSplits {
  train: ArrayDataset;
  val: ArrayDataset;
  test: ArrayDataset;
}

export interface LoadOptions {
  /** Folder with the dataset's files (cifar10; optional override for fashion-mnist). Falls back to HEADROOM_DATA. */
  dataDir?: string;
  /** Caps the training part (after the validation part is carved out). */
  trainLimit?: number;
  /** Fraction of the training set held out for validation; default 0.1. */
  valFraction?: number;
  /** Seeds the validation split; default 0. */
  seed?: number;
}

/** Product of the sample shape: the number of floats per sample. */
export function sampleSize(ds: Pick<ArrayDataset, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}
