import { lossHead } from '../../heads/index.js';
import type { Space } from '../types.js';
import { expressionSpace } from './expr-space.js';

/** Losses: a per-example scalar L(z, t, p, z_y, p_y, C) (row expressions), differentiated by autograd (GLO style). */
export function lossSpace(): Space {
  return expressionSpace({
    name: 'loss',
    type: 'row',
    title: 'losses L(z, y) (row expressions; δ by autograd)',
    symbol: 'L',
    build: (id, f, meta) => lossHead(id, f, meta).create(),
  });
}
