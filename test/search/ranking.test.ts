import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baselinesOf,
  formatPoints,
  promotionFloor,
  rankByScore,
  rankingVerdict,
  trialScore,
  withinMargin,
} from '../../src/search/ranking.js';

const ok = (valAcc: number) => ({ status: 'ok', valAcc });

test('a score is the Δ at the highest rung completed; failed top rungs and missing baselines give none', () => {
  const base = baselinesOf({ 0: ok(0.9), 1: ok(0.97), 2: { status: 'diverged', valAcc: 0.1 } }, 4);
  assert.deepEqual(base, [0.9, 0.97, null, undefined]);
  const s = trialScore({ 0: ok(0.95), 1: ok(0.96) }, base)!;
  assert.equal(s.rung, 1);
  assert.ok(Math.abs(s.delta! + 0.01) < 1e-12, 'the rung-0 Δ of +5 does not count once rung 1 is in');
  assert.equal(trialScore({ 0: ok(0.95), 1: { status: 'diverged', valAcc: 0.97 } }, base)!.delta, null);
  assert.equal(trialScore({ 0: ok(0.95), 1: ok(0.9), 2: ok(0.5) }, base)!.delta, null, 'failed baseline');
  assert.equal(trialScore({ 3: ok(0.5) }, base)!.baseline, null, 'no baseline trained');
  assert.equal(trialScore({}, base), null);
});

test('ranking: within the margin by rung, then Δ there; then by Δ; then unscored by rung and accuracy; failures last', () => {
  const base = [0.9, 0.97];
  const t = (number: number, rungs: Record<string, { status: string; valAcc: number | null }>) => ({
    number,
    score: trialScore(rungs, base),
  });
  const trials = [
    t(1, { 0: ok(0.6), 1: ok(0.2) }), // promoted early (ungated), far below at rung 1
    t(2, { 0: ok(0.91) }), // +1 at rung 0
    t(3, { 0: ok(0.92), 1: ok(0.972) }), // +0.2 at rung 1
    t(4, { 0: ok(0.95), 1: { status: 'failed', valAcc: null } }),
    t(5, { 0: ok(0.91) }), // ties #2: the earlier trial first
    t(6, { 2: ok(0.99) }), // no baseline at rung 2
  ];
  const ranked = (margin: number) => rankByScore(trials, margin).map((x) => x.number);
  // #3's +0.2 at rung 1 outranks #2's +1 at rung 0 (a lead on a low rung is a screening result), but #1, 77 points
  // below the baseline at rung 1, ranks after every trial within the 2-point margin
  assert.deepEqual(ranked(0.02), [3, 2, 5, 1, 6, 4]);
  // with a margin that takes #1 in, its higher rung puts it ahead of the rung-0 trials
  assert.deepEqual(ranked(1), [3, 1, 2, 5, 6, 4]);
});

test('margin, floor and the verdict sentence', () => {
  assert.ok(withinMargin(-0.02, 0.02), 'exactly the margin passes');
  assert.ok(withinMargin(0.9 - 0.92, 0.02), 'despite float rounding');
  assert.ok(!withinMargin(-0.0201, 0.02));
  assert.equal(promotionFloor(null, 0.02), -Infinity);
  assert.ok(Math.abs(promotionFloor(0.95, 0.02) - 0.93) < 1e-8);
  assert.equal(formatPoints(0.0031), '+0.31');
  assert.equal(formatPoints(-0.4035), '−40.35');
  const v = (rungs: Record<string, { status: string; valAcc: number | null }>) =>
    rankingVerdict({ number: 7, score: trialScore(rungs, [0.9, 0.97]) }, 0.02);
  assert.match(v({ 0: ok(0.95), 1: ok(0.98) }), /#7 is \+1\.00 points above softmax-ce at rung 1/);
  assert.match(v({ 0: ok(0.95), 1: ok(0.96) }), /#7 is within 2 points of softmax-ce \(Δ −1\.00\)/);
  assert.match(
    v({ 0: ok(0.5) }),
    /nothing came within 2 points of softmax-ce: the best, #7, is 40\.00 points below it at rung 0/,
  );
  assert.match(rankingVerdict(null, 0.02), /no trial finished a rung/);
});
