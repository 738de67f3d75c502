import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Asha } from '../../src/search/pruners/asha.js';
import {
  dominates,
  nonDominatedRanks,
  paretoFront,
  selectionOrder,
} from '../../src/search/pruners/pareto.js';
import { Rng } from '../../src/search/rng.js';

test('Pareto dominance and non-dominated ranks on a hand example', () => {
  // (acc, speed); maximised.
  const pts = [
    [0.9, 0.5], // A: front
    [0.8, 0.7], // B: front
    [0.7, 0.9], // C: front
    [0.8, 0.5], // D: dominated by A and B → rank 1
    [0.6, 0.6], // E: dominated by B, and by D? no (0.6<0.8, 0.6>0.5) → only B, C → rank 1
    [0.5, 0.4], // F: dominated by D and E → rank 2
    [0.9, 0.5], // G: equal to A: neither dominates → front
  ];
  assert.equal(dominates([1, 1], [1, 0]), true);
  assert.equal(dominates([1, 1], [1, 1]), false);
  assert.deepEqual(nonDominatedRanks(pts), [0, 0, 0, 1, 1, 2, 0]);
  assert.deepEqual(paretoFront(pts), [0, 1, 2, 6]);
  // rank first, then accuracy, then the tiebreak (trial number)
  assert.deepEqual(selectionOrder(pts, [0, 1, 2, 3, 4, 5, 6]), [0, 6, 1, 2, 3, 4, 5]);
});

test('ASHA promotes the best ⌊k/η⌋ of each arrival prefix, in a fixed order', () => {
  const scores = [0.5, 0.9, 0.3, 0.4, 0.8, 0.2, 0.7, 0.6, 0.1];
  const asha = new Asha(3, 2);
  scores.forEach((_, i) => asha.add(i));
  const promos: Array<[number, number]> = [];
  scores.forEach((s, i) => promos.push(...asha.report(i, 0, [s])));
  // by hand: k=3 → {1}; k=6 → top2 {1,4} → 4; k=9 → top3 {1,4,6} → 6
  assert.deepEqual(promos, [
    [1, 1],
    [4, 1],
    [6, 1],
  ]);
});

test('ASHA never waits on arrival order: reporting in reverse gives the same promotions, only once all are in', () => {
  const scores = [0.5, 0.9, 0.3, 0.4, 0.8, 0.2, 0.7, 0.6, 0.1];
  const asha = new Asha(3, 2);
  scores.forEach((_, i) => asha.add(i));
  const promos: Array<[number, number]> = [];
  for (let i = scores.length - 1; i >= 1; i--) promos.push(...asha.report(i, 0, [scores[i]!]));
  assert.equal(promos.length, 0, 'trial 0 has not reported: nothing after it can be processed');
  promos.push(...asha.report(0, 0, [scores[0]!]));
  assert.deepEqual(
    promos.map((p) => p[0]),
    [1, 4, 6],
  );
});

test('ASHA promotes a late strong arrival even past the quota (promotions are never revoked)', () => {
  const asha = new Asha(3, 2);
  [0, 1, 2, 3].forEach((i) => asha.add(i));
  const p: number[] = [];
  [0.5, 0.1, 0.2, 0.9].forEach((s, i) => p.push(...asha.report(i, 0, [s]).map((x) => x[0])));
  assert.deepEqual(p, [0, 3]);
});

test('successive halving over 3 rungs: the right fraction goes up and the best by validation reaches the top', () => {
  const rng = new Rng(42);
  const n = 27;
  const quality = Array.from({ length: n }, () => rng.next());
  const asha = new Asha(3, 3);
  for (let i = 0; i < n; i++) asha.add(i);
  // a trial's validation accuracy at each rung is its quality plus rung-specific noise smaller than the gaps we test
  const queue: Array<[number, number]> = Array.from({ length: n }, (_, i) => [i, 0]);
  while (queue.length > 0) {
    const [t, r] = queue.shift()!;
    queue.push(...asha.report(t, r, [quality[t]! + 1e-9 * r]));
  }
  const at = (r: number) => [...asha.entered(r)];
  assert.equal(at(0).length, 27);
  const byQuality = [...quality.keys()].sort((a, b) => quality[b]! - quality[a]!);
  // at least ⌊27/3⌋ = 9 promoted, and the 9 best are among them
  assert.ok(at(1).length >= 9 && at(1).length <= 13, `rung 1 has ${at(1).length}`);
  for (const t of byQuality.slice(0, 9)) assert.ok(at(1).includes(t), `trial ${t} should be at rung 1`);
  assert.ok(at(2).length >= Math.floor(at(1).length / 3));
  assert.ok(at(2).includes(byQuality[0]!), 'the best trial reaches the top rung');
  // failed results are never promoted
  const b = new Asha(2, 2);
  [0, 1].forEach((i) => b.add(i));
  b.report(0, 0, null);
  assert.deepEqual(b.report(1, 0, [0.1]), [[1, 1]]);
});

test('multi-objective promotion uses non-dominated ranks', () => {
  const asha = new Asha(3, 2);
  const pts = [
    [0.7, 0.2],
    [0.6, 0.9], // front throughout: best speed
    [0.65, 0.3], // front throughout: nothing has both more acc and more speed
    [0.69, 0.1], // dominated by 0
    [0.2, 0.2],
    [0.75, 0.25], // front: best acc; dominates 0 and 3
  ];
  pts.forEach((_, i) => asha.add(i));
  const p: number[] = [];
  pts.forEach((v, i) => p.push(...asha.report(i, 0, v).map((x) => x[0])));
  // k=3: {0,1,2} are all non-dominated; accuracy breaks the tie → 0. k=4,5: quota 1, still 0.
  // k=6: the front is {1, 2, 5} (0 is now dominated by 5); quota 2 → the two most accurate of the front: 5, 2.
  // A scalar (accuracy-only) rule would have promoted 5 and 0 instead.
  assert.deepEqual(p, [0, 5, 2]);
});

test('gated ASHA: a rung waits for its floor, then promotes only top-1/η trials at or above it', () => {
  // The shape: an early, sparse rung where the best of the first three is far below the baseline.
  const scores = [0.2, 0.1, 0.15, 0.95, 0.5, 0.97, 0.3, 0.96, 0.4];
  const asha = new Asha(3, 2, { gated: true });
  scores.forEach((_, i) => asha.add(i));
  const promos: Array<[number, number]> = [];
  scores.forEach((s, i) => promos.push(...asha.report(i, 0, [s])));
  assert.equal(promos.length, 0, 'nothing is promoted before the floor is known');
  // baseline 0.96, margin 0.02 → floor 0.94
  promos.push(...asha.setFloor(0, 0.94));
  // k=3 → top {0: 0.2} is below the floor; k=4 → {3}; k=6 → top2 {5, 3} → 5; k=9 → top3 {5, 7, 3} → 7
  assert.deepEqual(promos, [
    [3, 1],
    [5, 1],
    [7, 1],
  ]);
  assert.ok(!asha.isPromoted(0, 0), 'the 20% trial that topped the first three stays at rung 0');
  // Ungated, the same arrivals lift it.
  const plain = new Asha(3, 2);
  scores.forEach((_, i) => plain.add(i));
  const p2 = scores.flatMap((s, i) => plain.report(i, 0, [s]).map((x) => x[0]));
  assert.equal(p2[0], 0);
  // A floor of −Infinity (the baseline failed) opens the gate; a floor is set once.
  const open = new Asha(3, 2, { gated: true });
  [0, 1, 2].forEach((i) => open.add(i));
  [0.2, 0.1, 0.15].forEach((s, i) => open.report(i, 0, [s]));
  assert.deepEqual(open.setFloor(0, -Infinity), [[0, 1]]);
  assert.throws(() => open.setFloor(0, 0.5), /already/);
});
