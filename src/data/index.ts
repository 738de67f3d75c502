export type { ArrayDataset, DataSplits, LoadOptions } from './types.js';
export { sampleSize } from './types.js';
export { DataError } from './errors.js';
export { Rng, permutation, mixSeed } from './rng.js';
export {
  loadDataset,
  loadDatasetSync,
  listDatasets,
  clearDatasetCache,
  checkDataDir,
  DATASET_NAMES,
  type DatasetInfo,
} from './load.js';
export { splitTrainVal, subsetByClasses, takeRows, makeSplits, type SplitOptions } from './splits.js';
export { batchIndices, batchCount, epochOrder, type BatchOptions } from './batch-indices.js';
export { deviceBatches, onDevice, type Batch, type DeviceSplit } from './batches.js';
export { makeSpirals, makeSine } from './sources/toy.js';
export {
  parseIdx,
  parseIdxImages,
  parseIdxLabels,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
} from './formats/idx.js';
export { parseCifarBatch, readCifarClassNames } from './formats/cifar-binary.js';
