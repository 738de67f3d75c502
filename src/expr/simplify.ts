/**
 * Conservative simplification and canonical form.
 *
 * - Constant folding of subtrees whose operands are all literals (with the guarded semantics of ops.ts, and only
 *   when the result is finite).
 * - Sums and products are flattened into c₀ + Σ cᵢ·(f₁·f₂·…) with the factors and terms sorted, like terms
 *   combined (x + x → 2 * x) and literal coefficients multiplied out (2 * z * 3 → 6 * z, z / 2 → 0.5 * z for
 *   powers of two only, so that no inexact reciprocal appears). Positive terms print first, so `-t + exp(z)`
 *   becomes `exp(z) - t`.
 * - Identities: x + 0, x * 1, --x, x - x → 0 and x * 0 → 0 (the last two only when x cannot be ±Inf/NaN for
 *   finite inputs, see `finiteSafe`), abs/relu of a non-negative form, square(-x), cube(-x), tanh(-x),
 *   max(x, x), and nested max/min chains flattened and sorted.
 * - Not applied, because the guards make them false: exp(log x) (= max(x, 1e-12)), log(exp x) (differs below
 *   -27.6 and on overflow), sqrt(square x) (differs for |x| < 1e-6), x / x, x^1, x^0 on non-constants.
 * - Every rewrite keeps the type of the node it replaces: `z - z` is a vec, so it becomes `0 * t` (the canonical
 *   zero vec; `0 * py` for a row) rather than the constant 0, which would break, e.g., sum(z - z).
 *
 * The result is value-equal to the input up to floating-point reassociation, and simplify is idempotent.
 */
import {
  binary,
  children,
  exprEquals,
  num,
  unary,
  v,
  withChildren,
  type BinaryNode,
  type Expr,
} from './ast.js';
import { BINARY_FN, EPS, REDUCE_FN, UNARY_FN } from './ops.js';
import { print } from './print.js';
import { inferType } from './typecheck.js';

export function simplify(e: Expr): Expr {
  inferType(e); // reject ill-typed input up front
  let cur = e;
  // One pass reaches the canonical form in practice; a few more guard against a rule exposing another.
  for (let i = 0; i < 8; i++) {
    const next = pass(cur);
    if (exprEquals(next, cur)) return next;
    cur = next;
  }
  return cur;
}

function pass(e: Expr): Expr {
  const node = withChildren(e, children(e).map(pass));
  const out = rewrite(node);
  return out === node || inferType(out) === inferType(node) ? out : node;
}

/**
 * True when `e` cannot evaluate to ±Inf or NaN for finite inputs of realistic size (logits well inside ±1e30).
 * exp, square, cube, ÷ and pow can overflow, so they (and anything above them) are not finite-safe.
 */
export function finiteSafe(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
    case 'var':
      return true;
    case 'unary':
      return e.op !== 'exp' && e.op !== 'square' && e.op !== 'cube' && finiteSafe(e.arg);
    case 'reduce':
      return finiteSafe(e.arg);
    case 'binary':
      return e.op !== 'div' && e.op !== 'pow' && finiteSafe(e.left) && finiteSafe(e.right);
  }
}

/** True when every value of `e` is ≥ 0 (or NaN), judged from its outermost op. */
function nonNegative(e: Expr): boolean {
  if (e.kind === 'num') return e.value >= 0;
  if (e.kind === 'var') return e.name === 't' || e.name === 'p' || e.name === 'py' || e.name === 'C';
  if (e.kind === 'unary') {
    return ['exp', 'abs', 'square', 'sigmoid', 'softplus', 'relu', 'sqrt'].includes(e.op);
  }
  return false;
}

function fold(e: Expr): Expr | undefined {
  let v: number;
  switch (e.kind) {
    case 'unary':
      if (e.arg.kind !== 'num') return undefined;
      v = UNARY_FN[e.op](e.arg.value);
      break;
    case 'binary':
      if (e.left.kind !== 'num' || e.right.kind !== 'num') return undefined;
      v = BINARY_FN[e.op](e.left.value, e.right.value);
      break;
    case 'reduce':
      if (e.arg.kind !== 'num') return undefined; // ill-typed anyway; leave it to the type checker
      v = REDUCE_FN[e.op](Float64Array.of(e.arg.value), 0, 1);
      break;
    default:
      return undefined;
  }
  return Number.isFinite(v) ? num(v) : undefined;
}

function rewrite(e: Expr): Expr {
  const folded = fold(e);
  if (folded !== undefined) return folded;
  switch (e.kind) {
    case 'num':
    case 'var':
    case 'reduce':
      return e;
    case 'unary':
      return e.op === 'neg' ? canonicalSum(e) : rewriteUnary(e.op, e.arg, e);
    case 'binary':
      switch (e.op) {
        case 'add':
        case 'sub':
        case 'mul':
          return canonicalSum(e);
        case 'div':
          return powerOfTwoDivisor(e) ? canonicalSum(e) : e;
        case 'max':
        case 'min':
          return canonicalChain(e);
        default:
          return e;
      }
  }
}

function rewriteUnary(op: string, arg: Expr, e: Expr): Expr {
  const isNeg = arg.kind === 'unary' && arg.op === 'neg';
  const inner = arg.kind === 'unary' ? arg.arg : arg;
  switch (op) {
    case 'abs':
      if (isNeg || (arg.kind === 'unary' && arg.op === 'abs')) return unary('abs', inner);
      if (nonNegative(arg)) return arg;
      return e;
    case 'relu':
      return nonNegative(arg) ? arg : e;
    case 'square':
      if (isNeg || (arg.kind === 'unary' && arg.op === 'abs')) return unary('square', inner);
      return e;
    case 'cube':
    case 'tanh':
      // odd functions: pull the sign out so that it can cancel in the surrounding sum
      return isNeg ? canonicalSum(unary('neg', unary(op, inner))) : e;
    default:
      return e;
  }
}

// ---- sums and products ----------------------------------------------------------------------------------------

interface Term {
  coef: number;
  /** Sorted by key; empty for the constant term. */
  factors: Expr[];
  key: string;
}

function keyOf(e: Expr): string {
  return print(e);
}

function powerOfTwoDivisor(e: BinaryNode): boolean {
  if (e.right.kind !== 'num') return false;
  const c = Math.abs(e.right.value);
  if (c < EPS) return false;
  const l = Math.log2(c);
  return Number.isInteger(l) && Math.abs(l) < 1000;
}

function collectFactors(e: Expr, out: Expr[]): number {
  if (e.kind === 'num') return e.value;
  if (e.kind === 'unary' && e.op === 'neg') return -collectFactors(e.arg, out);
  if (e.kind === 'binary' && e.op === 'mul')
    return collectFactors(e.left, out) * collectFactors(e.right, out);
  if (e.kind === 'binary' && e.op === 'div' && powerOfTwoDivisor(e)) {
    return collectFactors(e.left, out) / (e.right as { value: number }).value;
  }
  out.push(e);
  return 1;
}

function isSumNode(e: Expr): boolean {
  return (
    (e.kind === 'binary' && (e.op === 'add' || e.op === 'sub')) || (e.kind === 'unary' && e.op === 'neg')
  );
}

function collectTerms(e: Expr, coef: number, out: Term[]): void {
  if (e.kind === 'binary' && e.op === 'add') {
    collectTerms(e.left, coef, out);
    collectTerms(e.right, coef, out);
    return;
  }
  if (e.kind === 'binary' && e.op === 'sub') {
    collectTerms(e.left, coef, out);
    collectTerms(e.right, -coef, out);
    return;
  }
  const factors: Expr[] = [];
  const c = coef * collectFactors(e, factors);
  if (factors.length === 1 && isSumNode(factors[0]!)) {
    collectTerms(factors[0]!, c, out); // c·(a + b) with c a literal distributes into the surrounding sum
    return;
  }
  const sorted = factors
    .map((f) => ({ f, k: keyOf(f) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  out.push({ coef: c, factors: sorted.map((s) => s.f), key: sorted.map((s) => s.k).join(' * ') });
}

function termExpr(coef: number, factors: readonly Expr[]): Expr {
  if (factors.length === 0) return num(coef);
  let prod = factors[0]!;
  for (let i = 1; i < factors.length; i++) prod = binary('mul', prod, factors[i]!);
  if (coef === 1) return prod;
  if (coef === -1) return unary('neg', prod);
  let acc: Expr = num(coef);
  for (const f of factors) acc = binary('mul', acc, f);
  return acc;
}

function buildSum(terms: readonly Term[]): Expr {
  const constant = terms.find((t) => t.factors.length === 0);
  const rest = terms
    .filter((t) => t.factors.length > 0)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const ordered: Term[] = [];
  if (constant !== undefined && constant.coef > 0) ordered.push(constant);
  ordered.push(...rest.filter((t) => t.coef >= 0), ...rest.filter((t) => t.coef < 0));
  if (constant !== undefined && constant.coef < 0) ordered.push(constant);
  if (ordered.length === 0) return num(0);
  const first = ordered[0]!;
  let acc = termExpr(first.coef, first.factors);
  for (let i = 1; i < ordered.length; i++) {
    const t = ordered[i]!;
    acc =
      t.coef < 0
        ? binary('sub', acc, termExpr(-t.coef, t.factors))
        : binary('add', acc, termExpr(t.coef, t.factors));
  }
  return acc;
}

function canonicalSum(e: Expr): Expr {
  const raw: Term[] = [];
  collectTerms(e, 1, raw);
  const byKey = new Map<string, Term>();
  for (const t of raw) {
    if (!Number.isFinite(t.coef)) return e; // a coefficient overflowed: keep the original form
    const prev = byKey.get(t.key);
    if (prev === undefined) byKey.set(t.key, { ...t });
    else prev.coef += t.coef;
  }
  const combined = [...byKey.values()];
  if (!combined.every((t) => Number.isFinite(t.coef))) return e; // 1e308·x + 1e308·x: leave it to evaluate as Inf
  // 0·x and x − x vanish only when x is finite; otherwise keep the 0·x term (it is NaN where x is ±Inf).
  const kept = combined.filter((t) => t.coef !== 0 || (t.factors.length > 0 && !t.factors.every(finiteSafe)));
  const out = buildSum(kept);
  const type = inferType(e);
  if (inferType(out) === type) return out;
  // Cancelling lowered the type (z − z + zy would become a row). Keep the type with one canonical zero term,
  // 0·t for a vec or 0·py for a row (always finite), so that the result is the same whichever terms cancelled.
  const zero = type === 'vec' ? v('t') : v('py');
  return buildSum([...kept, { coef: 0, factors: [zero], key: keyOf(zero) }]);
}

// ---- max / min chains ---------------------------------------------------------------------------------------

function canonicalChain(e: BinaryNode): Expr {
  const op = e.op;
  const items: Expr[] = [];
  const walk = (n: Expr): void => {
    if (n.kind === 'binary' && n.op === op) {
      walk(n.left);
      walk(n.right);
    } else items.push(n);
  };
  walk(e);
  const f = BINARY_FN[op];
  const nums = items.filter((x) => x.kind === 'num').map((x) => (x as { value: number }).value);
  const others = items.filter((x) => x.kind !== 'num');
  const merged: Expr[] = nums.length > 0 ? [num(nums.reduce(f)), ...others] : others;
  const keyed = merged.map((x) => ({ x, k: keyOf(x) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const unique = keyed.filter((it, i) => i === 0 || it.k !== keyed[i - 1]!.k).map((it) => it.x);
  let acc = unique[0]!;
  for (let i = 1; i < unique.length; i++) acc = binary(op, acc, unique[i]!);
  return acc;
}
