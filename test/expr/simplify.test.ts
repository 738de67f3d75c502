import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binary,
  broadcastToVec,
  createRng,
  evaluate,
  exprEquals,
  inferType,
  makeEvalContext,
  nodesWithPaths,
  parse,
  print,
  randInt,
  randomExpr,
  simplify,
  unary,
  ExprError,
  type EvalContext,
  type Expr,
  type ExprType,
} from '../../src/expr/index.js';
import { close, randomInputs } from './helpers.js';

const s = (text: string): string => print(simplify(parse(text)));

test('canonical forms of the known heads and simple identities', () => {
  const cases: [string, string][] = [
    ['-t + exp(z)', 'exp(z) - t'],
    ['exp(z) - t', 'exp(z) - t'],
    ['z * 2', '2 * z'],
    ['z + z', '2 * z'],
    ['2 * z * 3', '6 * z'],
    ['z / 2', '0.5 * z'],
    ['z / 3', 'z / 3'], // no inexact reciprocal
    ['z + 0', 'z'],
    ['0 + z', 'z'],
    ['z * 1', 'z'],
    ['1 * z / 1', 'z'],
    ['--z', 'z'],
    ['-(-(z))', 'z'],
    ['p - t + z - z', 'p - t'],
    ['p - (t - z)', 'p + z - t'],
    ['-(t - p)', 'p - t'],
    ['2 * (z + t) - 2 * t', '2 * z'],
    ['t * z', 't * z'],
    ['z * t', 't * z'],
    ['-z * t', '-(t * z)'],
    ['cube(z) * 0.001 - t', '0.001 * cube(z) - t'],
    ['-zy + logsumexp(z)', 'logsumexp(z) - zy'],
    ['2 + 3', '5'],
    ['2^3 * z', '8 * z'],
    ['log(0)', String(Math.log(1e-12))],
    ['max(z, z)', 'z'],
    ['max(t, max(z, t))', 'max(t, z)'],
    ['min(2, min(z, 1))', 'min(1, z)'],
    ['abs(-z)', 'abs(z)'],
    ['abs(exp(z))', 'exp(z)'],
    ['relu(square(z))', 'square(z)'],
    ['square(-z)', 'square(z)'],
    ['cube(-z) + cube(z)', '0 * cube(z)'], // cube can overflow: 0·cube(z) is kept (NaN where cube(z) = ±Inf)
    ['tanh(-z) + tanh(z)', '0 * t'], // the canonical zero vec
  ];
  for (const [input, want] of cases) assert.equal(s(input), want, input);
});

test('x - x and x * 0 vanish only when x is finite-safe and the type is kept', () => {
  assert.equal(s('sum(z) - sum(z) + zy'), 'zy');
  assert.equal(s('zy * 0 + py'), 'py');
  assert.equal(s('exp(zy) * 0 + py'), '0 * exp(zy) + py'); // exp can overflow to Inf, and 0·Inf is NaN
  assert.equal(s('exp(zy) - exp(zy) + py'), '0 * exp(zy) + py');
  assert.equal(s('z - z'), '0 * t'); // a vec: folding to the constant 0 would change the type
  assert.equal(s('z * 0'), '0 * t');
  assert.equal(s('z - z + zy'), '0 * t + zy');
  assert.equal(s('p - p + zy - z + z'), '0 * t + zy');
  assert.equal(s('sum(z) - sum(z)'), '0 * py');
  assert.equal(inferType(simplify(parse('sum(z - z)'))), 'row');
});

test('coefficients that would overflow leave the sum as it is', () => {
  for (const text of ['1e308 * z + 1e308 * z', '1e200 * (1e200 * z)']) {
    assert.equal(s(text), print(parse(text)));
  }
});

test('identities that the guards make false are left alone', () => {
  for (const text of ['exp(log(z))', 'log(exp(z))', 'sqrt(square(z))', 'z / z', 'z^1', 'z^0', 'z^2']) {
    assert.equal(s(text), print(parse(text)), text);
  }
});

test('simplify keeps NaN where the input is NaN for 0·Inf', () => {
  const inputs = { z: [1000, 0], y: [0], batch: 1, classes: 2 };
  const e = parse('exp(z) * 0 + t');
  const a = evaluate(e, inputs).data;
  const b = evaluate(simplify(e), inputs).data;
  assert.ok(Number.isNaN(a[0]!) && Number.isNaN(b[0]!));
  assert.equal(b[1], a[1]);
});

/** Per-element largest magnitude over all subexpressions: the scale of rounding errors reassociation can move. */
function scale(e: Expr, ctx: EvalContext): Float64Array {
  const out = new Float64Array(ctx.batch * ctx.classes);
  for (const n of nodesWithPaths(e)) {
    const val = broadcastToVec(evaluate(n.node, ctx), ctx.batch, ctx.classes);
    for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i]!, Math.abs(val[i]!));
  }
  return out;
}

const TYPES: ExprType[] = ['vec', 'row', 'const'];

test('simplify preserves the type and the value on random inputs (3000 random trees)', () => {
  const rng = createRng(2024);
  const ctxs = [makeEvalContext(randomInputs(1, 4, 5)), makeEvalContext(randomInputs(2, 3, 7, 3))];
  let finiteCompared = 0;
  for (let i = 0; i < 3000; i++) {
    const type = TYPES[i % 3]!;
    const e = randomExpr(rng, type, { maxDepth: 6, maxSize: 24 });
    const si = simplify(e);
    assert.equal(inferType(si), type, `${print(e)} → ${print(si)}`);
    for (const ctx of ctxs) {
      const a = broadcastToVec(evaluate(e, ctx), ctx.batch, ctx.classes);
      const b = broadcastToVec(evaluate(si, ctx), ctx.batch, ctx.classes);
      const sc = scale(e, ctx);
      for (let k = 0; k < a.length; k++) {
        if (!Number.isFinite(a[k]!) || !Number.isFinite(sc[k]!)) continue;
        finiteCompared++;
        const tol = 1e-9 * (1 + sc[k]!);
        assert.ok(Math.abs(a[k]! - b[k]!) <= tol, `${print(e)} → ${print(si)}: [${k}] ${a[k]} vs ${b[k]}`);
      }
    }
  }
  assert.ok(finiteCompared > 50000, `only ${finiteCompared} finite values compared`);
});

test('simplify is idempotent', () => {
  const rng = createRng(99);
  for (let i = 0; i < 3000; i++) {
    const e = randomExpr(rng, TYPES[i % 3]!, { maxDepth: 6, maxSize: 24 });
    const once = simplify(e);
    const twice = simplify(once);
    assert.ok(exprEquals(once, twice), `${print(e)}: ${print(once)} then ${print(twice)}`);
  }
});

test('sums of the same terms in any order, grouping and sign placement print the same', () => {
  const rng = createRng(5);
  for (let i = 0; i < 500; i++) {
    const n = 2 + randInt(rng, 4);
    const terms = Array.from({ length: n }, () => ({
      e: randomExpr(rng, 'vec', { maxDepth: 3, maxSize: 5 }),
      neg: rng.next() < 0.4,
    }));
    const build = (order: typeof terms, style: number): Expr => {
      let acc: Expr | undefined;
      for (const t of order) {
        const term = t.neg && style === 1 ? unary('neg', t.e) : t.e;
        if (acc === undefined) acc = t.neg && style !== 1 ? unary('neg', t.e) : term;
        else if (style === 1) acc = binary('add', acc, term);
        else acc = t.neg ? binary('sub', acc, t.e) : binary('add', term, acc);
      }
      return acc!;
    };
    const shuffled = [...terms].sort(() => rng.next() - 0.5);
    const a = print(simplify(build(terms, 0)));
    const b = print(simplify(build(shuffled, 1)));
    assert.equal(a, b, terms.map((t) => (t.neg ? '-' : '+') + print(t.e)).join(' '));
  }
});

test('simplify rejects ill-typed input', () => {
  const bad: Expr = { kind: 'reduce', op: 'sum', arg: { kind: 'var', name: 'zy' } };
  assert.throws(() => simplify(bad), ExprError);
});

test('close() helper sanity (the tolerance used above can fail)', () => {
  assert.equal(close(1, 1 + 1e-6), false);
  assert.equal(close(1, 1 + 1e-13), true);
});
