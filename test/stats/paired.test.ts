// The paired t-test, its Holm family, the power line's noncentral-t power, and ranks with a tie tolerance, each
// against values computed independently: by hand, from closed forms, from scipy 1.17 (ttest_rel, nct.cdf) and from
// the textbook sample sizes (Cohen 1988; G*Power gives the same).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  correlation,
  holm,
  noncentralTCdf,
  normalCdf,
  pairedT,
  ranks,
  seedsNeeded,
  tTestPower,
  tTwoSided,
  versusBaselinePaired,
  welchT,
} from '../../src/stats/index.js';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
}

// Five seeds of two heads; the differences are (2, 7, 4, 5, 2)·1e-4.
const A = [0.9832, 0.9841, 0.9829, 0.9835, 0.9838];
const B = [0.983, 0.9834, 0.9825, 0.983, 0.9836];

test('pairedT by hand: d = (2, 7, 4, 5, 2)e-4 → mean 4e-4, sd √4.5e-4, t = 4/√0.9 ≈ 4.216 (df 4)', () => {
  const r = pairedT(A, B);
  assert.equal(r.n, 5);
  assert.equal(r.df, 4);
  close(r.diff, 4e-4, 1e-15, 'mean');
  // Σ(d − mean)² = (4 + 9 + 0 + 1 + 4)e-8 = 18e-8 → variance 4.5e-8.
  close(r.sd, Math.sqrt(4.5e-8), 1e-15, 'sd');
  close(r.se, Math.sqrt(4.5e-8 / 5), 1e-15, 'se');
  close(r.t, 4 / Math.sqrt(0.9), 1e-9, 't');
  // scipy.stats.ttest_rel(A, B): statistic 4.216370213557814, p 0.013516881521817794, CI (1.366e-4, 6.634e-4)
  close(r.t, 4.216370213557814, 1e-9, 'scipy t');
  close(r.p, 0.013516881521817794, 1e-11, 'scipy p');
  close(r.ci[0], 0.00013660329007446608, 1e-12, 'scipy CI lo');
  close(r.ci[1], 0.0006633967099254903, 1e-12, 'scipy CI hi');
  // The same runs, unpaired: scipy ttest_ind(equal_var=False) p = 0.19796: the pairing is where the power comes from.
  close(welchT(A, B).p, 0.1979594555534584, 1e-9, 'Welch p');
});

test('pairedT edge cases: n < 2 has no test; constant differences give p = 0 or 1', () => {
  const one = pairedT([0.5], [0.4]);
  close(one.diff, 0.1, 1e-15);
  assert.ok(Number.isNaN(one.p) && Number.isNaN(one.ci[0]));
  assert.equal(pairedT([1, 2, 3], [0, 1, 2]).p, 0);
  assert.equal(pairedT([1, 2, 3], [1, 2, 3]).p, 1);
  assert.throws(() => pairedT([1, 2], [1]), RangeError);
});

test('versusBaselinePaired pairs by seed, drops unmatched seeds, and Holm-corrects across heads', () => {
  const bySeed = (xs: number[], seeds = [1, 2, 3, 4, 5]) => new Map(seeds.map((s, i) => [s, xs[i]]));
  // 'b' has seed order scrambled and one extra seed (9) that the baseline lacks; 'c' has too few pairs.
  const groups = new Map([
    ['base', bySeed(B)],
    ['a', bySeed(A)],
    [
      'b',
      new Map([
        [5, 0.9838],
        [9, 0.5],
        [1, 0.9833],
        [3, 0.9826],
        [2, 0.9833],
        [4, 0.9829],
      ]),
    ],
    ['c', bySeed([0.9, 0.8], [1, 7])],
  ]);
  const out = versusBaselinePaired(groups, 'base');
  assert.deepEqual([...out.keys()].sort(), ['a', 'b']);
  const a = out.get('a')!;
  close(a.p, 0.013516881521817794, 1e-11, 'a matches the hand example');
  const b = out.get('b')!;
  assert.equal(b.pairs, 5);
  assert.equal(b.unpaired, 1);
  // b − base per seed (1..5): 3, −1, 1, −1, 2 (e-4): mean 0.8e-4, computed independently here.
  const d = [3, -1, 1, -1, 2].map((x) => x * 1e-4);
  const m = d.reduce((s, x) => s + x, 0) / 5;
  const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / 4);
  assert.deepEqual(
    b.differences.map((x) => x.seed),
    [1, 2, 3, 4, 5],
    'seed order, without the unpaired seed 9',
  );
  b.differences.forEach((x, i) => close(x.diff, d[i]!, 1e-15, `b difference, seed ${x.seed}`));
  close(b.delta, 0.8e-4, 1e-15, 'b mean');
  close(b.sdDiff, sd, 1e-15, 'b sd');
  close(b.p, tTwoSided(m / (sd / Math.sqrt(5)), 4), 1e-12, 'b p');
  const adj = holm([a.p, b.p]);
  close(a.pHolm, adj[0], 0, 'Holm a');
  close(b.pHolm, adj[1], 0, 'Holm b');
  assert.ok(a.pHolm >= a.p && b.pHolm >= b.p);
});

test('normalCdf: Φ(0) = 1/2, Φ(1.959964) = 0.975, symmetry', () => {
  close(normalCdf(0), 0.5, 2e-8); // erfcc's fractional error is below 1.2e-7
  close(normalCdf(1.959963984540054), 0.975, 2e-7);
  close(normalCdf(-1.6448536269514722), 0.05, 2e-7);
  for (const x of [0.3, 1.7, 4]) close(normalCdf(x) + normalCdf(-x), 1, 1e-12);
});

test('noncentralTCdf: ncp = 0 is the t CDF; other values match scipy.stats.nct.cdf', () => {
  for (const [t, df] of [
    [1.3, 3],
    [-2.5, 10],
    [0.4, 1],
  ])
    close(
      noncentralTCdf(t, df, 0),
      t > 0 ? 1 - tTwoSided(t, df) / 2 : tTwoSided(t, df) / 2,
      1e-6,
      `t=${t} df=${df}`,
    );
  close(noncentralTCdf(2.0, 4, 1.5), 0.6189289251396548, 1e-6, 'nct(2; 4, 1.5)');
  close(noncentralTCdf(-1.0, 1, 0.5), 0.13092587339173373, 1e-6, 'nct(−1; 1, 0.5)');
  close(noncentralTCdf(2.0343, 33, 2.9155), 0.19215884603081762, 1e-6, 'nct(2.0343; 33, 2.9155)');
  close(noncentralTCdf(1.5, 30, -0.7), 0.984163934769196, 1e-6, 'nct(1.5; 30, −0.7)');
});

test('seedsNeeded: the textbook sample sizes for 80% power at α = 0.05 (two-sided)', () => {
  // Cohen's d = effect / sd. One-sample/paired: d = 0.5 → 34, d = 1 → 10; two-sample: d = 0.5 → 64, d = 1 → 17.
  assert.equal(seedsNeeded({ effect: 0.5, sd: 1, design: 'paired' }), 34);
  assert.equal(seedsNeeded({ effect: 1, sd: 1, design: 'paired' }), 10);
  assert.equal(seedsNeeded({ effect: 0.5, sd: 1, design: 'two-sample' }), 64);
  assert.equal(seedsNeeded({ effect: 1, sd: 1, design: 'two-sample' }), 17);
  // scipy: the paired power at d = 0.3 crosses 0.8 between 89 (0.79933) and 90 (0.80379).
  assert.equal(seedsNeeded({ effect: 0.003, sd: 0.01, design: 'paired' }), 90);
  close(tTestPower(10, { effect: 1, sd: 1, design: 'paired' }), 0.8030968566327219, 1e-5, 'power n=10');
  close(tTestPower(17, { effect: 1, sd: 1, design: 'two-sample' }), 0.8070367151472198, 1e-5, 'power 2×17');
  // Units do not matter, only effect/sd: 0.2 points at an sd of 0.4 points is d = 0.5.
  assert.equal(seedsNeeded({ effect: 0.002, sd: 0.004, design: 'paired' }), 34);
  assert.equal(seedsNeeded({ effect: 0.002, sd: Number.NaN, design: 'paired' }), null);
  assert.equal(seedsNeeded({ effect: 0.002, sd: 0, design: 'paired' }), 2);
  assert.equal(seedsNeeded({ effect: 0.002, sd: 1, design: 'paired', max: 1000 }), null);
});

test('ranks: values equal up to float rounding are tied; real differences are not', () => {
  // Two means of five accuracies that are 98.29% on paper but were summed in a different order.
  const mean5 = (a: number[]): number => a.reduce((sum, v) => sum + v, 0) / 5;
  const x = mean5([0.9815, 0.9822, 0.9829, 0.9836, 0.9843]);
  const y = mean5([0.9815, 0.9829, 0.9836, 0.9843, 0.9822]);
  assert.notEqual(x, y, 'the fixture must actually differ in the last bits');
  assert.deepEqual(ranks([x, 0.99, y, 0.97]), [2.5, 4, 2.5, 1]);
  // One test example out of 10,000 is a real difference.
  assert.deepEqual(ranks([0.9829, 0.983, 0.9829 + 1e-4 / 2]), [1, 3, 2]);
  // tol = 0 is the exact comparison
  assert.deepEqual(ranks([x, y], 0), x < y ? [1, 2] : [2, 1]);
  // Spearman with the tie: y = (a, a') tied → ρ by hand. x = 1..4, y ranks (1, 2.5, 2.5, 4): ρ = 4.5/√(5·4.5).
  const c = correlation([1, 2, 3, 4], [0.1, x, y, 0.99]);
  close(c.spearman, 4.5 / Math.sqrt(5 * 4.5), 1e-12, 'ρ with the tie');
});
