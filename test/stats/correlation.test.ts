import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correlation, correlationP, holm, ranks, versusBaseline, welchT } from '../../src/stats/index.js';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
}

test('ranks: ties share their average rank', () => {
  assert.deepEqual(ranks([3, 1, 4, 1, 5, 9, 2, 6, 5]), [4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5]);
  assert.deepEqual(ranks([]), []);
});

test('correlation: worked example by hand, Pearson and Spearman with ties', () => {
  // x = 1..5, y = (2,4,5,4,5): Sxy = 6, Sxx = 10, Syy = 6 → r = 6/√60; ranks of y = (1,2.5,4.5,2.5,4.5) → ρ = 7/√90.
  const c = correlation([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
  assert.equal(c.n, 5);
  close(c.pearson, 6 / Math.sqrt(60), 1e-12, 'r');
  close(c.spearman, 7 / Math.sqrt(90), 1e-12, 'ρ');
});

test('correlation: exact lines give ±1, a monotone curve gives ρ = 1 but r < 1, constants give NaN', () => {
  const x = [0, 1, 2, 3, 4, 5];
  const up = correlation(
    x,
    x.map((v) => 3 * v - 7),
  );
  close(up.pearson, 1, 1e-12);
  assert.equal(up.pearsonP, 0);
  close(
    correlation(
      x,
      x.map((v) => -0.5 * v),
    ).pearson,
    -1,
    1e-12,
  );
  const curve = correlation(
    x,
    x.map((v) => Math.exp(v)),
  );
  close(curve.spearman, 1, 1e-12);
  assert.ok(curve.pearson < 0.95, `r ${curve.pearson}`);
  assert.ok(
    Number.isNaN(
      correlation(
        x,
        x.map(() => 2),
      ).pearson,
    ),
  );
});

test('correlation drops non-finite pairs and refuses unequal lengths', () => {
  const c = correlation([1, 2, NaN, 4, 5], [2, 4, 9, 4, 5]);
  assert.equal(c.n, 4);
  close(c.pearson, correlation([1, 2, 4, 5], [2, 4, 4, 5]).pearson, 0);
  assert.throws(() => correlation([1, 2], [1]), /x has 2 values, y has 1/);
});

test('correlationP: critical values of r at α = 0.05 (two-sided) from the standard table', () => {
  for (const [df, rCrit] of [
    [3, 0.8783],
    [6, 0.7067],
    [8, 0.6319],
    [20, 0.4227],
  ] as const) {
    close(correlationP(rCrit, df + 2), 0.05, 5e-4, `df ${df}`);
  }
  close(correlationP(0, 10), 1, 1e-12);
  assert.ok(Number.isNaN(correlationP(0.5, 2)));
});

test('versusBaseline: Welch per group, Holm across the tested groups, too-small groups left out', () => {
  const base = [0.9, 0.91, 0.92, 0.905];
  const a = [0.95, 0.96, 0.955, 0.965];
  const b = [0.9, 0.915, 0.91, 0.9];
  const groups = new Map<string, number[]>([
    ['base', base],
    ['a', a],
    ['b', b],
    ['single', [0.99]],
  ]);
  const out = versusBaseline(groups, 'base');
  assert.deepEqual([...out.keys()].sort(), ['a', 'b']);
  const wa = welchT(a, base);
  const wb = welchT(b, base);
  const adj = holm([wa.p, wb.p]);
  close(out.get('a')!.delta, wa.diff, 1e-15);
  close(out.get('a')!.p, wa.p, 1e-15);
  close(out.get('a')!.pHolm, adj[0], 1e-15);
  close(out.get('b')!.pHolm, adj[1], 1e-15);
  assert.deepEqual(out.get('b')!.ci, wb.ci);
  assert.ok(out.get('a')!.pHolm < 0.05 && out.get('b')!.pHolm > 0.05);
  assert.equal(versusBaseline(groups, 'missing').size, 0);
  assert.equal(versusBaseline(groups, 'single').size, 0);
});

test('versusBaseline: identical constant groups count as p = 1, not as a missing test', () => {
  const out = versusBaseline(
    new Map([
      ['base', [1, 1, 1]],
      ['same', [1, 1]],
    ]),
    'base',
  );
  assert.equal(out.get('same')!.p, 1);
  assert.equal(out.get('same')!.pHolm, 1);
});
