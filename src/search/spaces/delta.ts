import { deltaRuleHead, type Head } from '../../heads/index.js';
import type { Rng } from '../rng.js';
import type { Candidate, Space } from '../types.js';
import { compileExpr } from './compile.js';
import { canonicalExpr, ExprOps, GEN, plain } from './expr-space.js';

/**
 * δ-rules: a per-class error δ(z, t, p, z_y, p_y, C) of type vec, trained through the surrogate head (the body
 * receives exactly δ/B). Oland et al.'s `exp(z) - t` is one point of this space; it need not be a gradient.
 */
export function deltaSpace(): Space {
  const ops = new ExprOps('vec', GEN);
  return {
    name: 'delta',
    kind: 'structural',
    title: 'δ-rules δ(z, y) (vec expressions; trained via the surrogate Σ z·stopGrad(δ)/B)',
    sample: (rng: Rng) => plain(ops.sample(rng)),
    mutate: (c: Candidate, rng: Rng) => plain(ops.mutate(c.expr, rng)),
    crossover: (a: Candidate, b: Candidate, rng: Rng) => plain(ops.crossover(a.expr, b.expr, rng)),
    validate: (c: Candidate) => plain(canonicalExpr(c.expr, 'vec').text),
    toHead(c: Candidate, id = 'delta-candidate'): Head {
      const { expr, text } = canonicalExpr(c.expr, 'vec');
      const f = compileExpr(expr);
      return deltaRuleHead(id, f, {
        title: `δ = ${text}`,
        formula: `δ = ${text}`,
        source: 'headroom search (delta space)',
      }).create();
    },
    describe: (c: Candidate) => `δ = ${c.expr}`,
  };
}
