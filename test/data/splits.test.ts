import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitTrainVal, subsetByClasses, takeRows } from '../../src/data/splits.js';
import { batchIndices, batchCount } from '../../src/data/batch-indices.js';
import { Rng, permutation } from '../../src/data/rng.js';
import { DataError } from '../../src/data/errors.js';
import type { ArrayDataset } from '../../src/data/types.js';

/** Row i has x = [i, -i] and label i % classes, so every row can be traced back to its origin. */
function tagged(n: number, classes = 10): ArrayDataset {
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    y[i] = i % classes;
  }
  return {
    name: 't',
    x,
    y,
    n,
    sampleShape: [2],
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
  };
}

const origins = (ds: ArrayDataset): number[] => Array.from({ length: ds.n }, (_, i) => ds.x[2 * i]);

test('split sizes: 10% validation by default, trainLimit caps train only', () => {
  const ds = tagged(1000);
  const a = splitTrainVal(ds);
  assert.equal(a.val.n, 100);
  assert.equal(a.train.n, 900);
  const b = splitTrainVal(ds, { valFraction: 0.25, trainLimit: 300 });
  assert.equal(b.val.n, 250);
  assert.equal(b.train.n, 300);
  const c = splitTrainVal(ds, { trainLimit: 5000 });
  assert.equal(c.train.n, 900);
  assert.equal(splitTrainVal(tagged(7), { valFraction: 0.1 }).val.n, 1); // round(0.7)
  assert.equal(splitTrainVal(ds, { valFraction: 0 }).train.n, 1000);
});

test('split rows are consistent, disjoint, and cover the training set', () => {
  const ds = tagged(1000);
  const { train, val } = splitTrainVal(ds, { seed: 3 });
  for (const part of [train, val]) {
    for (let i = 0; i < part.n; i++) {
      const o = part.x[2 * i];
      assert.equal(part.x[2 * i + 1], -o);
      assert.equal(part.y[i], o % 10);
    }
  }
  const tr = new Set(origins(train));
  const va = new Set(origins(val));
  assert.equal(tr.size, train.n);
  assert.equal(va.size, val.n);
  for (const v of va) assert.ok(!tr.has(v));
  assert.equal(tr.size + va.size, 1000);
  // with a train limit, the limited train part is still disjoint from the same validation set
  const lim = splitTrainVal(ds, { seed: 3, trainLimit: 100 });
  assert.deepEqual(origins(lim.val), origins(val));
  for (const o of origins(lim.train)) assert.ok(tr.has(o));
});

test('splits are deterministic per seed, differ across seeds, and are not a prefix', () => {
  const ds = tagged(500);
  const a = origins(splitTrainVal(ds, { seed: 1 }).val);
  const b = origins(splitTrainVal(ds, { seed: 1 }).val);
  const c = origins(splitTrainVal(ds, { seed: 2 }).val);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(Math.max(...a) > 100, 'validation rows are spread over the set');
  // roughly uniform over the set: mean origin near the middle
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean - 249.5) < 60, `mean ${mean}`);
});

test('split options are validated', () => {
  const ds = tagged(10);
  assert.throws(() => splitTrainVal(ds, { valFraction: 1 }), DataError);
  assert.throws(() => splitTrainVal(ds, { valFraction: -0.1 }), DataError);
  assert.throws(() => splitTrainVal(ds, { trainLimit: 0 }), /train-limit/);
  assert.throws(() => splitTrainVal(ds, { trainLimit: 2.5 }), DataError);
});

test('takeRows keeps yReal for regression data', () => {
  const ds: ArrayDataset = {
    ...tagged(5, 1),
    numClasses: 0,
    yReal: new Float32Array([0.5, 1.5, 2.5, 3.5, 4.5]),
  };
  const t = takeRows(ds, [4, 0]);
  assert.deepEqual([...t.yReal!], [4.5, 0.5]);
  assert.deepEqual([...t.x], [4, -4, 0, -0]);
});

test('subsetByClasses keeps the listed classes and relabels them 0..k-1 in the given order', () => {
  const ds = tagged(100);
  const s = subsetByClasses(ds, [7, 2, 5]);
  assert.equal(s.n, 30);
  assert.equal(s.numClasses, 3);
  assert.deepEqual(s.classNames, ['c7', 'c2', 'c5']);
  for (let i = 0; i < s.n; i++) {
    const origLabel = s.x[2 * i] % 10;
    assert.equal(s.y[i], [7, 2, 5].indexOf(origLabel));
  }
  assert.throws(() => subsetByClasses(ds, [1, 1]), DataError);
  assert.throws(() => subsetByClasses(ds, [10]), DataError);
  assert.throws(() => subsetByClasses(ds, []), DataError);
});

test('batchIndices: all rows exactly once per epoch, sizes, deterministic per (seed, epoch)', () => {
  const epochOrder = (seed: number, epoch: number): number[] =>
    [...batchIndices(103, 10, { shuffle: true, seed, epoch })].flatMap((b) => [...b]);
  const sizes = [...batchIndices(103, 10)].map((b) => b.length);
  assert.deepEqual(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
  assert.equal(batchCount(103, 10), 11);
  assert.equal([...batchIndices(103, 10, { dropLast: true })].length, batchCount(103, 10, true));
  assert.deepEqual(
    [...batchIndices(5, 2)].map((b) => [...b]),
    [[0, 1], [2, 3], [4]],
  );
  const e0 = epochOrder(7, 0);
  assert.deepEqual(
    [...e0].sort((a, b) => a - b),
    Array.from({ length: 103 }, (_, i) => i),
  );
  assert.deepEqual(epochOrder(7, 0), e0);
  assert.notDeepEqual(epochOrder(7, 1), e0);
  assert.notDeepEqual(epochOrder(8, 0), e0);
  assert.throws(() => [...batchIndices(10, 0)], RangeError);
});

test('Rng: uniform in [0,1), unbiased ints, normal moments, permutations', () => {
  const r = new Rng(42);
  const n = 20000;
  let s = 0;
  const counts = new Array(6).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    s += u;
    counts[r.int(6)]++;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.01);
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 6) < 0.015);
  let m = 0;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    m += z;
    m2 += z * z;
  }
  assert.ok(Math.abs(m / n) < 0.03);
  assert.ok(Math.abs(m2 / n - 1) < 0.04);
  assert.deepEqual([...permutation(50, new Rng(1))], [...permutation(50, new Rng(1))]);
  assert.notDeepEqual([...permutation(50, new Rng(1))], [...permutation(50, new Rng(2))]);
  // seeds beyond 2^32 are distinct streams
  assert.notEqual(new Rng(1).next(), new Rng(2 ** 32 + 1).next());
});
