import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knnAccuracy, knnPredict } from '../../src/metrics/representation/knn.js';
import { fromRows } from '../../src/metrics/matrix.js';
import { clusters, randn, randomLabels } from './helpers.js';

/** Unit vector at `deg` degrees, scaled by `r` (cosine similarity ignores r). */
const at = (deg: number, r = 1) => [r * Math.cos((deg * Math.PI) / 180), r * Math.sin((deg * Math.PI) / 180)];

test('weighting schemes on a hand example', () => {
  // Query at 0°. Bank: class 0 at 0° (sim 1), class 1 twice at ±25.84° (sim 0.9), class 2 far away.
  const a = (Math.acos(0.9) * 180) / Math.PI;
  const bank = fromRows([at(0, 3), at(a), at(-a, 2), at(120)]);
  const labels = [0, 1, 1, 2];
  const q = fromRows([at(0)]);
  // uniform: 1 vote vs 2 votes → class 1.
  assert.equal(knnPredict(bank, labels, q, { k: 3, weighting: 'uniform' })[0], 1);
  // similarity: 1 vs 1.8 → class 1.
  assert.equal(knnPredict(bank, labels, q, { k: 3, weighting: 'similarity' })[0], 1);
  // exp(s/0.07): e^{14.29} vs 2·e^{12.86} (ratio e^{1.43} ≈ 4.2 > 2) → class 0.
  assert.equal(knnPredict(bank, labels, q, { k: 3 })[0], 0);
  // With τ = 1 the exp weights are e^1 vs 2·e^0.9 → class 1.
  assert.equal(knnPredict(bank, labels, q, { k: 3, temperature: 1 })[0], 1);
  // k = 1: the nearest neighbour alone; k larger than the bank is clamped.
  assert.equal(knnPredict(bank, labels, q, { k: 1, weighting: 'uniform' })[0], 0);
  assert.equal(knnPredict(bank, labels, q, { k: 50, weighting: 'uniform' })[0], 1);
});

test('kNN accuracy is 1 on separated clusters', () => {
  const train = clusters(500, 10, 16, 0.3, 1);
  const test_ = clusters(200, 10, 16, 0.3, 2);
  assert.equal(knnAccuracy(train.x, train.y, test_.x, test_.y), 1);
});

test('kNN accuracy is near chance on random features with random labels', () => {
  const acc = knnAccuracy(
    randn(2000, 16, 3),
    randomLabels(2000, 5, 4),
    randn(1000, 16, 5),
    randomLabels(1000, 5, 6),
  );
  assert.ok(Math.abs(acc - 0.2) < 0.05, `accuracy ${acc}`);
});
