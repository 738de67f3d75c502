// The engine-accelerated paths must compute what the host paths compute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { liveTensorCount, setNumThreads, tensor } from '../../src/engine/index.js';
import {
  knnAccuracyEngine,
  knnPredictEngine,
  linearCKAEngine,
  linearProbeEngine,
  retrievalMetricsEngine,
  trainSoftmaxRegressionEngine,
} from '../../src/metrics/representation/engine.js';
import { knnPredict } from '../../src/metrics/representation/knn.js';
import { retrievalMetrics } from '../../src/metrics/representation/retrieval.js';
import { linearCKA } from '../../src/metrics/representation/cka.js';
import { linearProbe, trainSoftmaxRegressionHost } from '../../src/metrics/representation/probe.js';
import { matrix } from '../../src/metrics/matrix.js';
import { clusters, close, gaussian, randn, randomLabels, rng } from './helpers.js';

setNumThreads(Number(process.env.HEADROOM_THREADS ?? 1));

test('kNN: engine (float64 and float32, several chunk sizes) equals host predictions', () => {
  const bank = randn(1500, 24, 1);
  const bl = randomLabels(1500, 6, 2);
  const q = randn(300, 24, 3);
  for (const weighting of ['exp', 'similarity', 'uniform'] as const) {
    const host = knnPredict(bank, bl, q, { weighting, k: 7 });
    for (const dtype of ['float64', 'float32'] as const) {
      for (const blockElements of [1500 * 7, 1 << 24]) {
        const eng = knnPredictEngine(bank, bl, q, { weighting, k: 7, dtype, blockElements });
        assert.deepEqual(Array.from(eng), Array.from(host), `${weighting} ${dtype} ${blockElements}`);
      }
    }
  }
  const sep = clusters(400, 8, 16, 0.3, 4);
  const sepQ = clusters(100, 8, 16, 0.3, 5);
  assert.equal(knnAccuracyEngine(sep.x, sep.y, sepQ.x, sepQ.y), 1);
});

test('retrieval: engine equals host on random and clustered data', () => {
  const x = randn(600, 12, 6);
  const y = randomLabels(600, 5, 7);
  y[0] = 9; // one lone label: skipped as a query, still retrievable
  const host = retrievalMetrics(x, y);
  for (const dtype of ['float64', 'float32'] as const) {
    const eng = retrievalMetricsEngine(x, y, { dtype, blockElements: 600 * 50 });
    assert.equal(eng.queries, host.queries);
    close(eng.mapAtR, host.mapAtR, 1e-12, `MAP@R ${dtype}`);
    close(eng.precisionAt1, host.precisionAt1, 1e-12, `P@1 ${dtype}`);
    close(eng.rPrecision, host.rPrecision, 1e-12, `RP ${dtype}`);
  }
  const c = clusters(200, 4, 8, 0.2, 8);
  const r = retrievalMetricsEngine(c.x, c.y);
  assert.equal(r.mapAtR, 1);
  assert.equal(r.precisionAt1, 1);
});

test('linear CKA: engine equals host', () => {
  const x = randn(400, 20, 9);
  const yy = randn(400, 7, 10);
  for (let i = 0; i < 400; i++) yy.data[i * 7] += x.data[i * 20 + 3];
  close(linearCKAEngine(x, yy), linearCKA(x, yy), 1e-12, 'float64');
  close(linearCKAEngine(x, yy, { dtype: 'float32' }), linearCKA(x, yy), 1e-5, 'float32');
  close(linearCKAEngine(x, x), 1, 1e-12, 'CKA(X,X)');
});

test('probe trainer: all λ trained at once on the engine equal separate host runs', () => {
  const n = 150;
  const d = 5;
  const c = 3;
  const g = gaussian(rng(11));
  const xs = Float64Array.from({ length: n * d }, () => g());
  const y = randomLabels(n, c, 12);
  for (let i = 0; i < n; i++) xs[i * d + y[i]] += 1;
  const lambdas = [1e-3, 0.3];
  const { w, b } = trainSoftmaxRegressionEngine(tensor(xs, [n, d]), tensor(y, [n]), c, lambdas, 60, 0.05);
  const wAll = w.toFloat64Array();
  const bAll = b.toFloat64Array();
  w.dispose();
  b.dispose();
  lambdas.forEach((lambda, l) => {
    const host = trainSoftmaxRegressionHost(xs, y, n, d, c, lambda, 60, 0.05);
    for (let j = 0; j < d; j++) {
      for (let k = 0; k < c; k++)
        close(wAll[j * lambdas.length * c + l * c + k], host.w[j * c + k], 1e-9, 'W');
    }
    for (let k = 0; k < c; k++) close(bAll[l * c + k], host.b[k], 1e-9, 'b');
  });
});

test('linear probe: engine equals host end to end, and separates clusters', () => {
  const split = (n: number, s: number) => {
    const m = randn(n, 6, s);
    const y = randomLabels(n, 3, s + 50);
    for (let i = 0; i < n; i++) m.data[i * 6 + y[i]] += 1.2;
    // A constant column exercises the zero-variance rule of the standardiser.
    for (let i = 0; i < n; i++) m.data[i * 6 + 5] = 2;
    return { x: matrix(m.data, n, 6), y };
  };
  const splits = { train: split(300, 1), val: split(100, 2), test: split(200, 3) };
  const host = linearProbe(splits, { steps: 80 });
  const eng = linearProbeEngine(splits, { steps: 80, dtype: 'float64' });
  assert.deepEqual(eng, host);
  const f32 = linearProbeEngine(splits, { steps: 80 });
  assert.ok(Math.abs(f32.testAccuracy - host.testAccuracy) <= 0.01);
  const sep = {
    train: clusters(200, 4, 6, 0.5, 4),
    val: clusters(80, 4, 6, 0.5, 5),
    test: clusters(80, 4, 6, 0.5, 6),
  };
  assert.equal(linearProbeEngine(sep, { steps: 80 }).testAccuracy, 1);
});

test('engine paths leave no live tensors behind', () => {
  const before = liveTensorCount();
  const x = randn(100, 8, 1);
  const y = randomLabels(100, 3, 2);
  knnPredictEngine(x, y, x);
  retrievalMetricsEngine(x, y);
  linearCKAEngine(x, x);
  linearProbeEngine({ train: { x, y }, val: { x, y }, test: { x, y } }, { steps: 5 });
  assert.equal(liveTensorCount(), before);
});
