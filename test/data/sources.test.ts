import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  loadDatasetSync,
  loadDataset,
  listDatasets,
  clearDatasetCache,
  checkDataDir,
} from '../../src/data/load.js';
import { DataError } from '../../src/data/errors.js';
import type { ArrayDataset } from '../../src/data/types.js';
import { FASHION_MNIST_SYSTEM_DIR } from '../../src/data/sources/fashion-mnist.js';
import { loadIdxPair } from '../../src/data/sources/idx-pair.js';

function histogram(ds: ArrayDataset): number[] {
  const h = new Array<number>(ds.numClasses).fill(0);
  for (const v of ds.y) h[v]++;
  return h;
}

function meanStd(x: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const v of x) {
    s += v;
    s2 += v * v;
  }
  const mean = s / x.length;
  return { mean, std: Math.sqrt(s2 / x.length - mean * mean) };
}

function range(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

test('mnist: 60000/10000, the published class counts, pixels in [0,1] with the usual mean/std', () => {
  const { train, val, test: te } = loadDatasetSync('mnist', { valFraction: 0 });
  assert.equal(train.n, 60000);
  assert.equal(val.n, 0);
  assert.equal(te.n, 10000);
  assert.deepEqual(train.sampleShape, [1, 28, 28]);
  assert.equal(train.x.length, 60000 * 784);
  // Class counts of the MNIST training and test sets as published (e.g. in torchvision / TF dataset cards).
  assert.deepEqual(histogram(train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.deepEqual(histogram(te), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  assert.deepEqual([...te.y.subarray(0, 8)], [7, 2, 1, 0, 4, 1, 4, 9]);
  assert.deepEqual(range(train.x), [0, 1]);
  // The normalisation constants every MNIST tutorial uses: mean 0.1307, std 0.3081.
  const { mean, std } = meanStd(train.x);
  assert.ok(Math.abs(mean - 0.1307) < 5e-4, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.3081) < 5e-4, `std ${std}`);
});

test('mnist: default split is 54000/6000/10000 and repeated loads are served from the cache', async () => {
  const a = await loadDataset('mnist');
  assert.equal(a.train.n, 54000);
  assert.equal(a.val.n, 6000);
  assert.equal(a.test.n, 10000);
  const t0 = Date.now();
  const b = await loadDataset('mnist');
  assert.ok(Date.now() - t0 < 50, 'cached');
  assert.equal(b.train.x, a.train.x);
});

test('fashion-mnist: installed by setup, 60000/10000, 6000/1000 per class', () => {
  assert.ok(
    existsSync(FASHION_MNIST_SYSTEM_DIR),
    `${FASHION_MNIST_SYSTEM_DIR} is missing: run \`npm run setup\` as root (apt-get install dataset-fashion-mnist)`,
  );
  const { train, test: te } = loadDatasetSync('fashion-mnist', { valFraction: 0 });
  assert.equal(train.n, 60000);
  assert.equal(te.n, 10000);
  assert.deepEqual(histogram(train), new Array(10).fill(6000));
  assert.deepEqual(histogram(te), new Array(10).fill(1000));
  assert.equal(train.classNames?.[9], 'Ankle boot');
  // Fashion-MNIST's widely quoted normalisation constants: mean 0.2860, std 0.3530.
  const { mean, std } = meanStd(train.x);
  assert.ok(Math.abs(mean - 0.286) < 5e-4, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.353) < 5e-4, `std ${std}`);
  clearDatasetCache();
});

function cifarRecord(label: number, value: (c: number, i: number) => number): Buffer {
  const rec = Buffer.alloc(3073);
  rec[0] = label;
  for (let c = 0; c < 3; c++) for (let i = 0; i < 1024; i++) rec[1 + c * 1024 + i] = value(c, i);
  return rec;
}

/** Writes a miniature cifar-10-batches-bin: batch b holds 2 records, test 3. */
function writeCifar(dir: string, opts: { meta?: string[]; gzipTest?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) {
    const recs = [0, 1].map((k) => cifarRecord((b * 2 + k) % 10, (c) => b * 10 + c));
    writeFileSync(join(dir, `data_batch_${b}.bin`), Buffer.concat(recs));
  }
  const test = Buffer.concat([0, 1, 2].map((k) => cifarRecord(k, (c, i) => (c === 0 ? 255 : i % 256))));
  if (opts.gzipTest) writeFileSync(join(dir, 'test_batch.bin.gz'), gzipSync(test));
  else writeFileSync(join(dir, 'test_batch.bin'), test);
  if (opts.meta) writeFileSync(join(dir, 'batches.meta.txt'), opts.meta.join('\n') + '\n\n');
}

function isDataError(re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'));
    assert.match(e.message, re);
    return true;
  };
}

test('cifar10: reads a folder or its cifar-10-batches-bin subfolder; CHW scaling; class names', () => {
  const root = mkdtempSync(join(tmpdir(), 'headroom-cifar-'));
  try {
    const names = ['a0', 'b1', 'c2', 'd3', 'e4', 'f5', 'g6', 'h7', 'i8', 'j9'];
    writeCifar(join(root, 'cifar-10-batches-bin'), { meta: names, gzipTest: true });
    const s = loadDatasetSync('cifar10', { dataDir: root, valFraction: 0 });
    assert.equal(s.train.n, 10);
    assert.equal(s.test.n, 3);
    assert.deepEqual(s.train.sampleShape, [3, 32, 32]);
    assert.deepEqual(s.train.classNames, names);
    // batch 1 record 0: label 2, channel c filled with 10 + c
    assert.equal(s.train.y[0], 2);
    assert.equal(s.train.x[0], Math.fround(10 / 255));
    assert.equal(s.train.x[1024], Math.fround(11 / 255));
    assert.equal(s.train.x[2048 + 5], Math.fround(12 / 255));
    // batch 5 record 1 is the last training row: label (5*2+1)%10 = 1, channel 2 = 52
    assert.equal(s.train.y[9], 1);
    assert.equal(s.train.x[9 * 3072 + 2048], Math.fround(52 / 255));
    assert.deepEqual([...s.test.y], [0, 1, 2]);
    assert.equal(s.test.x[0], 1);
    assert.equal(s.test.x[1024 + 300], Math.fround((300 % 256) / 255));
    // pointing at the subfolder itself works too; no meta file → the standard names
    const sub = join(root, 'plain');
    writeCifar(sub);
    const p = loadDatasetSync('cifar10', { dataDir: sub, valFraction: 0 });
    assert.equal(p.train.classNames?.[0], 'airplane');
    assert.equal(listDatasets({ dataDir: sub }).find((d) => d.name === 'cifar10')?.available, true);
  } finally {
    rmSync(root, { recursive: true, force: true });
    clearDatasetCache();
  }
});

test('cifar10 errors: no folder, wrong folder, missing batch, truncated batch', () => {
  const root = mkdtempSync(join(tmpdir(), 'headroom-cifar-'));
  const saved = process.env.HEADROOM_DATA;
  try {
    delete process.env.HEADROOM_DATA;
    assert.throws(() => loadDatasetSync('cifar10'), isDataError(/cifar10: no data folder given.*--data-dir/));
    assert.throws(
      () => loadDatasetSync('cifar10', { dataDir: root }),
      isDataError(/no data_batch_1\.bin in .*cifar-10-batches-bin.*cifar-10-binary\.tar\.gz/),
    );
    writeCifar(root);
    rmSync(join(root, 'data_batch_3.bin'));
    assert.throws(
      () => loadDatasetSync('cifar10', { dataDir: root }),
      isDataError(new RegExp(`missing file ${root}/data_batch_3\\.bin.*--data-dir`)),
    );
    writeFileSync(join(root, 'data_batch_3.bin'), Buffer.alloc(3073 + 17));
    assert.throws(
      () => loadDatasetSync('cifar10', { dataDir: root }),
      isDataError(/data_batch_3\.bin: truncated/),
    );
    // HEADROOM_DATA is the fallback folder
    writeCifar(root);
    process.env.HEADROOM_DATA = root;
    assert.equal(loadDatasetSync('cifar10', { valFraction: 0 }).train.n, 10);
  } finally {
    if (saved === undefined) delete process.env.HEADROOM_DATA;
    else process.env.HEADROOM_DATA = saved;
    rmSync(root, { recursive: true, force: true });
    clearDatasetCache();
  }
});

test('IDX folders: missing file and mismatched image/label counts (fashion-mnist via --data-dir)', () => {
  const root = mkdtempSync(join(tmpdir(), 'headroom-idx-'));
  const header = (magic: number, dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  const images = (n: number): Buffer =>
    Buffer.concat([header(0x803, [n, 28, 28]), Buffer.alloc(n * 784, 128)]);
  const labels = (n: number): Buffer =>
    Buffer.concat([header(0x801, [n]), Buffer.from(Array.from({ length: n }, (_, i) => i % 10))]);
  try {
    const dir = join(root, 'fashion-mnist');
    mkdirSync(dir);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images(20)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels(20));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(5));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(4));
    assert.throws(
      () => loadDatasetSync('fashion-mnist', { dataDir: root }),
      isDataError(
        /fashion-mnist: .*t10k-images-idx3-ubyte has 5 images but .*t10k-labels-idx1-ubyte has 4 labels/,
      ),
    );
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(5));
    const s = loadDatasetSync('fashion-mnist', { dataDir: root, valFraction: 0 });
    assert.equal(s.train.n, 20);
    assert.equal(s.train.x[100], Math.fround(128 / 255));
    assert.deepEqual([...s.test.y], [0, 1, 2, 3, 4]);
    clearDatasetCache();
    // With a file gone, the folder no longer qualifies, so the loader falls back to the system folder; read the
    // file-level message directly through the IDX-pair loader instead.
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    assert.throws(
      () =>
        loadIdxPair(
          dir,
          't10k-images-idx3-ubyte',
          't10k-labels-idx1-ubyte',
          { name: 'x', numClasses: 10, classNames: [], rows: 28, cols: 28 },
          'how to fix',
        ),
      isDataError(new RegExp(`missing file ${dir}/t10k-labels-idx1-ubyte\\.gz; how to fix`)),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
    clearDatasetCache();
  }
});

test('mnist reads a --data-dir (or its mnist/ subfolder) that holds its files; 27×27 images are refused', () => {
  const root = mkdtempSync(join(tmpdir(), 'headroom-mnist-dir-'));
  const idx = (magic: number, dims: number[], fill: (i: number) => number): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    const n = dims.reduce((a, d) => a * d, 1);
    return Buffer.concat([b, Buffer.from(Array.from({ length: n }, (_, i) => fill(i)))]);
  };
  const write = (dir: string, side: number): void => {
    mkdirSync(dir, { recursive: true });
    for (const [name, n] of [
      ['train', 30],
      ['t10k', 10],
    ] as const) {
      writeFileSync(
        join(dir, `${name}-images-idx3-ubyte`),
        idx(0x803, [n, side, side], () => 7),
      );
      writeFileSync(
        join(dir, `${name}-labels-idx1-ubyte`),
        idx(0x801, [n], (i) => i % 10),
      );
    }
  };
  const saved = process.env.HEADROOM_DATA;
  try {
    delete process.env.HEADROOM_DATA;
    write(join(root, 'mnist'), 28);
    const s = loadDatasetSync('mnist', { dataDir: root, valFraction: 0 });
    assert.equal(s.train.n, 30, 'the folder, not the packaged 60000');
    assert.equal(s.test.n, 10);
    assert.equal(
      listDatasets({ dataDir: root }).find((d) => d.name === 'mnist')?.location,
      join(root, 'mnist'),
    );
    clearDatasetCache();
    write(join(root, 'mnist'), 27);
    assert.throws(
      () => loadDatasetSync('mnist', { dataDir: root }),
      isDataError(/train-images-idx3-ubyte: images are 27×27, but mnist images are 28×28/),
    );
    assert.doesNotThrow(() => checkDataDir(root, ['mnist']));
    assert.throws(() => checkDataDir(join(root, 'nope'), ['mnist']), isDataError(/nope: no such folder/));
    assert.throws(
      () => checkDataDir(root, ['fashion-mnist']),
      isDataError(/does not hold fashion-mnist: no train-images-idx3-ubyte.*drop --data-dir/),
    );
    assert.throws(
      () => checkDataDir(root, ['spirals']),
      isDataError(/spirals is generated; drop --data-dir/),
    );
    clearDatasetCache();
    process.env.HEADROOM_DATA = join(root, 'missing');
    assert.throws(() => loadDatasetSync('mnist'), isDataError(/HEADROOM_DATA=.*missing is not a folder/));
    assert.equal(loadDatasetSync('spirals').train.numClasses, 2, 'generated data read no folder');
  } finally {
    if (saved === undefined) delete process.env.HEADROOM_DATA;
    else process.env.HEADROOM_DATA = saved;
    rmSync(root, { recursive: true, force: true });
    clearDatasetCache();
  }
});

test('unknown dataset names list the known ones', () => {
  assert.throws(
    () => loadDatasetSync('mnsit'),
    isDataError(/unknown dataset 'mnsit'.*mnist, fashion-mnist, cifar10, spirals, sine/),
  );
});

test('spirals: 2-D, 2 balanced classes, interleaved (1-NN works, a linear rule does not)', () => {
  const { train, val, test: te } = loadDatasetSync('spirals');
  assert.deepEqual(train.sampleShape, [2]);
  assert.equal(train.numClasses, 2);
  assert.equal(train.n + val.n, 2000);
  assert.equal(te.n, 1000);
  assert.deepEqual(histogram(te), [500, 500]);
  const nearest = (qx: number, qy: number): number => {
    let best = Infinity;
    let label = -1;
    for (let i = 0; i < train.n; i++) {
      const d = (train.x[2 * i] - qx) ** 2 + (train.x[2 * i + 1] - qy) ** 2;
      if (d < best) {
        best = d;
        label = train.y[i];
      }
    }
    return label;
  };
  let nnCorrect = 0;
  for (let i = 0; i < te.n; i++) if (nearest(te.x[2 * i], te.x[2 * i + 1]) === te.y[i]) nnCorrect++;
  assert.ok(nnCorrect / te.n > 0.9, `1-NN accuracy ${nnCorrect / te.n}`);
  // Best of many linear rules through the origin stays near chance: the classes are point reflections of each other.
  let bestLinear = 0;
  for (let a = 0; a < 180; a += 5) {
    const c = Math.cos((a * Math.PI) / 180);
    const s = Math.sin((a * Math.PI) / 180);
    let ok = 0;
    for (let i = 0; i < te.n; i++) if ((c * te.x[2 * i] + s * te.x[2 * i + 1] > 0 ? 1 : 0) === te.y[i]) ok++;
    bestLinear = Math.max(bestLinear, ok / te.n, 1 - ok / te.n);
  }
  assert.ok(bestLinear < 0.7, `linear ${bestLinear}`);
});

test('sine: x in [1, 10], yReal = sin(x), regression (numClasses 0); test is an even grid', () => {
  const { train, test: te } = loadDatasetSync('sine', { valFraction: 0 });
  assert.equal(train.numClasses, 0);
  assert.deepEqual(train.sampleShape, [1]);
  assert.equal(train.n, 1000);
  assert.ok(train.yReal);
  for (let i = 0; i < train.n; i++) {
    assert.ok(train.x[i] >= 1 && train.x[i] <= 10);
    assert.ok(Math.abs(train.yReal[i] - Math.sin(train.x[i])) < 1e-6);
  }
  assert.equal(te.x[0], 1);
  assert.equal(te.x[te.n - 1], 10);
  assert.ok(Math.abs(te.x[1] - te.x[0] - 9 / (te.n - 1)) < 1e-5);
});
