import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  summarize,
  welchT,
  holm,
  bootstrapCI,
  median,
  lnGamma,
  betai,
  tCdf,
  tQuantile,
} from '../../src/stats/index.js';
import { Rng } from '../../src/data/rng.js';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (tol ${tol})`);
}

test('lnGamma against factorials and Γ(1/2) = √π', () => {
  let fact = 1;
  for (let n = 1; n <= 20; n++) {
    close(lnGamma(n), Math.log(fact), 1e-12 * Math.max(1, Math.log(fact)), `lnΓ(${n})`);
    fact *= n;
  }
  close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
  close(lnGamma(10.3), 13.482036786138359, 1e-11, 'scipy gammaln(10.3)');
});

test('betai against closed forms and scipy.special.betainc', () => {
  for (const x of [0.01, 0.2, 0.5, 0.77, 0.999]) {
    close(betai(1, 1, x), x, 1e-13, 'I_x(1,1)');
    close(betai(3.5, 1, x), x ** 3.5, 1e-13, 'I_x(a,1)');
    close(betai(1, 2.5, x), 1 - (1 - x) ** 2.5, 1e-13, 'I_x(1,b)');
    // arcsine law: I_x(1/2, 1/2) = (2/π) asin(√x)
    close(betai(0.5, 0.5, x), (2 / Math.PI) * Math.asin(Math.sqrt(x)), 1e-12, 'I_x(.5,.5)');
  }
  close(betai(2.5, 0.5, 0.3), 0.018927124071945658, 1e-13);
  close(betai(10, 3, 0.8), 0.5583457484800002, 1e-13);
  assert.equal(betai(2, 3, 0), 0);
  assert.equal(betai(2, 3, 1), 1);
});

test('t CDF against the closed forms for df = 1 (Cauchy) and df = 2', () => {
  for (const t of [-30, -3, -1, -0.2, 0, 0.4, 1.5, 7, 100]) {
    close(tCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13, `df1 t=${t}`);
    close(tCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13, `df2 t=${t}`);
  }
  close(tCdf(-2.0, 3.7), 0.06090860095261699, 1e-12, 'scipy t.cdf(-2, 3.7)');
  close(1 - tCdf(8, 2), 0.00763403608266907, 1e-12, 'scipy t.sf(8, 2)');
});

test('t quantiles: the table values', () => {
  close(tQuantile(0.975, 4), 2.7764451, 1e-7);
  close(tQuantile(0.975, 1), 12.7062047, 1e-7);
  close(tQuantile(0.025, 1), -12.7062047, 1e-7);
  close(tQuantile(0.975, 2.5), 3.5746548420036817, 1e-9, 'scipy df=2.5');
  close(tQuantile(0.995, 30), 2.7499956535672254, 1e-9, 'scipy df=30');
  close(tQuantile(0.975, 1000), 1.9623390808264083, 1e-9, 'scipy df=1000');
  // df = 2 has an explicit inverse: t = (2p−1)·√(2 / (4p(1−p)))
  for (const p of [0.6, 0.9, 0.999])
    close(tQuantile(p, 2), (2 * p - 1) * Math.sqrt(2 / (4 * p * (1 - p))), 1e-10, `df2 p=${p}`);
  assert.equal(tQuantile(0.5, 7), 0);
});

test('summarize: mean, sd, t interval; n = 1 and n = 0 edge cases', () => {
  const s = summarize([1, 2, 3, 4, 5]);
  assert.equal(s.n, 5);
  assert.equal(s.mean, 3);
  close(s.sd, Math.sqrt(2.5), 1e-15);
  const half = (2.7764451 * Math.sqrt(2.5)) / Math.sqrt(5);
  close(s.ci[0], 3 - half, 1e-6);
  close(s.ci[1], 3 + half, 1e-6);
  const s90 = summarize([1, 2, 3, 4, 5], 0.9);
  close(s90.ci[1] - 3, (2.1318468 * Math.sqrt(2.5)) / Math.sqrt(5), 1e-6); // t_{0.95,4} = 2.1318468
  const one = summarize([0.98]);
  assert.deepEqual(one.ci, [0.98, 0.98]);
  assert.ok(Number.isNaN(one.sd));
  const none = summarize([]);
  assert.ok(Number.isNaN(none.mean) && Number.isNaN(none.ci[0]));
  assert.deepEqual(summarize([2, 2, 2]).ci, [2, 2]);
});

test('Welch: hand-computed df = 2 case with the closed-form p-value', () => {
  // a = [0, 2], b = [3, 5]: variances 2 and 2, se = √2, t = −3/√2, df = (1+1)² / (1 + 1) = 2
  const r = welchT([0, 2], [3, 5]);
  const t = -3 / Math.SQRT2;
  close(r.t, t, 1e-14);
  close(r.df, 2, 1e-12);
  close(r.p, 1 - Math.abs(t) / Math.sqrt(2 + t * t), 1e-13);
  assert.equal(r.diff, -3);
});

test('Welch: unequal sizes and variances against scipy.stats.ttest_ind(equal_var=False)', () => {
  const a = [0.9812, 0.979, 0.9805, 0.9821, 0.9799];
  const b = [0.977, 0.9781, 0.9755, 0.979, 0.9768, 0.9802];
  const r = welchT(a, b);
  close(r.t, 3.1888397214327724, 1e-9);
  close(r.df, 8.820817496350383, 1e-9);
  close(r.p, 0.011311511770797589, 1e-10);
  const r2 = welchT([19.1, 20.3, 18.7, 21.5, 19.9, 20.8, 22.1], [17.2, 25.9, 15.1, 28.4, 19.7]);
  close(r2.t, -0.35472785931777034, 1e-10);
  close(r2.df, 4.268576587343135, 1e-9);
  close(r2.p, 0.7396315167721068, 1e-10);
  // the interval for the difference excludes 0 exactly when p < 0.05
  assert.ok(r.ci[0] > 0);
  assert.ok(r2.ci[0] < 0 && r2.ci[1] > 0);
});

test('Welch edge cases: tiny samples, constant samples', () => {
  assert.ok(Number.isNaN(welchT([1], [2, 3]).p));
  assert.equal(welchT([1, 1, 1], [1, 1]).p, 1);
  const d = welchT([2, 2], [1, 1]);
  assert.equal(d.p, 0);
  assert.equal(d.t, Infinity);
});

test('Welch p is uniform under the null (seeded simulation)', () => {
  const rng = new Rng('welch-null');
  const sims = 2000;
  let below05 = 0;
  let below20 = 0;
  for (let k = 0; k < sims; k++) {
    // unequal variances and sizes: exactly the case Welch is for
    const a = Array.from({ length: 5 }, () => 1 + rng.normal());
    const b = Array.from({ length: 8 }, () => 1 + 3 * rng.normal());
    const { p } = welchT(a, b);
    if (p < 0.05) below05++;
    if (p < 0.2) below20++;
  }
  const f05 = below05 / sims;
  const f20 = below20 / sims;
  assert.ok(f05 >= 0.03 && f05 <= 0.07, `P(p<0.05) = ${f05}`);
  assert.ok(f20 >= 0.17 && f20 <= 0.23, `P(p<0.2) = ${f20}`);
  // and it has power against a real difference
  let rejects = 0;
  for (let k = 0; k < 300; k++) {
    const a = Array.from({ length: 10 }, () => rng.normal());
    const b = Array.from({ length: 10 }, () => 1.5 + rng.normal());
    if (welchT(a, b).p < 0.05) rejects++;
  }
  assert.ok(rejects / 300 > 0.8, `power ${rejects / 300}`);
});

test('Holm: textbook example, monotone, capped at 1, NaN passes through', () => {
  const adj = holm([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((e, i) => close(adj[i], e, 1e-15));
  assert.deepEqual(holm([0.5, 0.6]), [1, 1]);
  assert.deepEqual(holm([]), []);
  const withNaN = holm([0.01, NaN, 0.02]);
  close(withNaN[0], 0.02, 1e-15);
  assert.ok(Number.isNaN(withNaN[1]));
  close(withNaN[2], 0.02, 1e-15);
  const rng = new Rng('holm');
  const ps = Array.from({ length: 30 }, () => rng.next() ** 3);
  const h = holm(ps);
  for (let i = 0; i < ps.length; i++) {
    assert.ok(h[i] >= ps[i] && h[i] <= 1);
    for (let j = 0; j < ps.length; j++) if (ps[i] < ps[j]) assert.ok(h[i] <= h[j]);
  }
});

test('bootstrapCI: seeded, and close to the normal-theory interval for a mean', () => {
  const rng = new Rng('boot-data');
  const xs = Array.from({ length: 200 }, () => 5 + 2 * rng.normal());
  const mean = (s: number[]): number => s.reduce((a, b) => a + b, 0) / s.length;
  const a = bootstrapCI(xs, mean, { seed: 1 });
  const b = bootstrapCI(xs, mean, { seed: 1 });
  const c = bootstrapCI(xs, mean, { seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.ci, c.ci);
  close(a.estimate, mean(xs), 1e-12);
  const s = summarize(xs);
  const tWidth = s.ci[1] - s.ci[0];
  const bWidth = a.ci[1] - a.ci[0];
  assert.ok(Math.abs(bWidth / tWidth - 1) < 0.15, `widths ${bWidth} vs ${tWidth}`);
  assert.ok(a.ci[0] < a.estimate && a.estimate < a.ci[1]);
  // a constant sample has a degenerate interval
  assert.deepEqual(bootstrapCI([3, 3, 3], mean, { iters: 50 }).ci, [3, 3]);
});

test('median: middle value, mean of the two middle ones, non-finite values left out, null when none is finite', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, NaN, 1, Infinity, 3]), 3);
  assert.equal(median([NaN]), null);
  assert.equal(median([]), null);
});
