export {
  accuracy,
  argmaxRows,
  calibrationBins,
  ece,
  nll,
  nllFromLogits,
  type CalibrationBin,
} from './classification.js';
export {
  matrix,
  fromRows,
  l2NormalizeRows,
  classMeans,
  type Matrix,
  type Labels,
  type FloatArray,
} from './matrix.js';
export { toMatrix, toLabels, tensorAccuracy, tensorEce, tensorNll } from './tensor.js';
export * from './representation/index.js';
