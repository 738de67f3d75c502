// scores(z): rows are distributions, finite even for extreme z, and their argmax is the head's prediction rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scope, setNumThreads, tensor } from '../../src/engine/index.js';
import { getHead, listHeads, CLIP_NORMALISE_EPS } from '../../src/heads/index.js';
import { argmaxJs, assertClose, f64, makeCase, rows, softmaxJs } from './helpers.js';

setNumThreads(1);

/** The prediction rule in plain JS: argmax z, except Taylor softmax, whose f(z) = 1 + z + z²/2 is not monotone. */
function predicted(id: string, z: number[]): number {
  if (id === 'taylor-softmax') return argmaxJs(z.map((v) => 1 + v + (v * v) / 2));
  return argmaxJs(z);
}

for (const h of listHeads()) {
  test(`${h.id}: scores are distributions whose argmax is the prediction`, () => {
    const head = h.create();
    const cs = makeCase(h.outputLayer, 8, 6, 300);
    // Extreme rows too (not for the cosine layer, whose z is a cosine in [−1, 1]); the last has two saturating
    // classes with the larger one second, so ties broken by index would show.
    const extra =
      h.outputLayer === 'cosine'
        ? [1, -1, 0.999, -0.5, 0.25, 0, -1, -1, -1, -0.9, -1, -1]
        : [80, -50, 79.5, 3, 0, -1000, -40, -41, -39, -45, -44, -100, 25, 40, -3, 0, 1, 2];
    const z = [...cs.z, ...extra];
    const b = z.length / cs.c;
    // float32 too: that is what training uses, and where saturated values (σ → 1) tie first.
    for (const dtype of ['float64', 'float32'] as const) {
      const s = scope(() => [
        ...head
          .scores(tensor(Float64Array.from(z), [b, cs.c], { dtype }))
          .to('float64')
          .toFloat64Array(),
      ]);
      const zIn = dtype === 'float32' ? [...Float32Array.from(z)] : z;
      const tol = dtype === 'float64' ? 1e-9 : 1e-5;
      const sr = rows(s, cs.c);
      rows(zIn, cs.c).forEach((zr, i) => {
        const row = sr[i];
        const where = `${h.id} ${dtype} row ${i}`;
        assert.ok(
          row.every((v) => Number.isFinite(v) && v >= 0 && v <= 1 + tol),
          `${where}: ${row}`,
        );
        assertClose([row.reduce((a, v) => a + v, 0)], [1], { abs: tol }, `${where} sum`);
        assert.equal(argmaxJs(row), predicted(h.id, zr), `${where}: argmax scores ≠ prediction (z = ${zr})`);
      });
    }
  });
}

test('linear-mse scores are clip-normalised z (with the ε·softmax tie-break); softmax(z) when all z ≤ 0', () => {
  const neg = [-0.3, -2, -0.1];
  const sn = scope(() => [
    ...getHead('linear-mse')
      .scores(f64(neg, [1, 3]))
      .toFloat64Array(),
  ]);
  assertClose(sn, softmaxJs(neg), { abs: 1e-12 }, 'all z ≤ 0');
  const z = [0.8, 0.3, -0.2, 0.1];
  const s = scope(() => [
    ...getHead('linear-mse')
      .scores(f64(z, [1, 4]))
      .toFloat64Array(),
  ]);
  const sm = softmaxJs(z);
  const mass = z.reduce((a, v) => a + Math.max(v, 0), 0);
  const num = z.map((v, k) => Math.max(v, 0) + CLIP_NORMALISE_EPS * mass * sm[k]);
  const tot = num.reduce((a, v) => a + v, 0);
  assertClose(
    s,
    num.map((v) => v / tot),
    { abs: 1e-12 },
    'clip-normalise',
  );
});

test('oland-exp scores: softmax(z) when β = 0; normalised α e^z + β otherwise', () => {
  const z = [1.5, 0.2, -0.7];
  const s0 = scope(() => [
    ...getHead('oland-exp')
      .scores(f64(z, [1, 3]))
      .toFloat64Array(),
  ]);
  assertClose(s0, softmaxJs(z), { abs: 1e-12 }, 'β = 0');
  const p = { alpha: 0.5, beta: -0.1 };
  const s1 = scope(() => [
    ...getHead('oland-exp', p)
      .scores(f64(z, [1, 3]))
      .toFloat64Array(),
  ]);
  const mu = z.map((v) => p.alpha * Math.exp(v) + p.beta);
  const sm = softmaxJs(z);
  const mass = mu.reduce((a, v) => a + Math.max(v, 0), 0);
  const num = mu.map((v, k) => Math.max(v, 0) + CLIP_NORMALISE_EPS * mass * sm[k]);
  const tot = num.reduce((a, v) => a + v, 0);
  assertClose(
    s1,
    num.map((v) => v / tot),
    { abs: 1e-9 },
    'β ≠ 0',
  );
});
