/**
 * Scalar semantics of every op, shared by the JS evaluator, constant folding and (as the reference) the engine
 * compiler. The "safe" ops are total so that a random candidate never throws; they can still return ±Inf (exp,
 * square, cube and pow overflow) and the search filters reject non-finite candidates.
 *
 * Guards (the engine compiler implements exactly these):
 *   log(x)   = ln(max(x, EPS))                          — finite for every finite x; gradient 0 where x < EPS
 *   sqrt(x)  = √max(x, EPS)                              — finite gradient (≤ 1/(2√EPS)); exact for x ≥ EPS
 *   a ÷ b    = a / g(b),  g(b) = b ≥ 0 ? max(b, EPS) : min(b, −EPS)   — keeps the sign of b, |g(b)| ≥ EPS
 *   pow(a,b) = max(|a|, EPS)^b                           — real for any a, b; loses the sign of a (use cube)
 * with EPS = 1e-12.
 */
import { REDUCE_OPS, UNARY_OPS, type BinaryOp, type ReduceOp, type UnaryOp } from './ast.js';

export const EPS = 1e-12;

export function safeLog(x: number): number {
  return Math.log(Math.max(x, EPS));
}
export function safeSqrt(x: number): number {
  return Math.sqrt(Math.max(x, EPS));
}
/** The guarded denominator of a ÷ b. */
export function guardDenominator(b: number): number {
  return b >= 0 ? Math.max(b, EPS) : b < 0 ? Math.min(b, -EPS) : b; // NaN stays NaN
}
export function safePow(a: number, b: number): number {
  return Math.pow(Math.max(Math.abs(a), EPS), b);
}
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
export function softplus(x: number): number {
  // log(1 + e^x) without overflow for large x or precision loss for very negative x.
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export const UNARY_FN: Readonly<Record<UnaryOp, (x: number) => number>> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: safeLog,
  sqrt: safeSqrt,
  square: (x) => x * x,
  cube: (x) => x * x * x,
  abs: Math.abs,
  tanh: Math.tanh,
  sigmoid,
  softplus,
  relu: (x) => (x > 0 ? x : x === x ? 0 : x), // NaN propagates, like torch.relu
};

function nanMax(a: number, b: number): number {
  return Math.max(a, b); // Math.max already propagates NaN, like torch.maximum
}
function nanMin(a: number, b: number): number {
  return Math.min(a, b);
}

export const BINARY_FN: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / guardDenominator(b),
  pow: safePow,
  max: nanMax,
  min: nanMin,
};

/** Reduce `n` values of `xs` starting at `off` (stride 1). */
export const REDUCE_FN: Readonly<Record<ReduceOp, (xs: Float64Array, off: number, n: number) => number>> = {
  sum: (xs, off, n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[off + i]!;
    return s;
  },
  mean: (xs, off, n) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[off + i]!;
    return s / n;
  },
  max: (xs, off, n) => {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = nanMax(m, xs[off + i]!);
    return m;
  },
  logsumexp: (xs, off, n) => {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = nanMax(m, xs[off + i]!);
    if (m !== m) return NaN;
    if (m === Infinity || m === -Infinity) return m;
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(xs[off + i]! - m);
    return m + Math.log(s);
  },
};

// ---- text syntax ------------------------------------------------------------------------------------------

/** Function-call names of the unary ops (neg has no call form: it is written as unary minus). */
export const UNARY_NAMES: ReadonlySet<string> = new Set<UnaryOp>(UNARY_OPS.filter((op) => op !== 'neg'));
/** `max(x)` is the reduction, `max(a, b)` the elementwise op; `min` has only the binary form. */
export const REDUCE_NAMES: ReadonlySet<string> = new Set<ReduceOp>(REDUCE_OPS);
export const BINARY_CALL_NAMES: ReadonlySet<string> = new Set<BinaryOp>(['max', 'min', 'pow']);
export const INFIX_SYMBOL: Readonly<Partial<Record<BinaryOp, string>>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  pow: '^',
};
