export { classSeparationR2 } from './classSeparation.js';
export { linearCKA } from './cka.js';
export { knnAccuracy, knnPredict, KNN_DEFAULTS, type KnnOptions, type KnnWeighting } from './knn.js';
export { nc1, nc1Details, type Nc1Result } from './nc1.js';
export {
  linearProbe,
  PROBE_DEFAULTS,
  type LinearProbeOptions,
  type LinearProbeResult,
  type ProbeSplit,
  type ProbeSplits,
} from './probe.js';
export { mapAtR, precisionAt1, retrievalMetrics, type RetrievalResult } from './retrieval.js';
export { symmetricEigen } from './linalg.js';
export {
  knnAccuracyEngine,
  knnPredictEngine,
  linearCKAEngine,
  linearProbeEngine,
  retrievalMetricsEngine,
  trainSoftmaxRegressionEngine,
  type EngineOptions,
} from './engine.js';
