// Test-only helpers: a generator of arbitrary (possibly ill-typed) trees, and random evaluation inputs.
import {
  BINARY_OPS,
  REDUCE_OPS,
  UNARY_OPS,
  VAR_NAMES,
  binary,
  createRng,
  num,
  pick,
  reduce,
  unary,
  v,
  type EvalInputs,
  type Expr,
  type Rng,
} from '../../src/expr/index.js';

const ODD_NUMBERS = [0, 1, 2, 0.5, 1e-7, 1.5e21, 123.456, 3e-300, 0.1, 1 / 3, 7];

/** Any shape of tree, including neg(literal), negative literals, pow chains and tiny/huge numbers. */
export function wildExpr(rng: Rng, depthLeft: number): Expr {
  const u = rng.next();
  if (depthLeft <= 1 || u < 0.25) {
    if (rng.next() < 0.5) return v(pick(rng, VAR_NAMES));
    const x = pick(rng, ODD_NUMBERS);
    return num(rng.next() < 0.4 ? -x : x);
  }
  if (u < 0.5) return unary(pick(rng, UNARY_OPS), wildExpr(rng, depthLeft - 1));
  if (u < 0.6) return reduce(pick(rng, REDUCE_OPS), wildExpr(rng, depthLeft - 1));
  return binary(pick(rng, BINARY_OPS), wildExpr(rng, depthLeft - 1), wildExpr(rng, depthLeft - 1));
}

export function randomInputs(seed: number, batch: number, classes: number, scale = 1): EvalInputs {
  const rng = createRng(seed);
  const z = Array.from({ length: batch * classes }, () => scale * (2 * rng.next() - 1) * 2);
  const y = Array.from({ length: batch }, () => Math.floor(rng.next() * classes));
  return { z, y, batch, classes };
}

/** |a − b| small relative to the magnitudes involved; equal non-finite values also match. */
export function close(a: number, b: number, rel = 1e-9, abs = 1e-12): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}
