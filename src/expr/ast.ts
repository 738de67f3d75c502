/**
 * The candidate language's abstract syntax tree.
 *
 * Types follow the shape of the value on a batch of B examples with C classes:
 *   'vec'   — one value per class and example, [B, C]   (z, t, p and anything built from them)
 *   'row'   — one value per example, [B] (or [B, 1] inside the engine)   (zy, py, reductions of a vec)
 *   'const' — one value for the whole batch   (numeric literals, C)
 * Binary ops broadcast: the result type is the larger of the two operand types (const < row < vec).
 *
 * Nodes are plain immutable objects, so trees can share subtrees (mutation and crossover rely on that) and two
 * trees compare with `exprEquals`. Source positions from the parser live in a side table (see `spanOf`) so that
 * they never affect equality.
 */

export type ExprType = 'vec' | 'row' | 'const';

export type VarName = 'z' | 't' | 'p' | 'zy' | 'py' | 'C';

export type UnaryOp =
  'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'cube' | 'abs' | 'tanh' | 'sigmoid' | 'softplus' | 'relu';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min';

/** Reductions over the class axis: vec → row. */
export type ReduceOp = 'sum' | 'mean' | 'max' | 'logsumexp';

export interface NumNode {
  readonly kind: 'num';
  readonly value: number;
}
export interface VarNode {
  readonly kind: 'var';
  readonly name: VarName;
}
export interface UnaryNode {
  readonly kind: 'unary';
  readonly op: UnaryOp;
  readonly arg: Expr;
}
export interface BinaryNode {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
}
export interface ReduceNode {
  readonly kind: 'reduce';
  readonly op: ReduceOp;
  readonly arg: Expr;
}

export type Expr = NumNode | VarNode | UnaryNode | BinaryNode | ReduceNode;

export const VAR_TYPES: Readonly<Record<VarName, ExprType>> = {
  z: 'vec',
  t: 'vec',
  p: 'vec',
  zy: 'row',
  py: 'row',
  C: 'const',
};
export const VAR_NAMES: readonly VarName[] = ['z', 't', 'p', 'zy', 'py', 'C'];
export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'square',
  'cube',
  'abs',
  'tanh',
  'sigmoid',
  'softplus',
  'relu',
];
export const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'max', 'min'];
export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'logsumexp'];
/** Binary ops whose operands may be swapped without changing the value. */
export const COMMUTATIVE: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['add', 'mul', 'max', 'min']);

const TYPE_RANK: Readonly<Record<ExprType, number>> = { const: 0, row: 1, vec: 2 };

/** The broadcast result type of two operand types. */
export function joinTypes(a: ExprType, b: ExprType): ExprType {
  return TYPE_RANK[a] >= TYPE_RANK[b] ? a : b;
}
/** True when a value of type `a` broadcasts to type `b` (const ≤ row ≤ vec). */
export function typeLeq(a: ExprType, b: ExprType): boolean {
  return TYPE_RANK[a] <= TYPE_RANK[b];
}

// ---- constructors -------------------------------------------------------------------------------------------

export function num(value: number): NumNode {
  if (!Number.isFinite(value)) throw new RangeError(`numeric literal must be finite, got ${value}`);
  // -0 prints as "0", so normalising keeps parse(print(e)) equal to e.
  return { kind: 'num', value: value === 0 ? 0 : value };
}
export function v(name: VarName): VarNode {
  return { kind: 'var', name };
}
export function unary(op: UnaryOp, arg: Expr): UnaryNode {
  return { kind: 'unary', op, arg };
}
export function binary(op: BinaryOp, left: Expr, right: Expr): BinaryNode {
  return { kind: 'binary', op, left, right };
}
export function reduce(op: ReduceOp, arg: Expr): ReduceNode {
  return { kind: 'reduce', op, arg };
}

// ---- structure helpers --------------------------------------------------------------------------------------

export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'num':
    case 'var':
      return [];
    case 'unary':
    case 'reduce':
      return [e.arg];
    case 'binary':
      return [e.left, e.right];
  }
}

/** Rebuilds `e` with new children (same order as `children(e)`). */
export function withChildren(e: Expr, kids: readonly Expr[]): Expr {
  switch (e.kind) {
    case 'num':
    case 'var':
      return e;
    case 'unary':
      return unary(e.op, kids[0]!);
    case 'reduce':
      return reduce(e.op, kids[0]!);
    case 'binary':
      return binary(e.op, kids[0]!, kids[1]!);
  }
}

export function exprEquals(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'num':
      return b.kind === 'num' && Object.is(a.value, b.value);
    case 'var':
      return b.kind === 'var' && a.name === b.name;
    case 'unary':
      return b.kind === 'unary' && a.op === b.op && exprEquals(a.arg, b.arg);
    case 'reduce':
      return b.kind === 'reduce' && a.op === b.op && exprEquals(a.arg, b.arg);
    case 'binary':
      return (
        b.kind === 'binary' && a.op === b.op && exprEquals(a.left, b.left) && exprEquals(a.right, b.right)
      );
  }
}

export function nodeCount(e: Expr): number {
  let n = 1;
  for (const c of children(e)) n += nodeCount(c);
  return n;
}

/** Depth of the tree; a single leaf has depth 1. */
export function depth(e: Expr): number {
  let d = 0;
  for (const c of children(e)) d = Math.max(d, depth(c));
  return d + 1;
}

/** A path is the list of child indices from the root. */
export type Path = readonly number[];

export interface NodeAt {
  path: Path;
  node: Expr;
  /** Distance from the root (root = 0). */
  level: number;
}

/** Every node in pre-order (root first), with its path. */
export function nodesWithPaths(e: Expr): NodeAt[] {
  const out: NodeAt[] = [];
  const walk = (node: Expr, path: number[]): void => {
    out.push({ path, node, level: path.length });
    children(node).forEach((c, i) => walk(c, [...path, i]));
  };
  walk(e, []);
  return out;
}

export function getAt(e: Expr, path: Path): Expr {
  let node = e;
  for (const i of path) {
    const kid = children(node)[i];
    if (kid === undefined) throw new RangeError(`path [${path.join(', ')}] leaves the tree`);
    node = kid;
  }
  return node;
}

/** A copy of `e` with the node at `path` replaced; untouched subtrees are shared. */
export function replaceAt(e: Expr, path: Path, replacement: Expr): Expr {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const kids = children(e);
  if (head === undefined || head >= kids.length)
    throw new RangeError(`path [${path.join(', ')}] leaves the tree`);
  kids[head] = replaceAt(kids[head]!, rest, replacement);
  return withChildren(e, kids);
}

/** The variables an expression reads. */
export function freeVars(e: Expr): Set<VarName> {
  const out = new Set<VarName>();
  const walk = (n: Expr): void => {
    if (n.kind === 'var') out.add(n.name);
    for (const c of children(n)) walk(c);
  };
  walk(e);
  return out;
}
