/**
 * The search draws every random choice from the project's pure-JS generator, keyed by (study seed, purpose, trial
 * number): a proposal is then a function of the seed and the trial number alone, never of worker timing or of how
 * many proposals were made before a crash.
 */
export { Rng, mixSeed } from '../data/rng.js';
