/**
 * Random generation, mutation and crossover (regularised-evolution operators). Everything draws from the `Rng`
 * passed in, so a seed fixes the result. Trees are type-correct by construction: generation targets a type, and
 * every operator replaces a node only by something of the same type, so the root type never changes.
 */
import {
  binary,
  BINARY_OPS,
  children,
  depth,
  exprEquals,
  nodeCount,
  nodesWithPaths,
  num,
  reduce,
  REDUCE_OPS,
  replaceAt,
  unary,
  UNARY_OPS,
  v,
  VAR_NAMES,
  VAR_TYPES,
  type BinaryOp,
  type Expr,
  type ExprType,
  type NodeAt,
  type ReduceOp,
  type UnaryOp,
  type VarName,
} from './ast.js';
import { pick, pickWeighted, randInt, randNormal, type Rng } from './rng.js';
import { inferType } from './typecheck.js';

export interface GenOptions {
  /** Maximum tree depth (a leaf has depth 1). Default 5. */
  maxDepth?: number;
  /** Maximum node count. Default 16. */
  maxSize?: number;
  /**
   * Vec and row trees are at least this deep where the limits allow (1 allows a bare leaf such as `t`). Default 2.
   * Constant subtrees are mostly single literals whatever this says.
   */
  minDepth?: number;
  /** Literals drawn by the generator; otherwise a log-uniform value in [1e-3, 10) is drawn. */
  constants?: readonly number[];
  /** Probability of drawing from `constants` rather than log-uniform. Default 0.8. */
  pNiceConstant?: number;
  unaryOps?: readonly UnaryOp[];
  binaryOps?: readonly BinaryOp[];
  reduceOps?: readonly ReduceOp[];
  /** Variables the generator may use. Default all. */
  vars?: readonly VarName[];
}

export const DEFAULT_CONSTANTS: readonly number[] = [0.001, 0.01, 0.1, 0.5, 1, 2, 3, 10, -1];

interface Resolved {
  maxDepth: number;
  maxSize: number;
  minDepth: number;
  constants: readonly number[];
  pNice: number;
  unaryOps: readonly UnaryOp[];
  binaryOps: readonly BinaryOp[];
  reduceOps: readonly ReduceOp[];
  vars: Readonly<Record<ExprType, readonly VarName[]>>;
}

function resolve(o: GenOptions = {}): Resolved {
  const vars = o.vars ?? VAR_NAMES;
  const byType = (t: ExprType): VarName[] => vars.filter((n) => VAR_TYPES[n] === t);
  const r: Resolved = {
    maxDepth: o.maxDepth ?? 5,
    maxSize: o.maxSize ?? 16,
    minDepth: o.minDepth ?? 2,
    constants: o.constants ?? DEFAULT_CONSTANTS,
    pNice: o.pNiceConstant ?? 0.8,
    unaryOps: o.unaryOps ?? UNARY_OPS,
    binaryOps: o.binaryOps ?? BINARY_OPS,
    reduceOps: o.reduceOps ?? REDUCE_OPS,
    vars: { vec: byType('vec'), row: byType('row'), const: byType('const') },
  };
  if (r.maxDepth < 1 || r.maxSize < 1) throw new RangeError('maxDepth and maxSize must be at least 1');
  if (r.vars.vec.length === 0)
    throw new RangeError('the generator needs at least one vec variable (z, t or p)');
  return r;
}

function randomConstant(rng: Rng, o: Resolved): number {
  if (o.constants.length > 0 && rng.next() < o.pNice) return pick(rng, o.constants);
  return Number((10 ** (rng.next() * 4 - 3)).toPrecision(3));
}

/** A leaf of the given type (or, for a row when zy/py are excluded, the smallest row: a reduction). */
function terminal(rng: Rng, type: ExprType, o: Resolved): Expr {
  const names = o.vars[type];
  if (type === 'const') {
    return names.length > 0 && rng.next() < 0.15 ? v(names[0]!) : num(randomConstant(rng, o));
  }
  if (names.length > 0) return v(pick(rng, names));
  // no row variable allowed: a row can still be a reduction, which needs two levels
  return reduce(pick(rng, o.reduceOps), v(pick(rng, o.vars.vec)));
}

function minSize(type: ExprType, o: Resolved): number {
  return type === 'row' && o.vars.row.length === 0 ? 2 : 1;
}

/** A type no larger than `t`, for the broadcast operand of a binary op. */
function smallerType(rng: Rng, t: ExprType): ExprType {
  if (t === 'const') return 'const';
  if (t === 'row') return rng.next() < 0.5 ? 'row' : 'const';
  const u = rng.next();
  return u < 0.5 ? 'vec' : u < 0.65 ? 'row' : 'const';
}

function gen(rng: Rng, type: ExprType, depthLeft: number, budget: number, o: Resolved, level = 0): Expr {
  const leafOnly = depthLeft <= 1 || budget < 2;
  if (leafOnly || (type === 'const' && rng.next() < 0.85)) {
    return terminal(rng, type, o);
  }
  // weights: terminal, unary, binary, reduce
  const w = [
    type !== 'const' && level + 1 < o.minDepth ? 0 : 0.3,
    o.unaryOps.length > 0 ? 0.3 : 0,
    budget >= 3 && o.binaryOps.length > 0 ? 0.45 : 0,
    type === 'row' && o.reduceOps.length > 0 ? 0.5 : 0,
  ];
  if (w.every((x) => x === 0)) return terminal(rng, type, o);
  switch (pickWeighted(rng, w)) {
    case 0:
      return terminal(rng, type, o);
    case 1:
      return unary(pick(rng, o.unaryOps), gen(rng, type, depthLeft - 1, budget - 1, o, level + 1));
    case 2: {
      const other = smallerType(rng, type);
      const typeFirst = rng.next() < 0.5;
      const lt = typeFirst ? type : other;
      const rt = typeFirst ? other : type;
      const rightMin = minSize(rt, o);
      const leftMax = budget - 1 - rightMin;
      const leftBudget = 1 + randInt(rng, Math.max(1, leftMax));
      const left = gen(rng, lt, depthLeft - 1, Math.max(minSize(lt, o), leftBudget), o, level + 1);
      const right = gen(
        rng,
        rt,
        depthLeft - 1,
        Math.max(rightMin, budget - 1 - nodeCount(left)),
        o,
        level + 1,
      );
      return binary(pick(rng, o.binaryOps), left, right);
    }
    default:
      return reduce(pick(rng, o.reduceOps), gen(rng, 'vec', depthLeft - 1, budget - 1, o, level + 1));
  }
}

/**
 * A random tree of the given type within the depth and size limits and at least minDepth deep (draws are
 * repeated until one fits; after 100 misfits, possible only with very tight limits, a single leaf is returned).
 * Deterministic for a given rng state.
 */
export function randomExpr(rng: Rng, type: ExprType, opts?: GenOptions): Expr {
  const o = resolve(opts);
  for (let attempt = 0; attempt < 100; attempt++) {
    const e = gen(rng, type, o.maxDepth, o.maxSize, o);
    const d = depth(e);
    const deepEnough = type === 'const' || d >= Math.min(o.minDepth, o.maxDepth);
    if (nodeCount(e) <= o.maxSize && d <= o.maxDepth && deepEnough) return e;
  }
  return terminal(rng, type, o);
}

// ---- mutation ---------------------------------------------------------------------------------------------

export type MutationKind = 'point' | 'subtree' | 'insert' | 'delete' | 'constant';
export const MUTATION_KINDS: readonly MutationKind[] = ['point', 'subtree', 'insert', 'delete', 'constant'];

export interface MutateOptions extends GenOptions {
  /** Which operators `mutate` may choose from (uniformly). Default all. */
  kinds?: readonly MutationKind[];
  /** Constant perturbation multiplies by exp(N(0, sigma²)). Default 0.5. */
  sigma?: number;
}

interface TypedNode extends NodeAt {
  type: ExprType;
  size: number;
  height: number;
}

function typedNodes(e: Expr): TypedNode[] {
  return nodesWithPaths(e).map((n) => ({
    ...n,
    type: inferType(n.node),
    size: nodeCount(n.node),
    height: depth(n.node),
  }));
}

function withinLimits(out: Expr, before: Expr, o: Resolved): boolean {
  const s = nodeCount(out);
  const d = depth(out);
  return (s <= o.maxSize || s < nodeCount(before)) && (d <= o.maxDepth || d < depth(before));
}

/** Swap the op of a node for another of the same arity (and type rule), or a leaf for another of its type. */
export function mutatePoint(e: Expr, rng: Rng, opts?: MutateOptions): Expr | undefined {
  const o = resolve(opts);
  const nodes = typedNodes(e);
  const n = pick(rng, nodes);
  const x = n.node;
  let repl: Expr | undefined;
  const other = <T>(xs: readonly T[], cur: T): T | undefined => {
    const rest = xs.filter((a) => a !== cur);
    return rest.length === 0 ? undefined : pick(rng, rest);
  };
  switch (x.kind) {
    case 'unary': {
      const op = other(o.unaryOps, x.op);
      repl = op && unary(op, x.arg);
      break;
    }
    case 'binary': {
      const op = other(o.binaryOps, x.op);
      repl = op && binary(op, x.left, x.right);
      break;
    }
    case 'reduce': {
      const op = other(o.reduceOps, x.op);
      repl = op && reduce(op, x.arg);
      break;
    }
    case 'var': {
      if (x.name === 'C') {
        repl = num(randomConstant(rng, o));
      } else {
        const name = other(o.vars[n.type], x.name);
        repl = name && v(name);
      }
      break;
    }
    case 'num': {
      const choices = [
        ...o.constants.filter((c) => c !== x.value).map((c) => num(c)),
        ...o.vars.const.map((c) => v(c)),
      ];
      repl = choices.length > 0 ? pick(rng, choices) : undefined;
      break;
    }
  }
  return repl && replaceAt(e, n.path, repl);
}

/** Replace a random node by a fresh random tree of the same type. */
export function mutateSubtree(e: Expr, rng: Rng, opts?: MutateOptions): Expr | undefined {
  const o = resolve(opts);
  const n = pick(rng, typedNodes(e));
  const depthLeft = Math.max(1, o.maxDepth - n.level);
  const budget = Math.max(minSize(n.type, o), o.maxSize - (nodeCount(e) - n.size));
  const fresh = randomExpr(rng, n.type, { ...opts, maxDepth: depthLeft, maxSize: budget, minDepth: 1 });
  return replaceAt(e, n.path, fresh);
}

/** Wrap a random node x in an op that keeps its type: f(x), x ∘ s or s ∘ x with s a fresh subtree. */
export function mutateInsert(e: Expr, rng: Rng, opts?: MutateOptions): Expr | undefined {
  const o = resolve(opts);
  const room = nodesWithRoom(typedNodes(e), e, o);
  if (room.length === 0) return undefined;
  const n = pick(rng, room);
  const spare = o.maxSize - nodeCount(e) - 1; // nodes left for a sibling
  const useBinary = o.binaryOps.length > 0 && spare >= 1 && (o.unaryOps.length === 0 || rng.next() < 0.5);
  let wrapped: Expr;
  if (useBinary) {
    const st = smallerType(rng, n.type);
    const sib = randomExpr(rng, st, {
      ...opts,
      minDepth: 1,
      maxDepth: Math.max(1, o.maxDepth - n.level - 1),
      maxSize: Math.max(minSize(st, o), spare),
    });
    const op = pick(rng, o.binaryOps);
    wrapped = rng.next() < 0.5 ? binary(op, n.node, sib) : binary(op, sib, n.node);
  } else if (o.unaryOps.length > 0) {
    wrapped = unary(pick(rng, o.unaryOps), n.node);
  } else {
    return undefined;
  }
  return replaceAt(e, n.path, wrapped);
}

function nodesWithRoom(nodes: TypedNode[], e: Expr, o: Resolved): TypedNode[] {
  if (nodeCount(e) + 1 > o.maxSize) return [];
  return nodes.filter((n) => n.level + n.height + 1 <= o.maxDepth);
}

/** Replace a random internal node by one of its children of the same type. */
export function mutateDelete(e: Expr, rng: Rng): Expr | undefined {
  const options: { path: readonly number[]; child: Expr }[] = [];
  for (const n of typedNodes(e)) {
    for (const c of children(n.node)) if (inferType(c) === n.type) options.push({ path: n.path, child: c });
  }
  if (options.length === 0) return undefined;
  const o = pick(rng, options);
  return replaceAt(e, o.path, o.child);
}

/** Multiply a random literal by exp(N(0, σ²)) (kept to 4 significant digits). */
export function mutateConstant(e: Expr, rng: Rng, opts?: MutateOptions): Expr | undefined {
  const sigma = opts?.sigma ?? 0.5;
  const lits = nodesWithPaths(e).filter((n) => n.node.kind === 'num');
  if (lits.length === 0) return undefined;
  const n = pick(rng, lits);
  const old = (n.node as { value: number }).value;
  const base = old === 0 ? 1e-3 * (rng.next() < 0.5 ? -1 : 1) : old;
  const value = Number((base * Math.exp(sigma * randNormal(rng))).toPrecision(4));
  if (!Number.isFinite(value)) return undefined;
  return replaceAt(e, n.path, num(value));
}

const OPERATORS: Readonly<Record<MutationKind, (e: Expr, rng: Rng, o?: MutateOptions) => Expr | undefined>> =
  {
    point: mutatePoint,
    subtree: mutateSubtree,
    insert: mutateInsert,
    delete: (e, rng) => mutateDelete(e, rng),
    constant: mutateConstant,
  };

/**
 * One mutation, chosen uniformly among `opts.kinds` (retrying when an operator does not apply, leaves the tree
 * unchanged or breaks the limits). Falls back to a fresh random tree of the same type.
 */
export function mutate(e: Expr, rng: Rng, opts?: MutateOptions): { expr: Expr; kind: MutationKind } {
  const o = resolve(opts);
  const type = inferType(e);
  const kinds = opts?.kinds ?? MUTATION_KINDS;
  for (let attempt = 0; attempt < 30; attempt++) {
    const kind = pick(rng, kinds);
    const out = OPERATORS[kind](e, rng, opts);
    if (out !== undefined && !exprEquals(out, e) && withinLimits(out, e, o)) return { expr: out, kind };
  }
  return { expr: randomExpr(rng, type, opts), kind: 'subtree' };
}

/**
 * A child of `a` with one of its subtrees replaced by a type-compatible subtree of `b` (one that fits the depth
 * and size limits). Prefers non-root swaps; returns a copy of `a` unchanged only when no swap is possible.
 */
export function crossover(a: Expr, b: Expr, rng: Rng, opts?: GenOptions): Expr {
  const o = resolve(opts);
  const na = typedNodes(a);
  const nb = typedNodes(b);
  const sizeA = nodeCount(a);
  const pairs = (allowRoot: boolean): [TypedNode, TypedNode][] => {
    const out: [TypedNode, TypedNode][] = [];
    for (const x of na) {
      if (!allowRoot && x.level === 0) continue;
      for (const y of nb) {
        if (y.type !== x.type) continue;
        if (x.level + y.height > Math.max(o.maxDepth, depth(a))) continue;
        if (sizeA - x.size + y.size > Math.max(o.maxSize, sizeA)) continue;
        if (exprEquals(x.node, y.node)) continue;
        out.push([x, y]);
      }
    }
    return out;
  };
  let cands = pairs(false);
  if (cands.length === 0) cands = pairs(true);
  if (cands.length === 0) return a;
  const [x, y] = pick(rng, cands);
  return replaceAt(a, x.path, y.node);
}
