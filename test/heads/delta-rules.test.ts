// δ-rules: the body must receive exactly δ/B, and δ must be the stated formula. Also the CE and MSE baselines' δ,
// and the three builders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cat, scope, setNumThreads } from '../../src/engine/index.js';
import {
  activationHead,
  deltaRuleHead,
  getHead,
  lossHead,
  OLAND_EXP_ERR_MAX,
  OLAND_EXP_Z_MAX,
  type Head,
} from '../../src/heads/index.js';
import { assertClose, f64, finiteDiff, i64, makeCase, rows, softmaxJs, type HeadCase } from './helpers.js';

setNumThreads(1);

function autogradZ(head: Head, cs: HeadCase): { grad: number[]; value: number } {
  return scope(() => {
    const z = f64(cs.z, [cs.b, cs.c], true);
    const obj = head.objective({ z, y: i64(cs.y), step: 0, numClasses: cs.c });
    obj.backward();
    const g = z.grad;
    assert.ok(g);
    return { grad: [...g.toFloat64Array()], value: obj.item() };
  });
}

function statedDelta(head: Head, cs: HeadCase): number[] {
  const d = head.delta;
  assert.ok(d, `${head.id} has no delta()`);
  return scope(() => [
    ...d({ z: f64(cs.z, [cs.b, cs.c]), y: i64(cs.y), step: 0, numClasses: cs.c }).toFloat64Array(),
  ]);
}

/** δ written from the catalogue, per element. */
const JS_DELTA: Record<string, (z: number, t: number, p: Record<string, number>) => number> = {
  'oland-exp': (z, t, p) => p.alpha * Math.exp(Math.min(z, 30)) + p.beta - t,
  'oland-pow3': (z, t, p) => p.alpha * z ** 3 + p.beta - t,
  'oland-pow3-err': (z, t, p) => p.alpha * (z - t) ** 3,
  'oland-exp-err': (z, t, p) => p.alpha * Math.sign(z - t) * (Math.exp(Math.min(Math.abs(z - t), 30)) - 1),
};
/** The catalogue's equivalent potentials, whose gradient δ is claimed to be. */
const JS_POTENTIAL: Record<string, (z: number, t: number, p: Record<string, number>) => number> = {
  'oland-exp': (z, t, p) => p.alpha * Math.exp(z) + (p.beta - t) * z,
  'oland-pow3': (z, t, p) => (p.alpha * z ** 4) / 4 + (p.beta - t) * z,
  'oland-pow3-err': (z, t, p) => (p.alpha * (z - t) ** 4) / 4,
  'oland-exp-err': (z, t, p) => p.alpha * (Math.exp(Math.abs(z - t)) - Math.abs(z - t) - 1),
};

/** Parameter overrides per δ-rule; the error readings have no β. */
const OVERRIDES: Record<string, Record<string, number>[]> = {
  'oland-exp': [{}, { alpha: 0.1, beta: 0.05 }, { alpha: 2.5, beta: -0.2 }],
  'oland-pow3': [{}, { alpha: 0.1, beta: 0.05 }, { alpha: 2.5, beta: -0.2 }],
  'oland-pow3-err': [{}, { alpha: 0.1 }, { alpha: 2.5 }],
  'oland-exp-err': [{}, { alpha: 0.1 }, { alpha: 2.5 }],
};

for (const [id, overs] of Object.entries(OVERRIDES)) {
  for (const over of overs) {
    test(`${id} ${JSON.stringify(over)}: δ is the stated formula, autograd gives δ/B, value is ½‖δ‖²/B`, () => {
      const head = getHead(id, over);
      assert.equal(head.kind, 'delta-rule');
      const p = head.params;
      const cs = makeCase('linear', 5, 4, 11);
      const t = (i: number): number => (i % cs.c === cs.y[Math.floor(i / cs.c)] ? 1 : 0);
      const want = cs.z.map((z, i) => JS_DELTA[id](z, t(i), p));
      const delta = statedDelta(head, cs);
      assertClose(delta, want, { abs: 1e-12, rel: 1e-12 }, `${id} δ`);
      const { grad, value } = autogradZ(head, cs);
      assertClose(
        grad,
        want.map((d) => d / cs.b),
        { abs: 1e-12, rel: 1e-12 },
        `${id} ∂objective/∂z`,
      );
      const energy = want.reduce((a, d) => a + 0.5 * d * d, 0) / cs.b;
      assertClose([value], [energy], { abs: 1e-12, rel: 1e-12 }, `${id} objective value`);
      // The catalogue's claim: δ is the gradient of Σ_k potential(z_k); finite differences of that potential.
      const potential = (zs: number[]): number => zs.reduce((a, z, i) => a + JS_POTENTIAL[id](z, t(i), p), 0);
      assertClose(finiteDiff(potential, cs.z), want, { abs: 1e-6, rel: 1e-6 }, `${id} FD of its potential`);
    });
  }
}

test(`oland-exp clamps z at ${OLAND_EXP_Z_MAX} before exp: δ stays finite for huge z`, () => {
  const head = getHead('oland-exp');
  const cs: HeadCase = { z: [40, 1000, -3], y: [0], b: 1, c: 3 };
  const delta = statedDelta(head, cs);
  assertClose(delta, [Math.exp(30) - 1, Math.exp(30), Math.exp(-3)], { rel: 1e-12 }, 'clamped δ');
  const { grad } = autogradZ(head, cs);
  assert.ok(grad.every(Number.isFinite));
});

test('oland-pow3-err and oland-exp-err by hand: z = [2, 0.5, −1], y = 1 (e = [2, −0.5, −1])', () => {
  const cs: HeadCase = { z: [2, 0.5, -1], y: [1], b: 1, c: 3 };
  assertClose(statedDelta(getHead('oland-pow3-err'), cs), [8, -0.125, -1], { abs: 1e-12 }, 'cubed error');
  assertClose(
    statedDelta(getHead('oland-exp-err'), cs),
    [Math.E ** 2 - 1, -(Math.E ** 0.5 - 1), -(Math.E - 1)],
    { abs: 1e-12 },
    'exponentiated error',
  );
  // Both vanish exactly at z = t (the fixed point of a regression onto the one-hot target).
  const atTarget: HeadCase = { z: [0, 1, 0], y: [1], b: 1, c: 3 };
  for (const id of ['oland-pow3-err', 'oland-exp-err'])
    assertClose(statedDelta(getHead(id), atTarget), [0, 0, 0], { abs: 0 }, `${id} at z = t`);
});

test(`oland-exp-err clamps |z − t| at ${OLAND_EXP_ERR_MAX} before exp: δ stays finite and keeps its sign`, () => {
  const cs: HeadCase = { z: [-1000, 1000, 0.5], y: [0], b: 1, c: 3 };
  const delta = statedDelta(getHead('oland-exp-err'), cs);
  assertClose(delta, [-(Math.exp(30) - 1), Math.exp(30) - 1, Math.exp(0.5) - 1], { rel: 1e-12 }, 'clamped δ');
  assert.ok(autogradZ(getHead('oland-exp-err'), cs).grad.every(Number.isFinite));
});

test('softmax-ce: ∂objective/∂z = (p − t)/B', () => {
  const cs = makeCase('linear', 6, 5, 12);
  const want: number[] = [];
  rows(cs.z, cs.c).forEach((z, i) =>
    softmaxJs(z).forEach((p, k) => want.push((p - (k === cs.y[i] ? 1 : 0)) / cs.b)),
  );
  assertClose(autogradZ(getHead('softmax-ce'), cs).grad, want, { abs: 1e-12 }, 'CE δ');
});

test('linear-mse: ∂objective/∂z = (z − t)/B', () => {
  const cs = makeCase('linear', 6, 5, 13);
  const want = cs.z.map((z, i) => (z - (i % cs.c === cs.y[Math.floor(i / cs.c)] ? 1 : 0)) / cs.b);
  assertClose(autogradZ(getHead('linear-mse'), cs).grad, want, { abs: 1e-12 }, 'MSE δ');
});

test('deltaRuleHead: any δ — even one that is no gradient — reaches z as δ/B', () => {
  // δ_k = z_{(k+1) mod C}² − t_k: its Jacobian is not symmetric, so no loss has it as its gradient.
  const factory = deltaRuleHead('rotated', ({ z, t }) => {
    const c = z.shape[1] ?? 1;
    return cat([z.narrow(1, 1, c - 1), z.narrow(1, 0, 1)], 1)
      .square()
      .sub(t);
  });
  const head = factory.create();
  assert.equal(head.kind, 'delta-rule');
  assert.equal(head.outputLayer, 'linear');
  const cs = makeCase('linear', 3, 4, 14);
  const want: number[] = [];
  rows(cs.z, cs.c).forEach((z, i) =>
    z.forEach((_, k) => want.push(z[(k + 1) % cs.c] ** 2 - (k === cs.y[i] ? 1 : 0))),
  );
  assertClose(statedDelta(head, cs), want, { abs: 1e-12 }, 'custom δ');
  assertClose(
    autogradZ(head, cs).grad,
    want.map((d) => d / cs.b),
    { abs: 1e-12 },
    'custom δ/B',
  );
});

test('lossHead averages the per-example loss over the batch', () => {
  const head = lossHead('l1', ({ z, t }) => z.sub(t).abs().sum(1), {
    title: 'L1',
    defaults: { unused: 1 },
  }).create({
    unused: 2,
  });
  assert.equal(head.params.unused, 2);
  const cs = makeCase('linear', 4, 3, 15);
  const want =
    cs.z.reduce((a, z, i) => a + Math.abs(z - (i % cs.c === cs.y[Math.floor(i / cs.c)] ? 1 : 0)), 0) / cs.b;
  assertClose([autogradZ(head, cs).value], [want], { abs: 1e-12 }, 'lossHead value');
});

test('activationHead: mse and ce-like bases, by value and finite differences', () => {
  const cs = makeCase('linear', 4, 3, 16);
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const mse = activationHead('sigmoid-mse', (z) => z.sigmoid(), 'mse').create();
  const ceLike = activationHead('sigmoid-ce', (z) => z.sigmoid(), 'ce-like').create();
  assert.equal(mse.kind, 'activation');
  const jsMse = (zs: number[]): number =>
    zs.reduce((a, z, i) => a + 0.5 * (sig(z) - (i % cs.c === cs.y[Math.floor(i / cs.c)] ? 1 : 0)) ** 2, 0) /
    cs.b;
  const jsCe = (zs: number[]): number =>
    rows(zs, cs.c).reduce((a, z, i) => {
      const s = z.map(sig);
      return a - Math.log(s[cs.y[i]] / s.reduce((u, v) => u + v, 0));
    }, 0) / cs.b;
  for (const [head, js] of [
    [mse, jsMse],
    [ceLike, jsCe],
  ] as const) {
    const { grad, value } = autogradZ(head, cs);
    assertClose([value], [js(cs.z)], { abs: 1e-12 }, `${head.id} value`);
    assertClose(grad, finiteDiff(js, cs.z), { abs: 1e-7, rel: 1e-6 }, `${head.id} grad`);
  }
});
