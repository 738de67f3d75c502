import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracy, calibrationBins, ece, nll, nllFromLogits } from '../../src/metrics/classification.js';
import { fromRows, matrix } from '../../src/metrics/matrix.js';
import { rng } from '../rng.js';

/** A row of C probabilities with `conf` on class `cls` and the rest spread evenly. */
function probRow(c: number, cls: number, conf: number): number[] {
  return Array.from({ length: c }, (_, j) => (j === cls ? conf : (1 - conf) / (c - 1)));
}

test('accuracy from scores and from predictions', () => {
  const scores = fromRows([
    [0.1, 0.9],
    [0.8, 0.2],
    [0.3, 0.7],
    [0.6, 0.4],
  ]);
  assert.equal(accuracy(scores, [1, 0, 0, 0]), 0.75);
  assert.equal(accuracy(new Int32Array([1, 1, 0]), [1, 0, 0]), 2 / 3);
  assert.throws(() => accuracy(scores, [1, 0]), /labels/);
});

test('ECE of exactly calibrated predictions is 0', () => {
  // In each confidence level q, a fraction q of the rows is correct: acc(bin) = conf(bin) by construction.
  const rows: number[][] = [];
  const labels: number[] = [];
  const c = 4;
  for (const [q, n] of [
    [0.3, 100],
    [0.5, 40],
    [0.7, 200],
    [0.95, 60],
    [1, 10],
  ] as const) {
    const correct = Math.round(q * n);
    for (let i = 0; i < n; i++) {
      rows.push(probRow(c, 0, q));
      labels.push(i < correct ? 0 : 1 + (i % 3));
    }
  }
  assert.ok(Math.abs(ece(fromRows(rows), labels)) < 1e-12);
});

test('ECE of sampled calibrated predictions is near 0', () => {
  const r = rng(7);
  const n = 100_000;
  const c = 10;
  const data = new Float32Array(n * c);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const conf = 0.1 + 0.9 * r();
    const pred = Math.floor(r() * c);
    data.set(probRow(c, pred, conf), i * c);
    labels[i] = r() < conf ? pred : (pred + 1 + Math.floor(r() * (c - 1))) % c;
  }
  const e = ece(matrix(data, n, c), labels);
  assert.ok(e < 0.01, `ECE ${e}`);
});

test('ECE of an overconfident classifier matches the hand computation', () => {
  // Group A: conf 0.95, 50% correct → gap 0.45. Group B: conf 0.55, 50% correct → gap 0.05.
  // Sizes 300 and 100 → ECE = 0.75 · 0.45 + 0.25 · 0.05 = 0.35.
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 300; i++) {
    rows.push(probRow(3, 2, 0.95));
    labels.push(i % 2 === 0 ? 2 : 0);
  }
  for (let i = 0; i < 100; i++) {
    rows.push(probRow(3, 1, 0.55));
    labels.push(i % 2 === 0 ? 1 : 2);
  }
  const { ece: e, bins } = calibrationBins(fromRows(rows), labels, 15);
  assert.ok(Math.abs(e - 0.35) < 1e-12, `ECE ${e}`);
  assert.equal(bins.length, 15);
  // 0.95 ∈ (14/15, 1]; 0.55 ∈ (8/15, 9/15].
  assert.equal(bins[14].count, 300);
  assert.equal(bins[8].count, 100);
  assert.equal(
    bins.reduce((s, b) => s + b.count, 0),
    400,
  );
});

test('ECE bins are (lower, upper]: a confidence on an edge goes to the lower bin', () => {
  // conf 0.5 with 2 bins → bin 0 = (0, 0.5]; all wrong → ECE = 0.5. conf 0.6 → bin 1.
  const probs = fromRows([
    [0.5, 0.5],
    [0.6, 0.4],
  ]);
  const { bins } = calibrationBins(probs, [1, 0], 2);
  assert.equal(bins[0].count, 1);
  assert.equal(bins[1].count, 1);
  // row 0 predicts class 0 (first on ties), label 1 → wrong (gap 0.5); row 1 right (gap 0.4). ECE = (0.5 + 0.4) / 2.
  assert.ok(Math.abs(ece(probs, [1, 0], 2) - 0.45) < 1e-12);
});

test('nll matches −mean log p_y and agrees with the logits form', () => {
  const probs = fromRows([
    [0.7, 0.2, 0.1],
    [0.25, 0.25, 0.5],
  ]);
  assert.ok(Math.abs(nll(probs, [0, 2]) - -(Math.log(0.7) + Math.log(0.5)) / 2) < 1e-12);
  const logits = fromRows([
    [2, -1, 0.5],
    [100, 101, 99],
  ]);
  const sm = (r: number[]) => {
    const m = Math.max(...r);
    const e = r.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  };
  const p = fromRows([sm([2, -1, 0.5]), sm([100, 101, 99])]);
  assert.ok(Math.abs(nllFromLogits(logits, [1, 1]) - nll(p, [1, 1])) < 1e-12);
  assert.ok(Number.isFinite(nll(fromRows([[1, 0]]), [1])));
});
