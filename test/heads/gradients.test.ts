// Finite-difference checks: autograd's ∂objective/∂z (and, through the normalised output layers, ∂/∂x and ∂/∂W)
// against central differences in float64. δ-rules are checked in delta-rules.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad, scope, setNumThreads, tensor, type Tensor } from '../../src/engine/index.js';
import { createOutputLayer, getHead, listHeads, type Head } from '../../src/heads/index.js';
import {
  assertClose,
  f64,
  finiteDiff,
  i64,
  makeCase,
  normals,
  rng,
  labels,
  type HeadCase,
} from './helpers.js';

setNumThreads(1);

const TOL = { abs: 1e-6, rel: 1e-5 };

const ALT_PARAMS: Record<string, Record<string, number>> = {
  'sigmoid-bce': { shiftLogC: 1 },
  hinge: { margin: 0.5 },
  focal: { gamma: 0.5 },
  'bi-tempered': { t1: 0.5, t2: 1.5 },
  arcface: { s: 10, m: 0.3 },
  'a-softmax': { m: 3 },
  'rescaled-square': { k: 3, M: 2 },
};

function gradZ(head: Head, cs: HeadCase, step: number): { auto: number[]; fd: number[] } {
  const run = (z: Tensor): Tensor =>
    head.objective({
      z,
      y: i64(cs.y),
      featureNorm: cs.featureNorm ? f64(cs.featureNorm, [cs.b]) : undefined,
      step,
      numClasses: cs.c,
    });
  const auto = scope(() => {
    const z = f64(cs.z, [cs.b, cs.c], true);
    run(z).backward();
    const g = z.grad;
    assert.ok(g, 'no gradient reached z');
    return [...g.toFloat64Array()];
  });
  const fd = finiteDiff((z) => scope(() => noGrad(() => run(f64(z, [cs.b, cs.c])).item())), cs.z);
  return { auto, fd };
}

for (const h of listHeads()) {
  if (h.kind === 'delta-rule') continue;
  test(`${h.id}: ∂objective/∂z matches finite differences`, () => {
    // The bi-tempered normaliser gets the exact implicit gradient, so compare against a converged normaliser.
    const base = h.id === 'bi-tempered' ? { iters: 60 } : {};
    const sets = [base, { ...base, ...(ALT_PARAMS[h.id] ?? {}) }];
    for (const [i, params] of sets.entries()) {
      const head = getHead(h.id, params);
      const cs = makeCase(h.outputLayer, 4, 5, 200 + i);
      for (const step of h.id === 'a-softmax' ? [0, 50, 100_000] : [0]) {
        const { auto, fd } = gradZ(head, cs, step);
        assertClose(auto, fd, TOL, `${h.id} ${JSON.stringify(params)} step ${step}`);
      }
    }
  });
}

test('a-softmax: gradient through every ψ branch (pure ψ, λ = 0)', () => {
  const head = getHead('a-softmax', { base: 0, lambdaMin: 0 });
  // target cosines spread over [−0.95, 0.95] so every k ∈ {0..3} appears for m = 4
  const r = rng(5);
  const c = 4;
  const targetCos = [0.95, 0.6, 0.2, -0.2, -0.6, -0.95];
  const b = targetCos.length;
  const y = labels(b, c, r);
  const norms = normals(b, r).map((v) => 1 + Math.abs(v));
  const z: number[] = [];
  for (let i = 0; i < b; i++)
    for (let k = 0; k < c; k++) z.push(norms[i] * (k === y[i] ? targetCos[i] : Math.tanh(normals(1, r)[0])));
  const { auto, fd } = gradZ(head, { z, y, featureNorm: norms, b, c }, 0);
  assertClose(auto, fd, TOL, 'a-softmax ψ branches');
});

test('arcface: gradient in the θ + m > π fallback region', () => {
  const head = getHead('arcface');
  const cs: HeadCase = { z: [-0.95, 0.3, 0.1, 0.2, -0.5, 0.4], y: [0, 1], b: 2, c: 3 };
  const { auto, fd } = gradZ(head, cs, 0);
  assertClose(auto, fd, TOL, 'arcface fallback');
});

/** ∂objective/∂x and ∂objective/∂W through the head's own output layer. */
for (const id of ['softmax-ce', 'linear-mse', 'cosine-softmax', 'am-softmax', 'arcface', 'a-softmax']) {
  test(`${id}: gradient wrt features and weights through its '${getHead(id).outputLayer}' output layer`, () => {
    const head = getHead(id, id === 'arcface' ? { s: 16 } : {});
    const b = 3;
    const f = 4;
    const c = 5;
    const r = rng(31);
    const y = labels(b, c, r);
    const xData = normals(b * f, r, 2);
    const layer = createOutputLayer(head.outputLayer, f, c, { dtype: 'float64' });
    const w0 = [...layer.weight.toFloat64Array()];
    const setW = (w: number[]): void =>
      noGrad(() => {
        scope(() => {
          layer.weight.copy_(tensor(Float64Array.from(w), [c, f], { dtype: 'float64' }));
        });
      });
    const objective = (x: Tensor): Tensor => {
      const { z, featureNorm } = layer.forwardWithNorm(x);
      return head.objective({ z, y: i64(y), featureNorm, step: 100, numClasses: c });
    };
    const auto = scope(() => {
      const x = f64(xData, [b, f], true);
      layer.zeroGrad();
      objective(x).backward();
      const gx = x.grad;
      const gw = layer.weight.grad;
      assert.ok(gx && gw, 'missing gradients');
      return { x: [...gx.toFloat64Array()], w: [...gw.toFloat64Array()] };
    });
    const fdX = finiteDiff((x) => scope(() => noGrad(() => objective(f64(x, [b, f])).item())), xData);
    assertClose(auto.x, fdX, TOL, `${id} ∂/∂x`);
    const fdW = finiteDiff((w) => {
      setW(w);
      return scope(() => noGrad(() => objective(f64(xData, [b, f])).item()));
    }, w0);
    setW(w0);
    assertClose(auto.w, fdW, TOL, `${id} ∂/∂W`);
    layer.dispose();
  });
}

test('focal with γ < 1 keeps a finite gradient when p_y rounds to 1 (float32)', () => {
  const head = getHead('focal', { gamma: 0.5 });
  const g = scope(() => {
    const z = tensor(Float32Array.from([60, 0, -5, 1, 2, 3]), [2, 3], { requiresGrad: true });
    head.objective({ z, y: i64([0, 2]), step: 0, numClasses: 3 }).backward();
    return [...(z.grad?.toFloat32Array() ?? [])];
  });
  assert.equal(g.length, 6);
  assert.ok(g.every(Number.isFinite), `gradient ${g}`);
});
