// Output layers: Keras init for 'linear', true cosines for 'cosine', ‖x‖ cos θ and ‖x‖ for 'normalized-weights'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manualSeed, scope, setNumThreads } from '../../src/engine/index.js';
import { createOutputLayer } from '../../src/heads/index.js';
import { assertClose, f64, normals, rng, rows } from './helpers.js';

setNumThreads(1);

const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: number[]): number => Math.sqrt(dot(a, a));

test('linear: glorot-uniform weights within ±√(6/(in+out)), zero bias, z = Wx + b', () => {
  manualSeed(0);
  const f = 50;
  const c = 10;
  const layer = createOutputLayer('linear', f, c, { dtype: 'float64' });
  assert.equal(layer.parameters().length, 2);
  const w = [...layer.weight.toFloat64Array()];
  const bound = Math.sqrt(6 / (f + c));
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w.map(Math.abs)) > 0.8 * bound, 'weights should fill the glorot range');
  assert.ok(layer.bias);
  assert.ok([...layer.bias.toFloat64Array()].every((v) => v === 0));
  const x = normals(2 * f, rng(1));
  const z = scope(() => [...layer.forward(f64(x, [2, f])).toFloat64Array()]);
  const wr = rows(w, f);
  assertClose(
    z,
    rows(x, f).flatMap((xi) => wr.map((wk) => dot(xi, wk))),
    { abs: 1e-12 },
    'Wx',
  );
  layer.dispose();
});

test('cosine: z = cos θ (no bias); normalized-weights: z = ‖x‖ cos θ and featureNorm = ‖x‖', () => {
  const f = 7;
  const c = 4;
  const x = normals(3 * f, rng(2), 3);
  for (const kind of ['cosine', 'normalized-weights'] as const) {
    const layer = createOutputLayer(kind, f, c, { dtype: 'float64' });
    assert.equal(layer.parameters().length, 1, `${kind}: weight only`);
    assert.equal(layer.bias, null);
    const wr = rows([...layer.weight.toFloat64Array()], f);
    const { z, n } = scope(() => {
      const out = layer.forwardWithNorm(f64(x, [3, f]));
      return { z: [...out.z.toFloat64Array()], n: [...out.featureNorm.toFloat64Array()] };
    });
    const xr = rows(x, f);
    const want = xr.flatMap((xi) =>
      wr.map((wk) => (dot(xi, wk) / (norm(xi) * norm(wk))) * (kind === 'cosine' ? 1 : norm(xi))),
    );
    assertClose(z, want, { abs: 1e-12 }, kind);
    assertClose(n, xr.map(norm), { abs: 1e-12 }, `${kind} featureNorm`);
    if (kind === 'cosine') assert.ok(z.every((v) => Math.abs(v) <= 1 + 1e-12));
    layer.dispose();
  }
});

test('train/eval toggles and the same seed gives the same weights', () => {
  manualSeed(42);
  const a = createOutputLayer('linear', 8, 3);
  manualSeed(42);
  const b = createOutputLayer('linear', 8, 3);
  assert.deepEqual([...a.weight.toFloat32Array()], [...b.weight.toFloat32Array()]);
  assert.equal(a.weight.dtype, 'float32');
  assert.equal(a.training, true);
  a.eval();
  assert.equal(a.training, false);
  a.dispose();
  b.dispose();
});
