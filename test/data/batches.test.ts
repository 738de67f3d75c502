import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceBatches, onDevice } from '../../src/data/batches.js';
import { batchIndices } from '../../src/data/batch-indices.js';
import { loadDatasetSync } from '../../src/data/load.js';
import { liveTensorCount, setNumThreads } from '../../src/engine/index.js';
import type { ArrayDataset } from '../../src/data/types.js';

setNumThreads(Number(process.env.HEADROOM_THREADS ?? 1));

/** Row i: x = [i, i + 0.5, -i] as a [1, 3] sample, label i % 4. */
function tagged(n: number): ArrayDataset {
  const x = new Float32Array(3 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x.set([i, i + 0.5, -i], 3 * i);
    y[i] = i % 4;
  }
  return { name: 't', x, y, n, sampleShape: [1, 3], numClasses: 4 };
}

test('deviceBatches: float32 x [b, ...sampleShape] and int64 y [b], rows in batchIndices order', () => {
  const ds = tagged(23);
  const split = onDevice(ds, 'cpu');
  assert.equal(onDevice(ds, 'cpu'), split, 'uploaded once');
  assert.equal(split.x.device, 'cpu');
  const live = liveTensorCount();
  const opts = { shuffle: true, seed: 5, epoch: 2 };
  const expected = [...batchIndices(23, 8, opts)].map((b) => [...b]);
  let k = 0;
  for (const batch of deviceBatches(split, 8, opts)) {
    const idx = expected[k++];
    assert.equal(batch.size, idx.length);
    assert.deepEqual(batch.x.shape, [idx.length, 1, 3]);
    assert.equal(batch.x.dtype, 'float32');
    assert.equal(batch.y.dtype, 'int64');
    assert.deepEqual(batch.y.shape, [idx.length]);
    assert.deepEqual(
      batch.x.toNumbers(),
      idx.flatMap((i) => [i, i + 0.5, -i]),
    );
    assert.deepEqual(
      batch.y.toNumbers(),
      idx.map((i) => i % 4),
    );
    batch.x.dispose();
    batch.y.dispose();
  }
  assert.equal(k, 3);
  assert.equal(liveTensorCount(), live, 'no tensor left behind');
});

test('deviceBatches: in order without shuffle, and limit keeps the first rows only', () => {
  const split = onDevice(tagged(10), 'cpu');
  const got = [...deviceBatches(split, 4, { limit: 7 })].map((b) => b.y.toNumbers());
  assert.deepEqual(got, [
    [0, 1, 2, 3],
    [0, 1, 2],
  ]);
});

test('deviceBatches: regression targets come as float32 [b, 1]', () => {
  const ds: ArrayDataset = {
    ...tagged(5),
    numClasses: 0,
    yReal: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5]),
  };
  const all = [...deviceBatches(onDevice(ds, 'cpu'), 4)];
  const first = all[0];
  assert.equal(first.y.dtype, 'float32');
  assert.deepEqual(first.y.shape, [4, 1]);
  assert.deepEqual(first.y.toNumbers(), [0.1, 0.2, 0.3, 0.4].map(Math.fround));
  assert.deepEqual(all[1].y.toNumbers(), [Math.fround(0.5)]);
  for (const b of all) {
    b.x.dispose();
    b.y.dispose();
  }
});

test('deviceBatches over MNIST: one epoch covers every training row once, quickly', () => {
  const { train } = loadDatasetSync('mnist', { trainLimit: 20000 });
  const t0 = performance.now();
  let rows = 0;
  const labelCounts = new Array(10).fill(0);
  for (const b of deviceBatches(onDevice(train, 'cpu'), 128, { shuffle: true, seed: 1, epoch: 1 })) {
    rows += b.size;
    for (const v of b.y.toNumbers()) labelCounts[v]++;
    b.x.dispose();
    b.y.dispose();
  }
  const ms = performance.now() - t0;
  assert.equal(rows, 20000);
  const expected = new Array(10).fill(0);
  for (const v of train.y) expected[v]++;
  assert.deepEqual(labelCounts, expected);
  assert.ok(ms < 5000, `${ms} ms for 20000 rows`);
});
