// defineHead, defineDataset and defineModel from the package entry (src/index.ts), in this process: what they add, the
// gradients of defined heads (finite differences), the checks made when a definition is made, and fit() on them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad, scope, setNumThreads, type Tensor } from '../../src/engine/index.js';
import { compare, defineDataset, defineHead, defineModel, fit, heads, nn } from '../../src/index.js';
import { listDatasets, loadDataset } from '../../src/data/index.js';
import { getModel } from '../../src/nn/models/index.js';
import { assertClose, f64, finiteDiff, i64, makeCase, softmaxJs, type HeadCase } from '../heads/helpers.js';

setNumThreads(1);

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = join(import.meta.dirname, '..', '..');
const TOL = { abs: 1e-6, rel: 1e-5 };

// Three heads, one per kind of definition; every test below may use them.
defineHead({
  id: 'test-tempered-ce',
  title: 'Cross-entropy at temperature T',
  formula: 'L = −log softmax(z/T)_y',
  source: 'test',
  params: { temperature: 1 },
  validate: (p) => {
    if (!(p.temperature! > 0)) throw new Error('temperature must be > 0');
  },
  objective: ({ z, t, params }) => z.div(params.temperature!).logSoftmax(1).mul(t).sum(1).neg(),
});
defineHead({
  id: 'test-weighted-delta',
  title: 'Hardness-weighted softmax error',
  formula: 'δ = (1 + γ(1 − p_y))(p − t)',
  source: 'test',
  params: { gamma: 1 },
  deltaRule: ({ z, t, params }) => {
    const p = z.softmax(1);
    return p.sub(t).mul(p.mul(t).sum(1, true).neg().add(1).mul(params.gamma!).add(1));
  },
});
defineHead({
  id: 'test-softplus-act',
  title: 'softplus output, normalised',
  formula: 'q = a/Σa, a = log(1 + e^z); L = −log q_y',
  source: 'test',
  outputActivation: (z: Tensor) => z.exp().add(1).log(),
  base: 'ce-like',
});

function objectiveAndGrad(
  head: ReturnType<typeof heads.getHead>,
  cs: HeadCase,
): { value: number; grad: number[] } {
  return scope(() => {
    const z = f64(cs.z, [cs.b, cs.c], true);
    const obj = head.objective({ z, y: i64(cs.y), step: 0, numClasses: cs.c });
    obj.backward();
    return { value: obj.item(), grad: [...z.grad!.toFloat64Array()] };
  });
}

function fdGrad(head: ReturnType<typeof heads.getHead>, cs: HeadCase): number[] {
  return finiteDiff(
    (z) =>
      scope(() =>
        noGrad(() =>
          head.objective({ z: f64(z, [cs.b, cs.c]), y: i64(cs.y), step: 0, numClasses: cs.c }).item(),
        ),
      ),
    cs.z,
  );
}

test('an objective head: the stated loss, and ∂objective/∂z matches finite differences (default and T = 2.5)', () => {
  for (const params of [{}, { temperature: 2.5 }]) {
    const head = heads.getHead('test-tempered-ce', params);
    const T = head.params.temperature!;
    const cs = makeCase('linear', 5, 4, 31);
    const { value, grad } = objectiveAndGrad(head, cs);
    let want = 0;
    for (let b = 0; b < cs.b; b++) {
      const p = softmaxJs(cs.z.slice(b * cs.c, (b + 1) * cs.c).map((v) => v / T));
      want -= Math.log(p[cs.y[b]!]!) / cs.b;
    }
    assertClose([value], [want], { abs: 1e-12, rel: 1e-12 }, `value T=${T}`);
    assertClose(grad, fdGrad(head, cs), TOL, `gradient T=${T}`);
  }
});

test('an output-activation head: ∂objective/∂z matches finite differences', () => {
  const head = heads.getHead('test-softplus-act');
  const cs = makeCase('linear', 4, 5, 32);
  assertClose(objectiveAndGrad(head, cs).grad, fdGrad(head, cs), TOL, 'gradient');
});

test('a δ-rule head: δ is the stated formula and the body receives exactly δ/B', () => {
  for (const gamma of [1, 3]) {
    const head = heads.getHead('test-weighted-delta', { gamma });
    assert.equal(head.kind, 'delta-rule');
    const cs = makeCase('linear', 5, 4, 33);
    const want: number[] = [];
    for (let b = 0; b < cs.b; b++) {
      const p = softmaxJs(cs.z.slice(b * cs.c, (b + 1) * cs.c));
      const w = 1 + gamma * (1 - p[cs.y[b]!]!);
      for (let k = 0; k < cs.c; k++) want.push(w * (p[k]! - (k === cs.y[b] ? 1 : 0)));
    }
    const delta = scope(() => [
      ...head.delta!({
        z: f64(cs.z, [cs.b, cs.c]),
        y: i64(cs.y),
        step: 0,
        numClasses: cs.c,
      }).toFloat64Array(),
    ]);
    assertClose(delta, want, { abs: 1e-12, rel: 1e-12 }, `δ γ=${gamma}`);
    assertClose(
      objectiveAndGrad(head, cs).grad,
      want.map((d) => d / cs.b),
      { abs: 1e-12, rel: 1e-12 },
      'δ/B',
    );
  }
});

test('defined heads are listed after the catalogue, with the file that defined them', () => {
  const ids = heads.listHeads().map((h) => h.id);
  assert.deepEqual(ids.slice(-3), ['test-tempered-ce', 'test-weighted-delta', 'test-softplus-act']);
  assert.equal(ids[0], 'softmax-ce');
  assert.equal(heads.headOrigin('test-weighted-delta'), THIS_FILE);
  assert.equal(heads.headOrigin('softmax-ce'), undefined);
  assert.throws(() => heads.getHead('test-tempered-ce', { temperature: 0 }), /temperature must be > 0/);
});

test('a definition is checked when it is made: one line, exit code 2', () => {
  const base = { title: 't', formula: 'f', source: 's' };
  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'a built-in id',
      () => defineHead({ ...base, id: 'softmax-ce', objective: ({ z }) => z.sum(1) }),
      /head 'softmax-ce' is a built-in head/,
    ],
    [
      'an id defined before',
      () => defineHead({ ...base, id: 'test-tempered-ce', objective: ({ z }) => z.sum(1) }),
      /already defined by .*define\.test\.ts/,
    ],
    [
      'two rules',
      () =>
        defineHead({
          ...base,
          id: 'x1',
          objective: ({ z }: { z: Tensor }) => z.sum(1),
          deltaRule: ({ z }: { z: Tensor }) => z,
        } as never),
      /exactly one of objective, deltaRule or outputActivation \(got objective, deltaRule\)/,
    ],
    [
      'a loss per class instead of per example',
      () => defineHead({ ...base, id: 'x2', objective: ({ z, t }) => z.sub(t).square() }),
      /objective returned \[3, 4\]; return the loss per example \[B\] or a scalar/,
    ],
    [
      'a δ of the wrong shape',
      () => defineHead({ ...base, id: 'x3', deltaRule: ({ z }) => z.sum(1) }),
      /\[3, 4\]/,
    ],
    [
      'a loss without a gradient',
      () => defineHead({ ...base, id: 'x4', objective: ({ z }) => z.detach().sum(1) }),
      /no gradient reaches z/,
    ],
    [
      'a bad id',
      () => defineHead({ ...base, id: 'a,b', objective: ({ z }) => z.sum(1) }),
      /'id' must be letters, digits/,
    ],
    [
      'a non-numeric default',
      () => defineHead({ ...base, id: 'x5', params: { k: NaN }, objective: ({ z }) => z.sum(1) }),
      /parameter 'k' must default to a finite number/,
    ],
    [
      'an activation without its base',
      () => defineHead({ ...base, id: 'x6', outputActivation: (z: Tensor) => z } as never),
      /needs base: 'ce-like'/,
    ],
    [
      'a model with an unknown optimizer',
      () =>
        defineModel({
          id: 'x7',
          createBody: () => new nn.TrunkBody(new nn.Flatten(), 1),
          defaultOptimizer: { kind: 'lbfgs' as never, lr: 1 },
        }),
      /defaultOptimizer.kind' must be one of sgd/,
    ],
    [
      'a built-in dataset name',
      () => defineDataset({ name: 'mnist', load: () => ({}) as never }),
      /built-in dataset/,
    ],
    [
      'a folder in an unknown format',
      () => defineDataset({ name: 'x8', load: { format: 'parquet', dir: '.' } as never }),
      /load.format must be 'idx', 'cifar-binary' or 'csv'/,
    ],
  ];
  for (const [what, make, message] of cases) {
    let err: unknown;
    try {
      make();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof Error, `${what}: no error`);
    assert.match(err.message, message, what);
    assert.equal((err as { exitCode?: number }).exitCode, 2, what);
    assert.ok(!err.message.includes('\n'), `${what}: one line`);
  }
  // None of the refused definitions was added.
  assert.ok(!heads.listHeads().some((h) => /^x\d$/.test(h.id)));
});

test('defineDataset from arrays: split like a built-in dataset, listed with its file; bad arrays fail on load', async () => {
  const n = 40;
  const x = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i));
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  defineDataset({
    name: 'test-arrays',
    load: () => ({
      train: { x, y },
      test: { x: [...x.slice(0, 30)], y: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1] },
      sampleShape: [3],
    }),
  });
  const d = await loadDataset('test-arrays', { valFraction: 0.25 });
  assert.deepEqual([d.train.n, d.val.n, d.test.n], [30, 10, 10]);
  assert.deepEqual(d.train.sampleShape, [3]);
  assert.equal(d.train.numClasses, 2);
  const info = listDatasets().find((i) => i.name === 'test-arrays')!;
  assert.deepEqual([info.trainSize, info.testSize, info.numClasses, info.file], [40, 10, 2, THIS_FILE]);

  defineDataset({
    name: 'test-bad-arrays',
    load: () => ({ train: { x, y }, test: { x, y: [0, 1] }, sampleShape: [3] }),
  });
  await assert.rejects(
    loadDataset('test-bad-arrays'),
    /dataset 'test-bad-arrays' \(defined in .*\): test.x has 120 values; 2 examples of shape \[3\] need 6/,
  );
  assert.equal(listDatasets().find((i) => i.name === 'test-bad-arrays')!.available, false);
});

test('defineDataset from IDX, CIFAR-binary and CSV folders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-define-'));
  try {
    // IDX: big-endian magic and dims, then bytes (images 3×2, labels 0..2).
    const idx = (magic: number, dims: number[], data: number[]): Buffer => {
      const head = Buffer.alloc(4 + 4 * dims.length);
      head.writeUInt32BE(magic, 0);
      dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([head, Buffer.from(data)]);
    };
    const idxDir = join(dir, 'idx');
    const fs = await import('node:fs');
    fs.mkdirSync(idxDir);
    const pixels = (n: number): number[] => Array.from({ length: n * 6 }, (_, i) => (i * 37) % 256);
    writeFileSync(join(idxDir, 'train-images-idx3-ubyte'), idx(0x803, [6, 3, 2], pixels(6)));
    writeFileSync(join(idxDir, 'train-labels-idx1-ubyte'), idx(0x801, [6], [0, 1, 2, 0, 1, 2]));
    writeFileSync(join(idxDir, 't10k-images-idx3-ubyte'), idx(0x803, [4, 3, 2], pixels(4)));
    writeFileSync(join(idxDir, 't10k-labels-idx1-ubyte'), idx(0x801, [4], [2, 1, 0, 2]));
    defineDataset({ name: 'test-idx', load: { format: 'idx', dir: idxDir } });
    const a = await loadDataset('test-idx', { valFraction: 0.5 });
    assert.deepEqual(a.test.sampleShape, [1, 3, 2]);
    assert.deepEqual([a.train.n + a.val.n, a.test.n, a.test.numClasses], [6, 4, 3]);
    assert.deepEqual([...a.test.y], [2, 1, 0, 2]);
    assert.ok(Math.abs(a.test.x[1]! - 37 / 255) < 1e-7);

    // CIFAR binary: 1 label byte + 3072 pixel bytes per record, in any number of data_batch_N.bin files.
    const cifarDir = join(dir, 'cifar');
    fs.mkdirSync(cifarDir);
    const records = (labels: number[]): Buffer =>
      Buffer.concat(labels.map((l) => Buffer.concat([Buffer.from([l]), Buffer.alloc(3072, 10 * l)])));
    writeFileSync(join(cifarDir, 'data_batch_1.bin'), records([0, 1, 2]));
    writeFileSync(join(cifarDir, 'data_batch_2.bin'), records([2, 1]));
    writeFileSync(join(cifarDir, 'test_batch.bin'), records([1, 0]));
    writeFileSync(join(cifarDir, 'batches.meta.txt'), 'cat\ndog\nbird\n');
    defineDataset({ name: 'test-cifar', load: { format: 'cifar-binary', dir: cifarDir } });
    const c = await loadDataset('test-cifar', { valFraction: 0.2 });
    assert.deepEqual([c.train.n + c.val.n, c.test.n], [5, 2]);
    assert.deepEqual(c.test.sampleShape, [3, 32, 32]);
    assert.deepEqual(c.test.classNames, ['cat', 'dog', 'bird']);
    assert.ok(Math.abs(c.test.x[0]! - 10 / 255) < 1e-7);

    // CSV: the example's folder (header, text labels, standardised), and a headerless one with the label first.
    defineDataset({
      name: 'test-clusters',
      load: { format: 'csv', dir: join(ROOT, 'examples', 'data', 'clusters'), standardize: true },
    });
    const k = await loadDataset('test-clusters', { valFraction: 0.1 });
    assert.deepEqual([k.train.n + k.val.n, k.test.n, k.test.sampleShape[0]], [300, 150, 4]);
    assert.deepEqual(k.test.classNames, ['alpha', 'beta', 'gamma']);
    const train = [k.train, k.val];
    const total = train.reduce((s, p) => s + p.n, 0);
    for (let f = 0; f < 4; f++) {
      let m = 0;
      for (const p of train) for (let i = 0; i < p.n; i++) m += p.x[i * 4 + f]!;
      assert.ok(Math.abs(m / total) < 1e-5, `feature ${f} mean ${m / total}`);
    }
    const csvDir = join(dir, 'csv');
    fs.mkdirSync(csvDir);
    writeFileSync(join(csvDir, 'train.csv'), '1,0.5,2\n0,"1.5",-1\n\n2,3,3\n');
    writeFileSync(join(csvDir, 'test.csv'), '0,1,1\n');
    defineDataset({ name: 'test-csv', load: { format: 'csv', dir: csvDir, label: 0 } });
    const s = await loadDataset('test-csv', { valFraction: 0.34 });
    assert.deepEqual([...s.test.x], [1, 1]);
    assert.deepEqual([s.train.n + s.val.n, s.test.numClasses], [3, 3]);
    writeFileSync(join(csvDir, 'test.csv'), '0,1,oops\n');
    defineDataset({ name: 'test-csv-bad', load: { format: 'csv', dir: csvDir, label: 0 } });
    await assert.rejects(loadDataset('test-csv-bad'), /test\.csv:1: column 'col2' is 'oops', not a number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fit() trains a defined head on a defined model, with parameters; compare() refuses to fork for this script', async () => {
  defineModel({
    id: 'test-tiny-mlp',
    createBody: (shape) =>
      new nn.TrunkBody(new nn.Sequential(new nn.Flatten(), new nn.Linear(shape[0]!, 16), new nn.ReLU()), 16),
    defaultOptimizer: { kind: 'adam', lr: 0.01 },
    defaultEpochs: 3,
  });
  assert.equal(getModel('test-tiny-mlp').defaultBatchSize, 128);
  const epochs: number[] = [];
  const r = await fit(
    {
      dataset: 'spirals',
      model: 'test-tiny-mlp',
      head: 'test-tempered-ce(temp=2)',
      trainLimit: 300,
      evalLimit: 100,
    },
    { onEpoch: (e) => epochs.push(e.epoch) },
  );
  assert.equal(r.status, 'ok', r.error);
  assert.deepEqual(epochs, [1, 2, 3]);
  assert.deepEqual(r.config.headParams, { temperature: 2 });
  assert.ok(r.final.testAcc! > 0 && r.final.testAcc! <= 1);
  await assert.rejects(
    fit({ dataset: 'spirals', model: 'test-tiny-mlp', head: 'test-tempered-ce(heat=2)' }),
    /fit: --head 'test-tempered-ce\(heat=2\)': head 'test-tempered-ce' has no parameter matching 'heat'; its parameters: temperature=1/,
  );
  // Worker processes load definitions by importing the file that made them, which here is the running script.
  await assert.rejects(
    compare({ dataset: 'spirals', model: 'test-tiny-mlp', heads: ['test-tempered-ce'], workers: 2 }),
    /is defined in the script itself .*define\.test\.ts.*pass workers: 0/,
  );
});
