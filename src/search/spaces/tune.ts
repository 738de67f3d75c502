import { nodesWithPaths, num, parse, print, replaceAt, type Expr } from '../../expr/index.js';
import type { Rng } from '../rng.js';
import { CandidateError, type Candidate, type ContinuousSpec, type Space } from '../types.js';
import { parseActivation } from './activation.js';

/**
 * CMA-ES over the numeric constants of one fixed expression (GLO's second stage: evolve the structure, then tune its
 * constants). The space keeps the base space's name, so a tuned candidate is an ordinary candidate of that space:
 * its `expr` carries the constants at full precision (workers and `confirm` build the head from `expr` alone) and
 * `params` the search point.
 *
 * Constants have very different scales (0.001 … 10), and CMA-ES has one step size, so the search runs in relative
 * units: value_i = c_i + |c_i|·x_i (x_i = value_i when c_i = 0), starting at x = 0 with σ0 = 0.3.
 */
export function tunedSpace(base: Space, template: string): Space {
  if (base.kind !== 'structural')
    throw new CandidateError(`--tune needs an expression space, not '${base.name}'`);
  const canonical = base.validate({ expr: template }).expr;
  const isActivation = base.name === 'activation';
  const { prefix, body } = isActivation
    ? (() => {
        const a = parseActivation(canonical);
        return { prefix: `${a.base}: `, body: a.a };
      })()
    : { prefix: '', body: canonical };
  const tree: Expr = parse(body);
  const slots = nodesWithPaths(tree).filter((n) => n.node.kind === 'num');
  if (slots.length === 0) throw new CandidateError(`'${template}' has no numeric constants to tune`);
  const c0 = slots.map((n) => (n.node as { value: number }).value);
  const valueOf = (x: readonly number[]) => c0.map((c, i) => (c === 0 ? x[i]! : c + Math.abs(c) * x[i]!));
  const fromVector = (x: number[]): Candidate => {
    let e = tree;
    valueOf(x).forEach((v, i) => {
      // A non-finite value cannot be written as a literal; the filters reject the neighbouring finite stand-in.
      e = replaceAt(e, slots[i]!.path, num(Number.isFinite(v) ? v : Math.sign(v) * 1e300 || 0));
    });
    return { expr: prefix + print(e), params: [...x] };
  };
  const check = (c: Candidate): number[] => {
    const p = c.params;
    if (!p || p.length !== slots.length || !p.every(Number.isFinite))
      throw new CandidateError(
        `a tuned candidate needs ${slots.length} finite parameters, got ${JSON.stringify(p)}`,
      );
    return p;
  };
  const continuous: ContinuousSpec = {
    dim: slots.length,
    mean0: new Array<number>(slots.length).fill(0),
    sigma0: 0.3,
    fromVector,
  };
  return {
    name: base.name,
    kind: 'continuous',
    title: `constants of ${canonical} (CMA-ES, relative steps)`,
    continuous,
    sample: (rng: Rng) => fromVector(c0.map(() => 0.3 * rng.normal())),
    mutate: (c: Candidate, rng: Rng) => fromVector(check(c).map((v) => v + 0.1 * rng.normal())),
    validate: (c: Candidate) => fromVector(check(c)),
    toHead: (c: Candidate, id?: string) => base.toHead({ expr: fromVector(check(c)).expr }, id),
    describe: (c: Candidate) => base.describe({ expr: fromVector(check(c)).expr }),
  };
}
