// Every head's objective equals its catalogue formula, computed independently in plain JS, with default and other
// parameters; plus hand-computed values for a few heads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveTensorCount, scope, setNumThreads } from '../../src/engine/index.js';
import { getHead, listHeads, sphereFaceLambda, sphereFacePsi } from '../../src/heads/index.js';
import { REFERENCE, psiJs, sphereLambdaJs } from './reference.js';
import { assertClose, f64, i64, makeCase, rows, value, type HeadCase } from './helpers.js';

setNumThreads(1);

const ALT_PARAMS: Record<string, Record<string, number>> = {
  'sigmoid-bce': { shiftLogC: 1 },
  hinge: { margin: 0.5 },
  'squared-hinge': { margin: 2 },
  'crammer-singer': { margin: 0.3 },
  'label-smoothing': { epsilon: 0.3 },
  focal: { gamma: 0.5 },
  poly1: { epsilon: 2.5 },
  'rescaled-square': { k: 3, M: 2 },
  'logit-penalty': { lambda: 0.1 },
  'logit-norm': { tau: 0.5 },
  'bi-tempered': { t1: 0.5, t2: 1.5, iters: 60 },
  'cosine-softmax': { tau: 0.1 },
  'am-softmax': { s: 10, m: 0.2 },
  arcface: { s: 10, m: 0.3 },
  'a-softmax': { m: 2 },
};

function objectiveValue(id: string, params: Record<string, number>, cs: HeadCase, step = 0): number {
  const head = getHead(id, params);
  return value(() =>
    head.objective({
      z: f64(cs.z, [cs.b, cs.c]),
      y: i64(cs.y),
      featureNorm: cs.featureNorm ? f64(cs.featureNorm, [cs.b]) : undefined,
      step,
      numClasses: cs.c,
    }),
  );
}

function referenceMean(id: string, params: Record<string, number>, cs: HeadCase, step = 0): number {
  const ref = REFERENCE[id];
  assert.ok(ref, `no reference for ${id}`);
  const zs = rows(cs.z, cs.c);
  let total = 0;
  zs.forEach((z, i) => {
    total += ref({ z, y: cs.y[i], params, featureNorm: cs.featureNorm?.[i], step });
  });
  return total / cs.b;
}

test('every loss/activation head has a plain-JS reference', () => {
  for (const h of listHeads())
    if (h.kind !== 'delta-rule') assert.ok(REFERENCE[h.id], `missing reference: ${h.id}`);
});

for (const h of listHeads()) {
  if (h.kind === 'delta-rule') continue;
  test(`${h.id}: objective = batch mean of the catalogue formula`, () => {
    const paramSets = [{ ...h.defaults }];
    if (ALT_PARAMS[h.id]) paramSets.push({ ...h.defaults, ...ALT_PARAMS[h.id] });
    if (h.id === 'bi-tempered') paramSets[0] = { ...h.defaults, iters: 60 };
    for (const [i, params] of paramSets.entries()) {
      const cs = makeCase(h.outputLayer, 6, 5, 100 + i);
      const steps = h.id === 'a-softmax' ? [0, 10, 100_000] : [0];
      for (const step of steps) {
        const got = objectiveValue(h.id, params, cs, step);
        const want = referenceMean(h.id, params, cs, step);
        assertClose(
          [got],
          [want],
          { abs: 1e-9, rel: 1e-9 },
          `${h.id} ${JSON.stringify(params)} step ${step}`,
        );
      }
    }
  });
}

test('bi-tempered with the catalogue’s 5 fixed-point iterations is close to the exact normaliser', () => {
  const cs = makeCase('linear', 6, 5, 7);
  const params = getHead('bi-tempered').params;
  const got = objectiveValue('bi-tempered', params, cs);
  const want = referenceMean('bi-tempered', params, cs);
  assertClose([got], [want], { abs: 1e-3, rel: 1e-3 }, 'bi-tempered, 5 iterations');
});

test('hand-computed values on z = [1, 2, 0.5], y = 0', () => {
  const cs: HeadCase = { z: [1, 2, 0.5], y: [0], b: 1, c: 3 };
  // Σ_{j≠0} max(0, 1 + z_j − z_0) = max(0, 2) + max(0, 0.5)
  assertClose([objectiveValue('hinge', {}, cs)], [2.5], { abs: 1e-12 }, 'hinge');
  assertClose([objectiveValue('squared-hinge', {}, cs)], [4 + 0.25], { abs: 1e-12 }, 'squared-hinge');
  // max(0, 1 + max(2, 0.5) − 1)
  assertClose([objectiveValue('crammer-singer', {}, cs)], [2], { abs: 1e-12 }, 'crammer-singer');
  // k(z_y − M)² + Σ_{j≠y} z_j² with k = 2, M = 3: 2·4 + 4 + 0.25
  assertClose(
    [objectiveValue('rescaled-square', { k: 2, M: 3 }, cs)],
    [12.25],
    { abs: 1e-12 },
    'rescaled-square',
  );
  // ½ Σ (z − t)² = ½(0 + 4 + 0.25)
  assertClose([objectiveValue('linear-mse', {}, cs)], [2.125], { abs: 1e-12 }, 'linear-mse');
});

test('sparsemax by hand: z = [1, 0.5, −1] → τ = 0.25, p = [0.75, 0.25, 0], loss(y = 0) = 1/16', () => {
  const cs: HeadCase = { z: [1, 0.5, -1], y: [0], b: 1, c: 3 };
  assertClose([objectiveValue('sparsemax', {}, cs)], [0.0625], { abs: 1e-12 }, 'sparsemax loss');
  const p = value(() =>
    getHead('sparsemax')
      .scores(f64(cs.z, [1, 3]))
      .sum(),
  ); // sanity: finite
  assert.ok(Number.isFinite(p));
  const probs = getHead('sparsemax').scores(f64(cs.z, [1, 3]));
  assertClose([...probs.toFloat64Array()], [0.75, 0.25, 0], { abs: 1e-12 }, 'sparsemax probs');
  probs.dispose();
});

test('focal with γ = 0 and poly1 with ε = 0 are cross-entropy', () => {
  const cs = makeCase('linear', 5, 4, 3);
  const ce = objectiveValue('softmax-ce', {}, cs);
  assertClose([objectiveValue('focal', { gamma: 0 }, cs)], [ce], { abs: 1e-12 }, 'focal γ=0');
  assertClose([objectiveValue('poly1', { epsilon: 0 }, cs)], [ce], { abs: 1e-12 }, 'poly1 ε=0');
  assertClose(
    [objectiveValue('label-smoothing', { epsilon: 0 }, cs)],
    [ce],
    { abs: 1e-12 },
    'label smoothing ε=0',
  );
  assertClose(
    [objectiveValue('bi-tempered', { t1: 1, t2: 1 }, cs)],
    [ce],
    { abs: 1e-12 },
    'bi-tempered t1=t2=1',
  );
  assertClose(
    [objectiveValue('a-softmax', { m: 1 }, { ...makeCase('normalized-weights', 5, 4, 3) })],
    [objectiveValue('softmax-ce', {}, makeCase('normalized-weights', 5, 4, 3))],
    { abs: 1e-12 },
    'a-softmax m=1',
  );
});

test('A-Softmax λ schedule: max(5, 1000/(1 + 0.12·iter))', () => {
  const p = getHead('a-softmax').params;
  for (const step of [0, 1, 10, 100, 1000, 1657, 1658, 100_000])
    assertClose([sphereFaceLambda(step, p)], [sphereLambdaJs(step)], { abs: 1e-9 }, `λ(${step})`);
  assert.equal(sphereFaceLambda(0, p), 1000);
  assertClose([sphereFaceLambda(1, p)], [1000 / 1.12], { abs: 1e-9 }, 'λ(1)');
  assert.equal(sphereFaceLambda(100_000, p), 5);
});

test('A-Softmax ψ(θ) matches the piecewise definition for m = 2, 3, 4 and is continuous and decreasing in θ', () => {
  const thetas = Array.from({ length: 181 }, (_, i) => (i * Math.PI) / 180);
  const cos = thetas.map(Math.cos);
  for (const m of [2, 3, 4]) {
    const got = sphereFacePsi(f64(cos, [cos.length]), m);
    const arr = [...got.toFloat64Array()];
    got.dispose();
    assertClose(
      arr,
      cos.map((c) => psiJs(Math.max(-1, Math.min(1, c)), m)),
      { abs: 1e-9 },
      `ψ m=${m}`,
    );
    for (let i = 1; i < arr.length; i++)
      assert.ok(arr[i] < arr[i - 1] + 1e-12, `ψ not decreasing at θ=${i}° (m=${m})`);
  }
  // θ = π/3, m = 4: k = 1, ψ = −cos(4π/3) − 2 = −1.5
  const one = sphereFacePsi(f64([0.5], [1]), 4);
  assertClose([one.item()], [-1.5], { abs: 1e-12 }, 'ψ(π/3)');
  one.dispose();
});

test('objective, delta and scores leave no live tensors behind once their scope ends', () => {
  for (const h of listHeads()) {
    const head = h.create();
    const cs = makeCase(h.outputLayer, 4, 5, 400);
    const before = liveTensorCount();
    scope(() => {
      const inp = {
        z: f64(cs.z, [cs.b, cs.c], true),
        y: i64(cs.y),
        featureNorm: cs.featureNorm ? f64(cs.featureNorm, [cs.b]) : undefined,
        step: 3,
        numClasses: cs.c,
      };
      head.objective(inp).backward();
      head.delta?.(inp);
      head.scores(inp.z);
    });
    assert.equal(liveTensorCount(), before, `${h.id} leaked tensors`);
  }
});

test('arcface: past θ + m = π the target logit is cos θ − m·sin m (official fallback), not cos(θ + m)', () => {
  const cs: HeadCase = { z: [-0.95, 0.3, 0.1], y: [0], b: 1, c: 3 };
  const params = { s: 2, m: 0.5 };
  const fallback = -0.95 - Math.sin(Math.PI - 0.5) * 0.5;
  const logits = [fallback, 0.3, 0.1].map((v) => 2 * v);
  const want = -Math.log(Math.exp(logits[0]) / logits.reduce((a, v) => a + Math.exp(v), 0));
  assertClose([objectiveValue('arcface', params, cs)], [want], { abs: 1e-12 }, 'arcface fallback');
  assertClose([referenceMean('arcface', params, cs)], [want], { abs: 1e-12 }, 'reference agrees');
});
