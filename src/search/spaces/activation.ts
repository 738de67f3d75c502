import { activationHead, type Head } from '../../heads/index.js';
import { freeVars } from '../../expr/index.js';
import type { Rng } from '../rng.js';
import { CandidateError, type Candidate, type Space } from '../types.js';
import { compileActivation } from './compile.js';
import { ACTIVATION_VARS, canonicalExpr, ExprOps, GEN } from './expr-space.js';

export type ActivationBase = 'ce-like' | 'mse';
const BASES: readonly ActivationBase[] = ['ce-like', 'mse'];

/** Stored form: `<base>: <a(z)>`, e.g. `ce-like: exp(z)` (which is softmax + CE) or `mse: sigmoid(z)`. */
export function parseActivation(text: string): { base: ActivationBase; a: string } {
  const m = /^\s*(ce-like|mse)\s*:\s*(.*)$/s.exec(text);
  if (!m) throw new CandidateError(`activation candidate must read '<ce-like|mse>: a(z)', got '${text}'`);
  const a = m[2]!;
  const { expr, text: canon } = canonicalExpr(a, 'vec', ACTIVATION_VARS);
  const bad = [...freeVars(expr)].filter((v) => !ACTIVATION_VARS.includes(v));
  if (bad.length > 0)
    throw new CandidateError(`an output activation cannot read ${bad.join(', ')} (only z, p, C)`);
  return { base: m[1] as ActivationBase, a: canon };
}

const enc = (base: ActivationBase, a: string): Candidate => ({ expr: `${base}: ${a}` });

/**
 * Output activations a(z) (vec expressions of z, p and C only) composed with a base loss: 'ce-like'
 * (−log a_y/Σa, a must stay positive) or 'mse' (½‖a − t‖²). Prediction is argmax a(z).
 */
export function activationSpace(): Space {
  const ops = new ExprOps('vec', { ...GEN, vars: ACTIVATION_VARS });
  return {
    name: 'activation',
    kind: 'structural',
    title: 'output activations a(z) with a CE-like or MSE base loss; prediction argmax a(z)',
    sample: (rng: Rng) => enc(BASES[rng.int(2)]!, ops.sample(rng)),
    mutate(c: Candidate, rng: Rng) {
      const { base, a } = parseActivation(c.expr);
      if (rng.next() < 0.1) return enc(base === 'mse' ? 'ce-like' : 'mse', a);
      return enc(base, ops.mutate(a, rng));
    },
    crossover(x: Candidate, y: Candidate, rng: Rng) {
      const a = parseActivation(x.expr);
      const b = parseActivation(y.expr);
      return enc(a.base, ops.crossover(a.a, b.a, rng));
    },
    validate(c: Candidate) {
      const { base, a } = parseActivation(c.expr);
      return enc(base, a);
    },
    toHead(c: Candidate, id = 'activation-candidate'): Head {
      const { base, a } = parseActivation(c.expr);
      const f = compileActivation(canonicalExpr(a, 'vec', ACTIVATION_VARS).expr);
      return activationHead(id, f, base, {
        title: `${base} ∘ a(z) = ${a}`,
        formula: base === 'mse' ? `½‖a(z) − t‖², a(z) = ${a}` : `−log(a_y / Σ_k a_k), a(z) = ${a}`,
        source: 'headroom search (activation space)',
      }).create();
    },
    describe: (c: Candidate) => {
      const { base, a } = parseActivation(c.expr);
      return `a(z) = ${a} with ${base} loss; predict argmax a(z)`;
    },
  };
}
