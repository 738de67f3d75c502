import { reduce, unary, v, type Expr } from '../../expr/index.js';
import type { Space } from '../types.js';
import { minus, mul, parametricSpace, roundTo, weightedSum } from './continuous.js';

/**
 * TaylorGLO (Gonzalez & Miikkulainen, GECCO 2021): a third-order Taylor polynomial in (x, y) = (t_k, p_k), the
 * one-hot target and the softmax output of class k, expanded around (θ0, θ1), keeping only the terms whose
 * derivative in y is non-zero (the others cannot change training). With d = p − θ1 and e = t − θ0:
 *
 *   L(z, y) = −(1/C) Σ_k [ θ2 d + ½θ3 d² + ⅙θ4 d³ + θ5 e d + ½θ6 e d² + ½θ7 e² d ]
 *
 * 8 parameters, searched by CMA-ES (population 20 as in the paper). This is the parametrisation as recalled from the
 * paper (its full text was not at hand); the start point θ = (0,0, 0,0,0, 1,0,0) is L = −p_y/C, a proper loss, so
 * generation 0 is centred on something that trains rather than on the all-zero (gradient-free) loss.
 */
export const TAYLOR_DIM = 8;

export function taylorExpr(th: readonly number[], round = false): Expr {
  const r = (x: number) => (round ? roundTo(x) : x);
  const d = minus(v('p'), r(th[1]!));
  const e = minus(v('t'), r(th[0]!));
  const sq = (x: Expr) => unary('square', x);
  const sum = weightedSum(
    [
      [th[2]!, d],
      [th[3]! / 2, sq(d)],
      [th[4]! / 6, unary('cube', d)],
      [th[5]!, mul(e, d)],
      [th[6]! / 2, mul(e, sq(d))],
      [th[7]! / 2, mul(sq(e), d)],
    ],
    { round },
  );
  return unary('neg', reduce('mean', sum));
}

export function taylorSpace(): Space {
  return parametricSpace({
    name: 'taylor',
    title: 'TaylorGLO: 8-parameter third-order Taylor loss in (t_k, p_k), CMA-ES',
    dim: TAYLOR_DIM,
    mean0: [0, 0, 0, 0, 0, 1, 0, 0],
    sigma0: 1,
    build: taylorExpr,
    describe: (th) =>
      `TaylorGLO θ = [${th.map((x) => roundTo(x)).join(', ')}]: L = −mean_k[θ2 d + θ3 d²/2 + θ4 d³/6 + θ5 e d + θ6 e d²/2 + θ7 e² d/2], d = p − θ1, e = t − θ0`,
  });
}
