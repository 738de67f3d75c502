import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EPS,
  ExprError,
  KNOWN_EXPRESSIONS,
  broadcastToVec,
  evaluate,
  knownExpr,
  makeEvalContext,
  parse,
  reduce,
  v,
  type EvalInputs,
} from '../../src/expr/index.js';
import { close, randomInputs } from './helpers.js';

// z = [[1, 2, 3], [0, 0, 0]], y = [2, 0]
const SMALL: EvalInputs = { z: [1, 2, 3, 0, 0, 0], y: [2, 0], batch: 2, classes: 3 };
const E = Math.E;
const S = E + E ** 2 + E ** 3;
const P0 = [E / S, E ** 2 / S, E ** 3 / S];

function values(text: string, inputs: EvalInputs = SMALL): number[] {
  return Array.from(evaluate(parse(text), inputs).data);
}
function assertClose(actual: number[], expected: number[], rel = 1e-12): void {
  assert.equal(actual.length, expected.length, `length: ${actual} vs ${expected}`);
  actual.forEach((a, i) => assert.ok(close(a, expected[i]!, rel), `[${i}] ${a} vs ${expected[i]}`));
}

test('inputs: z, t, p, zy, py, C', () => {
  assertClose(values('z'), [1, 2, 3, 0, 0, 0]);
  assertClose(values('t'), [0, 0, 1, 1, 0, 0]);
  assertClose(values('p'), [...P0, 1 / 3, 1 / 3, 1 / 3]);
  assertClose(values('zy'), [3, 0]);
  assertClose(values('py'), [P0[2]!, 1 / 3]);
  assertClose(values('C'), [3]);
  assert.equal(evaluate(parse('zy'), SMALL).type, 'row');
  assert.equal(evaluate(parse('2 * C'), SMALL).type, 'const');
});

test('δ-rules by hand: softmax-CE and Oland exp', () => {
  assertClose(values('p - t'), [P0[0]!, P0[1]!, P0[2]! - 1, 1 / 3 - 1, 1 / 3, 1 / 3]);
  assertClose(values('exp(z) - t'), [E, E ** 2, E ** 3 - 1, 0, 1, 1]);
  assertClose(values('0.001 * cube(z) - t'), [0.001, 0.008, 0.027 - 1, -1, 0, 0]);
});

test('reductions over classes and broadcasting', () => {
  assertClose(values('sum(z)'), [6, 0]);
  assertClose(values('mean(z)'), [2, 0]);
  assertClose(values('max(z)'), [3, 0]);
  assertClose(values('logsumexp(z)'), [Math.log(S), Math.log(3)]);
  assertClose(values('logsumexp(z) - zy'), [Math.log(S) - 3, Math.log(3)]);
  assertClose(values('z - zy'), [-2, -1, 0, 0, 0, 0]); // row broadcast over classes
  assertClose(values('zy * C + 1'), [10, 1]);
  assertClose(values('z * C'), [3, 6, 9, 0, 0, 0]);
  assertClose(values('max(z, 2)'), [2, 2, 3, 2, 2, 2]);
  assertClose(values('min(z, zy)'), [1, 2, 3, 0, 0, 0]);
  assertClose(values('logsumexp(1000 * z)'), [3000, 1000 * 0 + Math.log(3)]); // stable, no overflow
});

test('elementwise ops and their guards', () => {
  const one = { z: [0], y: [0], batch: 1, classes: 1 };
  const c = (text: string): number => values(text, one)[0]!;
  assert.equal(c('log(0)'), Math.log(EPS));
  assert.equal(c('log(-5)'), Math.log(EPS));
  assert.equal(c('log(2)'), Math.log(2));
  assert.equal(c('sqrt(4)'), 2);
  assert.equal(c('sqrt(-4)'), Math.sqrt(EPS));
  assert.equal(c('1 / 0'), 1 / EPS);
  assert.equal(c('1 / -1e-15'), -1 / EPS); // the guard keeps the sign
  assert.equal(c('1 / 1e-15'), 1 / EPS);
  assert.equal(c('6 / -3'), -2);
  assert.equal(c('(-2)^3'), 8); // pow is |a|^b
  assert.equal(c('0^-1'), 1 / EPS);
  assert.equal(c('4^0.5'), 2);
  assert.equal(c('cube(-2)'), -8);
  assert.equal(c('square(-3)'), 9);
  assert.equal(c('abs(-3)'), 3);
  assert.equal(c('relu(-3) + relu(2)'), 2);
  assert.ok(close(c('tanh(0.5)'), (Math.exp(1) - 1) / (Math.exp(1) + 1)));
  assert.ok(close(c('sigmoid(2)'), 1 / (1 + Math.exp(-2))));
  assert.equal(c('sigmoid(-1000)'), 0);
  assert.equal(c('sigmoid(1000)'), 1);
  assert.ok(close(c('softplus(1)'), Math.log(1 + Math.E)));
  assert.equal(c('softplus(1000)'), 1000);
  assert.equal(c('softplus(-1000)'), 0);
  assert.equal(c('exp(1000)'), Infinity); // exp is not guarded: the search's filters reject non-finite values
});

// Independent per-example closed forms of some catalogue losses (heads.md), on plain arrays.
function lossByHand(id: string, z: number[], y: number, C: number): number {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
  const p = z.map((x) => Math.exp(x - lse));
  const t = z.map((_, k) => (k === y ? 1 : 0));
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));
  const others = z.filter((_, k) => k !== y);
  switch (id) {
    case 'softmax-ce':
      return -Math.log(p[y]!);
    case 'linear-mse':
      return 0.5 * z.reduce((s, x, k) => s + (x - t[k]!) ** 2, 0);
    case 'softmax-mse':
      return 0.5 * p.reduce((s, x, k) => s + (x - t[k]!) ** 2, 0);
    case 'sigmoid-bce':
      return -z.reduce((s, x, k) => s + t[k]! * Math.log(sig(x)) + (1 - t[k]!) * Math.log(1 - sig(x)), 0);
    case 'hinge':
      return others.reduce((s, x) => s + Math.max(0, 1 + x - z[y]!), 0);
    case 'squared-hinge':
      return others.reduce((s, x) => s + Math.max(0, 1 + x - z[y]!) ** 2, 0);
    case 'label-smoothing':
      return -p.reduce((s, x, k) => s + (0.9 * t[k]! + 0.1 / C) * Math.log(x), 0);
    case 'focal':
      return -((1 - p[y]!) ** 2) * Math.log(p[y]!);
    case 'poly1':
      return -Math.log(p[y]!) + (1 - p[y]!);
    case 'squentropy':
      return -Math.log(p[y]!) + others.reduce((s, x) => s + x * x, 0) / (C - 1);
    case 'rescaled-square':
      return (z[y]! - 1) ** 2 + others.reduce((s, x) => s + x * x, 0);
    case 'logit-penalty':
      return -Math.log(p[y]!) + 6e-4 * z.reduce((s, x) => s + x * x, 0);
    case 'taylor-softmax': {
      const f = z.map((x) => 1 + x + (x * x) / 2);
      return -Math.log(f[y]! / f.reduce((s, x) => s + x, 0));
    }
    case 'baikal':
      return -p.reduce((s, x, k) => s + Math.log(x) - t[k]! / x, 0) / C;
    case 'oland-exp':
      return z.reduce((s, x, k) => s + Math.exp(x) - t[k]! * x, 0);
    case 'oland-pow3':
      return z.reduce((s, x, k) => s + (0.001 * x ** 4) / 4 - t[k]! * x, 0);
    case 'oland-pow3-err':
      return z.reduce((s, x, k) => s + (x - t[k]!) ** 4 / 4, 0);
    case 'oland-exp-err':
      return z.reduce((s, x, k) => s + Math.exp(Math.abs(x - t[k]!)) - Math.abs(x - t[k]!) - 1, 0);
    default:
      throw new Error(`no hand formula for ${id}`);
  }
}

test('known losses match their closed forms', () => {
  const inputs = randomInputs(11, 6, 5);
  const z = Array.from(inputs.z);
  const losses = KNOWN_EXPRESSIONS.filter((k) => k.space === 'loss');
  assert.ok(losses.length >= 15);
  for (const k of losses) {
    const got = evaluate(knownExpr(k), inputs);
    assert.equal(got.type, 'row', k.id);
    for (let b = 0; b < inputs.batch; b++) {
      const want = lossByHand(k.id, z.slice(b * 5, b * 5 + 5), inputs.y[b]!, 5);
      assert.ok(close(got.data[b]!, want, 1e-10), `${k.id}[${b}]: ${got.data[b]} vs ${want}`);
    }
  }
});

test('known δ-rules are the gradients of the known losses with the same id (finite differences)', () => {
  const inputs = randomInputs(5, 4, 6);
  const { batch: B, classes: C } = inputs;
  const deltas = KNOWN_EXPRESSIONS.filter((k) => k.space === 'delta');
  let checked = 0;
  for (const d of deltas) {
    const loss = KNOWN_EXPRESSIONS.find((k) => k.space === 'loss' && k.id === d.id);
    if (loss === undefined) continue;
    checked++;
    const lossE = knownExpr(loss);
    const delta = evaluate(knownExpr(d), inputs).data;
    const h = 1e-5;
    for (let i = 0; i < B * C; i++) {
      const b = Math.floor(i / C);
      const at = (dz: number): number => {
        const z = Array.from(inputs.z);
        z[i]! += dz;
        return evaluate(lossE, { ...inputs, z }).data[b]!;
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      assert.ok(
        Math.abs(fd - delta[i]!) < 1e-6 * (1 + Math.abs(fd)),
        `${d.id}[${i}]: δ ${delta[i]} vs fd ${fd}`,
      );
    }
  }
  assert.ok(checked >= 9, `only ${checked} loss/δ pairs`);
});

test('a reduction of a non-vec is rejected at evaluation too', () => {
  assert.throws(() => evaluate(reduce('sum', v('zy')), SMALL), ExprError);
});

test('input validation', () => {
  assert.throws(() => makeEvalContext({ z: [1, 2, 3], y: [0], batch: 1, classes: 2 }), /z has 3 values/);
  assert.throws(() => makeEvalContext({ z: [1, 2], y: [0, 1], batch: 1, classes: 2 }), /y has 2 labels/);
  assert.throws(() => makeEvalContext({ z: [1, 2], y: [2], batch: 1, classes: 2 }), /label 2/);
  assert.throws(() => makeEvalContext({ z: [], y: [], batch: 0, classes: 2 }), /positive integers/);
});

test('a context can be reused and broadcastToVec expands rows and constants', () => {
  const ctx = makeEvalContext(SMALL);
  assertClose(Array.from(evaluate(parse('zy'), ctx).data), [3, 0]);
  assertClose(Array.from(broadcastToVec(evaluate(parse('zy'), ctx), 2, 3)), [3, 3, 3, 0, 0, 0]);
  assertClose(Array.from(broadcastToVec(evaluate(parse('C'), ctx), 2, 3)), [3, 3, 3, 3, 3, 3]);
});
