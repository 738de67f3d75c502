import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MUTATION_KINDS,
  createRng,
  crossover,
  depth,
  exprEquals,
  freeVars,
  inferType,
  mutate,
  mutateConstant,
  mutateDelete,
  mutateInsert,
  mutatePoint,
  mutateSubtree,
  nodeCount,
  nodesWithPaths,
  parse,
  print,
  randomExpr,
  type Expr,
  type ExprType,
  type MutateOptions,
  type Rng,
} from '../../src/expr/index.js';

const TYPES: ExprType[] = ['vec', 'row', 'const'];
const LIMITS = { maxDepth: 5, maxSize: 16 };

function within(e: Expr, o = LIMITS): boolean {
  return nodeCount(e) <= o.maxSize && depth(e) <= o.maxDepth;
}

test('random trees have the requested type and respect the limits (3 × 3000 seeds)', () => {
  for (const type of TYPES) {
    const texts = new Set<string>();
    for (let seed = 0; seed < 3000; seed++) {
      const e = randomExpr(createRng(seed), type, LIMITS);
      assert.equal(inferType(e), type, print(e));
      assert.ok(within(e), `${print(e)}: size ${nodeCount(e)}, depth ${depth(e)}`);
      texts.add(print(e));
    }
    assert.ok(texts.size > (type === 'const' ? 100 : 1500), `${type}: only ${texts.size} distinct trees`);
  }
});

test('minDepth keeps vec and row trees from being bare leaves', () => {
  let leaves = 0;
  for (let seed = 0; seed < 1000; seed++) {
    for (const type of ['vec', 'row'] as const) {
      const a = randomExpr(createRng(seed), type);
      const b = randomExpr(createRng(seed), type, { minDepth: 3 });
      assert.ok(depth(a) >= 2, print(a));
      assert.ok(depth(b) >= 3, print(b));
      if (nodeCount(randomExpr(createRng(seed), type, { minDepth: 1 })) === 1) leaves++;
    }
  }
  assert.ok(leaves > 100, `minDepth 1 gave only ${leaves} leaves`);
});

test('generation is deterministic per seed', () => {
  for (let seed = 0; seed < 200; seed++) {
    const a = randomExpr(createRng(seed), 'vec', { maxDepth: 6, maxSize: 30 });
    const b = randomExpr(createRng(seed), 'vec', { maxDepth: 6, maxSize: 30 });
    assert.ok(exprEquals(a, b));
  }
});

test('generator options restrict variables and ops', () => {
  const rng = createRng(4);
  for (let i = 0; i < 500; i++) {
    const e = randomExpr(rng, 'row', {
      vars: ['z', 't'],
      unaryOps: ['exp', 'neg'],
      binaryOps: ['add', 'mul'],
    });
    assert.equal(inferType(e), 'row');
    const vars = freeVars(e);
    assert.ok(!vars.has('p') && !vars.has('zy') && !vars.has('py') && !vars.has('C'), print(e));
    for (const n of nodesWithPaths(e)) {
      if (n.node.kind === 'unary') assert.ok(['exp', 'neg'].includes(n.node.op));
      if (n.node.kind === 'binary') assert.ok(['add', 'mul'].includes(n.node.op));
    }
  }
});

type Op = (e: Expr, rng: Rng, o?: MutateOptions) => Expr | undefined;
const OPS: Record<string, Op> = {
  point: mutatePoint,
  subtree: mutateSubtree,
  insert: mutateInsert,
  delete: (e, rng) => mutateDelete(e, rng),
  constant: mutateConstant,
};

test('every mutation operator keeps the tree type-correct with its root type, deterministically (5 × 3000)', () => {
  for (const [name, op] of Object.entries(OPS)) {
    let applied = 0;
    for (let seed = 0; seed < 3000; seed++) {
      const type = TYPES[seed % 2]!; // vec (δ-rules) and row (losses)
      const parent = randomExpr(createRng(seed), type, LIMITS);
      const out = op(parent, createRng(seed + 1e6), LIMITS);
      const again = op(parent, createRng(seed + 1e6), LIMITS);
      if (out === undefined) {
        assert.equal(again, undefined);
        continue;
      }
      applied++;
      assert.ok(exprEquals(out, again!), `${name} is not deterministic on ${print(parent)}`);
      assert.equal(inferType(out), type, `${name}: ${print(parent)} → ${print(out)}`);
      if (name !== 'subtree' && name !== 'insert') continue;
      assert.ok(within(out), `${name}: ${print(parent)} → ${print(out)} breaks the limits`);
    }
    assert.ok(
      applied > 1000 || (name === 'constant' && applied > 200),
      `${name} applied only ${applied} times`,
    );
  }
});

test('the operators do what their names say', () => {
  const rng = createRng(8);
  for (let i = 0; i < 1000; i++) {
    const parent = randomExpr(rng, 'vec', LIMITS);
    const pt = mutatePoint(parent, rng, LIMITS);
    if (pt !== undefined) assert.equal(nodeCount(pt), nodeCount(parent), 'point keeps the shape');
    const ins = mutateInsert(parent, rng, LIMITS);
    if (ins !== undefined) assert.ok(nodeCount(ins) > nodeCount(parent), 'insert grows the tree');
    const del = mutateDelete(parent, rng);
    if (del !== undefined) assert.ok(nodeCount(del) < nodeCount(parent), 'delete shrinks the tree');
  }
  // constant perturbation changes exactly one literal, by a factor exp(N(0, σ²))
  const e = parse('0.5 * exp(z) - 2 * t');
  const ratios: number[] = [];
  for (let seed = 0; seed < 400; seed++) {
    const out = mutateConstant(e, createRng(seed), { sigma: 0.1 })!;
    const before = nodesWithPaths(e).filter((n) => n.node.kind === 'num');
    const after = nodesWithPaths(out).filter((n) => n.node.kind === 'num');
    assert.equal(after.length, 2);
    const changed = after.filter((n, i) => !exprEquals(n.node, before[i]!.node));
    assert.ok(changed.length <= 1);
    if (changed.length === 1) {
      const idx = after.indexOf(changed[0]!);
      const r =
        (changed[0]!.node as { value: number }).value / (before[idx]!.node as { value: number }).value;
      ratios.push(Math.log(r));
    }
  }
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const sd = Math.sqrt(ratios.reduce((a, b) => a + (b - mean) ** 2, 0) / ratios.length);
  assert.ok(Math.abs(mean) < 0.03 && sd > 0.07 && sd < 0.13, `log-ratio mean ${mean}, sd ${sd}`);
  assert.equal(mutateConstant(parse('exp(z) - t'), createRng(1)), undefined);
  assert.equal(mutateDelete(parse('sum(z)'), createRng(1)), undefined); // a reduction's child is a vec, not a row
});

test('mutate always returns a different type-correct tree within the limits (2 × 3000 seeds)', () => {
  const counts = new Map<string, number>();
  for (const type of ['vec', 'row'] as const) {
    for (let seed = 0; seed < 3000; seed++) {
      const parent = randomExpr(createRng(seed), type, LIMITS);
      const { expr, kind } = mutate(parent, createRng(-seed - 1), LIMITS);
      const again = mutate(parent, createRng(-seed - 1), LIMITS);
      assert.ok(exprEquals(expr, again.expr) && kind === again.kind, 'deterministic');
      assert.ok(!exprEquals(expr, parent), `${kind} returned its input ${print(parent)}`);
      assert.equal(inferType(expr), type);
      assert.ok(within(expr), `${kind}: ${print(parent)} → ${print(expr)}`);
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  }
  for (const k of MUTATION_KINDS) assert.ok((counts.get(k) ?? 0) > 300, `${k}: ${counts.get(k)}`);
});

test('crossover swaps type-compatible subtrees and is deterministic', () => {
  let mixed = 0;
  for (let seed = 0; seed < 3000; seed++) {
    const type = TYPES[seed % 2]!;
    const a = randomExpr(createRng(seed), type, LIMITS);
    const b = randomExpr(createRng(seed + 5e5), type, LIMITS);
    const child = crossover(a, b, createRng(seed), LIMITS);
    assert.ok(exprEquals(child, crossover(a, b, createRng(seed), LIMITS)));
    assert.equal(inferType(child), type, `${print(a)} × ${print(b)} → ${print(child)}`);
    assert.ok(
      nodeCount(child) <= Math.max(LIMITS.maxSize, nodeCount(a)) &&
        depth(child) <= Math.max(LIMITS.maxDepth, depth(a)),
    );
    // the child contains some subtree of b
    const fromB = nodesWithPaths(b).some((n) => nodesWithPaths(child).some((m) => m.node === n.node));
    if (!exprEquals(child, a)) {
      assert.ok(fromB, `${print(child)} has nothing of ${print(b)}`);
      mixed++;
    }
  }
  assert.ok(mixed > 2500, `only ${mixed} crossovers changed the parent`);
  // a row-typed slot never receives a vec
  const a = parse('sum(z) + zy');
  const b = parse('exp(p) - t');
  for (let seed = 0; seed < 200; seed++) assert.equal(inferType(crossover(a, b, createRng(seed))), 'row');
});

test('mutation chains stay well-typed (an evolution run in miniature)', () => {
  const rng = createRng(123);
  for (const type of ['vec', 'row'] as const) {
    let cur = randomExpr(rng, type, LIMITS);
    const pool: Expr[] = [cur];
    for (let i = 0; i < 2000; i++) {
      cur =
        rng.next() < 0.2
          ? crossover(cur, pool[Math.floor(rng.next() * pool.length)]!, rng, LIMITS)
          : mutate(cur, rng, LIMITS).expr;
      assert.equal(inferType(cur), type);
      assert.ok(within(cur));
      pool.push(cur);
    }
  }
});
