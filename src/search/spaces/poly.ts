import { binary, num, reduce, unary, v, type Expr } from '../../expr/index.js';
import type { Space } from '../types.js';
import { c, parametricSpace, roundTo, sub, weightedSum } from './continuous.js';

/**
 * PolyLoss (Leng et al., ICLR 2022): cross-entropy's Taylor series in (1 − p_y) with its first k coefficients
 * perturbed, L = CE + Σ_{j=1..k} ε_j (1 − p_y)^j. ε = 0 is softmax-ce; Poly-1 (k = 1, ε_1 = 1) is in the catalogue.
 */
export const POLY_K = 4;

export function polyExpr(eps: readonly number[], round = false): Expr {
  const ce = sub(reduce('logsumexp', v('z')), v('zy'));
  const q = sub(c(1), v('py'));
  const pow = (j: number): Expr =>
    j === 1 ? q : j === 2 ? unary('square', q) : j === 3 ? unary('cube', q) : binary('pow', q, num(j));
  return weightedSum(
    eps.map((e, i): [number, Expr] => [e, pow(i + 1)]),
    { round, head: ce },
  );
}

export function polySpace(k = POLY_K): Space {
  return parametricSpace({
    name: 'poly',
    title: `PolyLoss: CE + Σ_{j≤${k}} ε_j (1 − p_y)^j, CMA-ES over ε`,
    dim: k,
    mean0: new Array<number>(k).fill(0),
    sigma0: 1,
    build: polyExpr,
    describe: (eps) =>
      `PolyLoss ε = [${eps.map((x) => roundTo(x)).join(', ')}]: L = CE + ${eps.map((_, j) => `ε${j + 1}(1 − p_y)^${j + 1}`).join(' + ')}`,
  });
}
