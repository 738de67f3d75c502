import type { Rng } from './rng.js';
import type { Head } from '../heads/index.js';

export type SpaceName = 'loss' | 'delta' | 'activation' | 'taylor' | 'poly';
export const SPACE_NAMES: readonly SpaceName[] = ['loss', 'delta', 'activation', 'taylor', 'poly'];

/**
 * A candidate in its stored form: what goes into `trials.expr` / `trials.params` and over the worker IPC channel.
 * Structural spaces keep their canonical expression text in `expr`; continuous spaces keep the vector in `params`
 * and a printed formula in `expr` (for people; `params` is authoritative).
 */
export interface Candidate {
  expr: string;
  params?: number[];
  /**
   * The trial numbers this candidate was bred from (evolution: the mutated parent, or both parents of a crossover);
   * absent for a fresh sample. Lineage only: it never changes what the candidate is, its hash or its training.
   */
  parents?: number[];
}

/** Thrown by a space for a candidate that does not parse or type-check; the filter counts it as 'parse'. */
export class CandidateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CandidateError';
  }
}

export interface ContinuousSpec {
  dim: number;
  /** CMA-ES start point and step size. */
  mean0: number[];
  sigma0: number;
  /** The candidate a search point stands for (a space may clip or round; the sampler keeps its own point). */
  fromVector(x: number[]): Candidate;
}

export interface Space {
  readonly name: SpaceName;
  readonly kind: 'structural' | 'continuous';
  readonly title: string;
  sample(rng: Rng): Candidate;
  /** Structural spaces: one of the expression mutations; continuous spaces: a Gaussian step. */
  mutate(c: Candidate, rng: Rng): Candidate;
  crossover?(a: Candidate, b: Candidate, rng: Rng): Candidate;
  continuous?: ContinuousSpec;
  /** Parses and type-checks; throws CandidateError. Returns the canonical candidate. */
  validate(c: Candidate): Candidate;
  /** A trainable head. `id` names it in results (e.g. 'study#12'). */
  toHead(c: Candidate, id?: string): Head;
  describe(c: Candidate): string;
}

/** Objective values are maximised; index 0 is always validation accuracy. */
export type Objective = 'acc' | 'speed';

/** What the sampler learns about a trial (its rung-0 result: the fidelity every trial reaches). */
export type Outcome =
  { kind: 'rejected'; reason: string } | { kind: 'failed' } | { kind: 'ok'; values: number[] };

export interface Told {
  number: number;
  candidate: Candidate;
  outcome: Outcome;
}

/**
 * Ask/tell. `ask(n)` must be a pure function of the seed, n and the outcomes told for trials < n that it chooses to
 * read; it returns null when it needs an outcome that is not in yet (the driver asks again after the next tell).
 * That makes the proposal sequence independent of worker timing and identical after a resume.
 */
export interface Sampler {
  readonly name: string;
  ask(number: number): Candidate | null;
  tell(t: Told): void;
}
