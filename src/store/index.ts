export { Store, StoreError, openStore, checkStore, makeFolders, type OpenOptions } from './store.js';
export { SCHEMA_VERSION } from './schema.js';
export { TRIAL_STATES } from './types.js';
export type {
  RunStatus,
  TrialState,
  RunConfigLike,
  EpochInput,
  RunResultLike,
  RunInput,
  SaveRunInput,
  RunRecord,
  EpochRecordRow,
  RunFilter,
  StudyRow,
  TrialInput,
  TrialRecord,
  TrialPatch,
  RungMetricsLike,
  RungInput,
  RungRecord,
  FeatureSketch,
  CkaRow,
  JobEventInput,
  JobEventRow,
} from './types.js';
