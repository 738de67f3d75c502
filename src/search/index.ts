// Search: spaces, samplers (random, regularised evolution, CMA-ES), the ASHA pruner, pre-training filters, the
// single-writer driver with worker processes, and confirmation of a study's best candidates.
export * from './types.js';
export { Rng, mixSeed } from './rng.js';
export * from './study.js';
export * from './trial.js';
export * from './persist.js';
export {
  runSearch,
  makeSampler,
  StudyError,
  SimulatedCrash,
  type CandidateFilter,
  type Executor,
  type FilterVerdict,
  type SearchStatus,
  type SearchSummary,
  type TrialView,
  type DriverOptions,
} from './driver.js';
export {
  HeadFilter,
  probeHead,
  targetMargin,
  toyTaskAccuracy,
  PROBE,
  TOY_TASK,
  type ToyTaskOptions,
} from './filters.js';
export { TrialExecutor } from './executor.js';
export {
  getSpace,
  studySpace,
  tunedSpace,
  deltaSpace,
  lossSpace,
  activationSpace,
  taylorSpace,
  polySpace,
} from './spaces/index.js';
export { RandomSampler } from './samplers/random.js';
export { EvolutionSampler, DEFAULT_EVOLUTION, type EvolutionOptions } from './samplers/evolution.js';
export { CmaEsSampler } from './samplers/cmaes-sampler.js';
export { CmaEs, symmetricEigen } from './samplers/cmaes.js';
export { Asha } from './pruners/asha.js';
export { dominates, nonDominatedRanks, paretoFront, selectionOrder } from './pruners/pareto.js';
