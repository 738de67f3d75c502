import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapAtR, precisionAt1, retrievalMetrics } from '../../src/metrics/representation/retrieval.js';
import { fromRows } from '../../src/metrics/matrix.js';
import { clusters, close, randn, randomLabels } from './helpers.js';

const at = (deg: number, r = 1) => [r * Math.cos((deg * Math.PI) / 180), r * Math.sin((deg * Math.PI) / 180)];

test('P@1, R-precision and MAP@R on a hand-computed example', () => {
  // Points on the unit circle; cosine order = angular order. Labels a=0 (3 samples, R=2), b=1 (2 samples, R=1),
  // and a lone label 2 whose query is skipped (but which can still be retrieved).
  //  idx  angle label | neighbours (nearest first)       | top-R rel | AP          | P@1 | RP
  //  0    0°    a     | 1(12°,b) 2(20°,a) 3 ...           | 0 1       | (1/2)/2     | 0   | 1/2
  //  1    12°   b     | 2(8°,a) ...                       | 0         | 0           | 0   | 0
  //  2    20°   a     | 1(8°,b) 3(13°,a) 0(20°,a)         | 0 1       | (1/2)/2     | 0   | 1/2
  //  3    33°   a     | 2(13°,a) 1(21°,b) 0(33°,a)        | 1 0       | (1/1)/2     | 1   | 1/2
  //  4    100°  b     | 3(67°,a) ...                      | 0         | 0           | 0   | 0
  //  5    -160° lone  | skipped
  // MAP@R = (0.25 + 0 + 0.25 + 0.5 + 0)/5 = 0.2; P@1 = 1/5; R-precision = 1.5/5 = 0.3.
  const x = fromRows([at(0), at(12, 2), at(20), at(33, 0.5), at(100), at(-160)]);
  const y = [0, 1, 0, 0, 1, 2];
  const r = retrievalMetrics(x, y);
  assert.equal(r.queries, 5);
  close(r.mapAtR, 0.2, 1e-12, 'MAP@R');
  close(r.precisionAt1, 0.2, 1e-12, 'P@1');
  close(r.rPrecision, 0.3, 1e-12, 'R-precision');
});

test('MAP@R rewards early hits: relevance [1, 0, 1] gives (1 + 2/3)/3', () => {
  // Angles 0 10 21 33 46 62 (no equal angular gaps, so no ties), labels a a b a b a (R: a → 3, b → 1).
  //  q0 (0°):  10a 21b 33a      → [1,0,1] AP (1 + 2/3)/3 = 5/9, P@1 1
  //  q1 (10°): 0a(10) 21b(11) 33a(23) → [1,0,1] → 5/9, P@1 1
  //  q3 (33°): 21b(12) 46b(13) 10a(23) → [0,0,1] → (1/3)/3 = 1/9
  //  q5 (62°): 46b(16) 33a(29) 21b(41) → [0,1,0] → (1/2)/3 = 1/6
  //  q2 (21°, b): 10a(11) → 0;  q4 (46°, b): 33a(13) → 0
  const x = fromRows([at(0), at(10), at(21), at(33), at(46), at(62)]);
  const y = [0, 0, 1, 0, 1, 0];
  const r = retrievalMetrics(x, y);
  close(r.mapAtR, (5 / 9 + 5 / 9 + 1 / 9 + 1 / 6) / 6, 1e-12, 'MAP@R');
  close(r.precisionAt1, 2 / 6, 1e-12, 'P@1');
  close(r.rPrecision, (2 / 3 + 2 / 3 + 1 / 3 + 1 / 3) / 6, 1e-12, 'R-precision');
});

test('perfectly separated clusters give P@1 = MAP@R = 1', () => {
  const { x, y } = clusters(300, 6, 12, 0.2, 3);
  assert.equal(precisionAt1(x, y), 1);
  assert.equal(mapAtR(x, y), 1);
});

test('random features with random labels give P@1 and MAP@R near chance', () => {
  const r = retrievalMetrics(randn(1500, 16, 1), randomLabels(1500, 5, 2));
  assert.ok(Math.abs(r.precisionAt1 - 0.2) < 0.05, `P@1 ${r.precisionAt1}`);
  // With random ranking E[AP@R] ≈ (R/N)·(something ≤ 1): well below the separated value.
  assert.ok(r.mapAtR < 0.15, `MAP@R ${r.mapAtR}`);
});
