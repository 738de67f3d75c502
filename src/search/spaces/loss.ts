import { lossHead, type Head } from '../../heads/index.js';
import type { Rng } from '../rng.js';
import type { Candidate, Space } from '../types.js';
import { compileExpr } from './compile.js';
import { canonicalExpr, ExprOps, GEN, plain } from './expr-space.js';

/** Losses: a per-example scalar L(z, t, p, z_y, p_y, C) (row expressions), differentiated by autograd (GLO style). */
export function lossSpace(): Space {
  const ops = new ExprOps('row', GEN);
  return {
    name: 'loss',
    kind: 'structural',
    title: 'losses L(z, y) (row expressions; δ by autograd)',
    sample: (rng: Rng) => plain(ops.sample(rng)),
    mutate: (c: Candidate, rng: Rng) => plain(ops.mutate(c.expr, rng)),
    crossover: (a: Candidate, b: Candidate, rng: Rng) => plain(ops.crossover(a.expr, b.expr, rng)),
    validate: (c: Candidate) => plain(canonicalExpr(c.expr, 'row').text),
    toHead(c: Candidate, id = 'loss-candidate'): Head {
      const { expr, text } = canonicalExpr(c.expr, 'row');
      const f = compileExpr(expr);
      return lossHead(id, f, {
        title: `L = ${text}`,
        formula: `L = ${text}`,
        source: 'headroom search (loss space)',
      }).create();
    },
    describe: (c: Candidate) => `L = ${c.expr}`,
  };
}
