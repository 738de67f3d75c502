import { lossHead, type Head } from '../../heads/index.js';
import { binary, num, print, unary, type Expr } from '../../expr/index.js';
import type { Rng } from '../rng.js';
import { CandidateError, type Candidate, type ContinuousSpec, type Space, type SpaceName } from '../types.js';
import { compileExpr } from './compile.js';

/** Printed constants in `expr` are rounded for people; `params` (full precision) define the head. */
export function roundTo(x: number, digits = 4): number {
  return Number(x.toPrecision(digits));
}

export const add = (a: Expr, b: Expr): Expr => binary('add', a, b);
export const mul = (a: Expr, b: Expr): Expr => binary('mul', a, b);
export const sub = (a: Expr, b: Expr): Expr => binary('sub', a, b);
export const c = (x: number): Expr => num(x === 0 ? 0 : x);

/** a − k, printed as `a + |k|` when k < 0 (no `a - -0.3`). */
export const minus = (a: Expr, k: number): Expr => (k === 0 ? a : k < 0 ? add(a, c(-k)) : sub(a, c(k)));

/**
 * Σ k_i · term_i with the signs folded into + / − (and, for display, zero terms dropped). `round` rounds each
 * coefficient for people; the head is always built unrounded.
 */
export function weightedSum(parts: Array<[number, Expr]>, opts: { round?: boolean; head?: Expr } = {}): Expr {
  const r = (x: number) => (opts.round ? roundTo(x) : x);
  let acc: Expr | undefined = opts.head;
  for (const [k0, term] of parts) {
    const k = r(k0);
    if (opts.round && k === 0) continue;
    const mag = Math.abs(k) === 1 ? term : mul(c(Math.abs(k)), term);
    if (acc === undefined) acc = k < 0 ? unary('neg', mag) : mag;
    else acc = k < 0 ? sub(acc, mag) : add(acc, mag);
  }
  return acc ?? c(0);
}

export interface ParametricLoss {
  name: SpaceName;
  title: string;
  dim: number;
  mean0: number[];
  sigma0: number;
  /** The per-example loss as an expression of the candidate language (row type); `round` for display. */
  build(theta: readonly number[], round?: boolean): Expr;
  describe(theta: readonly number[]): string;
}

/**
 * A continuous space over the parameters of a loss family. Search points are used as they are (no clipping): a bad
 * region is rejected by the filters and CMA-ES learns from the penalty.
 */
export function parametricSpace(def: ParametricLoss): Space {
  const toCandidate = (x: readonly number[]): Candidate => ({
    expr: print(def.build(x, true)),
    params: [...x],
  });
  const check = (cand: Candidate): number[] => {
    const p = cand.params;
    if (!p || p.length !== def.dim || !p.every(Number.isFinite))
      throw new CandidateError(
        `${def.name} candidates need ${def.dim} finite parameters, got ${JSON.stringify(p)}`,
      );
    return p;
  };
  const continuous: ContinuousSpec = {
    dim: def.dim,
    mean0: def.mean0,
    sigma0: def.sigma0,
    fromVector: toCandidate,
  };
  return {
    name: def.name,
    kind: 'continuous',
    title: def.title,
    continuous,
    sample: (rng: Rng) => toCandidate(def.mean0.map((m) => m + def.sigma0 * rng.normal())),
    mutate: (cand: Candidate, rng: Rng) =>
      toCandidate(check(cand).map((v) => v + 0.3 * def.sigma0 * rng.normal())),
    crossover: (a: Candidate, b: Candidate, rng: Rng) => {
      const pa = check(a);
      const pb = check(b);
      return toCandidate(pa.map((v, i) => (rng.next() < 0.5 ? v : pb[i]!)));
    },
    validate: (cand: Candidate) => toCandidate(check(cand)),
    toHead(cand: Candidate, id = `${def.name}-candidate`): Head {
      const theta = check(cand);
      const f = compileExpr(def.build(theta));
      const text = def.describe(theta);
      return lossHead(id, f, {
        title: text,
        formula: text,
        source: `headroom search (${def.name} space)`,
      }).create();
    },
    describe: (cand: Candidate) => def.describe(check(cand)),
  };
}
