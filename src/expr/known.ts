/**
 * Known heads written in the candidate language, so that the search can recognise a rediscovery (same functional
 * hash) and report it as a duplicate of a named head. Formulas follow ../shared/docs/heads.md with their default
 * parameters. Losses are per example (summed over classes); δ-rules are ∂loss/∂z for one example (no 1/B).
 * Heads that need features or weights (cosine, margins) or iterative normalisers (sparsemax, bi-tempered) have no
 * form here.
 */
import type { Expr } from './ast.js';
import { functionalHash } from './hash.js';
import { parse } from './parse.js';

export type Space = 'delta' | 'loss' | 'activation';

export interface KnownExpression {
  /** The head id (from the catalogue) this expression belongs to, or a descriptive id for variants. */
  readonly id: string;
  readonly space: Space;
  readonly text: string;
}

export const KNOWN_EXPRESSIONS: readonly KnownExpression[] = [
  // δ-rules
  { id: 'softmax-ce', space: 'delta', text: 'p - t' },
  { id: 'oland-exp', space: 'delta', text: 'exp(z) - t' },
  { id: 'oland-exp-a0.1', space: 'delta', text: '0.1 * exp(z) - t' },
  { id: 'oland-pow3', space: 'delta', text: '0.001 * cube(z) - t' },
  { id: 'oland-pow3-err', space: 'delta', text: 'cube(z - t)' },
  { id: 'linear-mse', space: 'delta', text: 'z - t' },
  { id: 'softmax-mse', space: 'delta', text: 'p * (p - t - sum(p * (p - t)))' },
  { id: 'sigmoid-bce', space: 'delta', text: 'sigmoid(z) - t' },
  { id: 'label-smoothing', space: 'delta', text: 'p - 0.9 * t - 0.1 / C' },
  { id: 'poly1', space: 'delta', text: '(1 + py) * (p - t)' },
  { id: 'logit-penalty', space: 'delta', text: 'p - t + 0.0012 * z' },
  { id: 'squentropy', space: 'delta', text: 'p - t + 2 * z * (1 - t) / (C - 1)' },
  // losses
  { id: 'softmax-ce', space: 'loss', text: 'logsumexp(z) - zy' },
  { id: 'oland-exp', space: 'loss', text: 'sum(exp(z) - t * z)' },
  { id: 'oland-pow3', space: 'loss', text: 'sum(0.00025 * square(square(z)) - t * z)' },
  { id: 'oland-pow3-err', space: 'loss', text: '0.25 * sum(square(square(z - t)))' },
  { id: 'oland-exp-err', space: 'loss', text: 'sum(exp(abs(z - t)) - abs(z - t) - 1)' },
  { id: 'linear-mse', space: 'loss', text: '0.5 * sum(square(z - t))' },
  { id: 'softmax-mse', space: 'loss', text: '0.5 * sum(square(p - t))' },
  { id: 'sigmoid-bce', space: 'loss', text: 'sum(softplus(z) - t * z)' },
  { id: 'hinge', space: 'loss', text: 'sum(relu(1 + z - zy)) - 1' },
  { id: 'squared-hinge', space: 'loss', text: 'sum(square(relu(1 + z - zy))) - 1' },
  { id: 'label-smoothing', space: 'loss', text: 'logsumexp(z) - sum((0.9 * t + 0.1 / C) * z)' },
  { id: 'focal', space: 'loss', text: '-square(1 - py) * log(py)' },
  { id: 'poly1', space: 'loss', text: 'logsumexp(z) - zy + 1 - py' },
  { id: 'squentropy', space: 'loss', text: 'logsumexp(z) - zy + sum(square(z) * (1 - t)) / (C - 1)' },
  { id: 'rescaled-square', space: 'loss', text: 'square(zy - 1) + sum(square(z) * (1 - t))' },
  { id: 'logit-penalty', space: 'loss', text: 'logsumexp(z) - zy + 0.0006 * sum(square(z))' },
  {
    id: 'taylor-softmax',
    space: 'loss',
    text: 'log(sum(1 + z + 0.5 * square(z))) - log(1 + zy + 0.5 * square(zy))',
  },
  { id: 'baikal', space: 'loss', text: '-mean(log(p) - t / p)' },
  // output activations (prediction = argmax)
  { id: 'softmax', space: 'activation', text: 'p' },
  { id: 'identity', space: 'activation', text: 'z' },
  { id: 'sigmoid', space: 'activation', text: 'sigmoid(z)' },
  { id: 'exp', space: 'activation', text: 'exp(z)' },
  {
    id: 'taylor-softmax',
    space: 'activation',
    text: '(1 + z + 0.5 * square(z)) / sum(1 + z + 0.5 * square(z))',
  },
];

/** The type each space expects of its expressions. */
export function spaceType(space: Space): 'vec' | 'row' {
  return space === 'loss' ? 'row' : 'vec';
}

/** A known expression, parsed and type-checked for its space. */
export function knownExpr(k: KnownExpression): Expr {
  return parse(k.text, spaceType(k.space));
}

let byHash: Map<string, KnownExpression[]> | undefined;

/** Known expressions of `space` that compute the same function as `e` (same functional hash). */
export function findKnown(e: Expr, space: Space): KnownExpression[] {
  if (byHash === undefined) {
    byHash = new Map();
    for (const k of KNOWN_EXPRESSIONS) {
      const key = `${k.space}:${functionalHash(knownExpr(k))}`;
      byHash.set(key, [...(byHash.get(key) ?? []), k]);
    }
  }
  return byHash.get(`${space}:${functionalHash(e)}`) ?? [];
}
