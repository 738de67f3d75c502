import { deltaRuleHead } from '../../heads/index.js';
import type { Space } from '../types.js';
import { expressionSpace } from './expr-space.js';

/**
 * δ-rules: a per-class error δ(z, t, p, z_y, p_y, C) of type vec, trained through the surrogate head (the body
 * receives exactly δ/B). Oland et al.'s `exp(z) - t` is one point of this space; it need not be a gradient.
 */
export function deltaSpace(): Space {
  return expressionSpace({
    name: 'delta',
    type: 'vec',
    title: 'δ-rules δ(z, y) (vec expressions; trained via the surrogate Σ z·stopGrad(δ)/B)',
    symbol: 'δ',
    build: (id, f, meta) => deltaRuleHead(id, f, meta).create(),
  });
}
