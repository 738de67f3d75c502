// fit() honours the run's device: everything lives where the config says, and a device the engine cannot use fails the
// run with the clear error instead of training on the CPU. Also the evaluation budget (evalLimit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cuda, setNumThreads } from '../../src/engine/index.js';
import { onDevice } from '../../src/data/index.js';
import { fit, loadSplitsFor } from '../../src/train/fit.js';
import type { RunConfig } from '../../src/train/config.js';
import { resolveDevice, planSlots } from '../../src/exec/index.js';

setNumThreads(Number(process.env.HEADROOM_THREADS ?? 1));

const base: RunConfig = {
  dataset: 'mnist',
  model: 'keras-mlp',
  head: 'softmax-ce',
  seed: 1,
  epochs: 1,
  batchSize: 128,
  optimizer: { kind: 'rmsprop', lr: 0.001, rho: 0.9, eps: 1e-7 },
  trainLimit: 500,
  valFraction: 0.1,
  device: 'cpu',
  evalTest: true,
};

test('fit: body, output layer and data are on the run device', async () => {
  const seen: string[] = [];
  const r = await fit(base, {
    afterTraining: ({ body, outputLayer, data, device }) => {
      for (const p of [...body.parameters(), ...outputLayer.parameters()]) seen.push(p.device);
      seen.push(onDevice(data.train, device).x.device, onDevice(data.test, device).y.device);
      assert.equal(device, base.device);
      return {};
    },
  });
  assert.equal(r.status, 'ok', r.error);
  assert.ok(seen.length > 4);
  assert.deepEqual(new Set(seen), new Set([base.device]));
});

test('fit: a device the engine cannot use fails the run with the clear error, never a CPU run', async () => {
  if (cuda.isAvailable()) {
    // On a CUDA machine the same config must really train on the GPU.
    const r = await fit(
      { ...base, device: 'cuda' },
      {
        afterTraining: ({ body }) => {
          assert.ok(body.parameters().every((p) => p.device === 'cuda'));
          return {};
        },
      },
    );
    assert.equal(r.status, 'ok', r.error);
    return;
  }
  const r = await fit({ ...base, device: 'cuda' });
  assert.equal(r.status, 'failed');
  assert.match(r.error!, /device 'cuda' is not available.*CUDA libtorch/);
  assert.equal(r.epochs.length, 0, 'nothing trained');
  assert.throws(() => resolveDevice('cuda'), /not available/);
  assert.equal(resolveDevice('auto'), 'cpu');
  const bogus = await fit({ ...base, device: 'tpu' as RunConfig['device'] });
  assert.match(bogus.error!, /unknown device 'tpu'/);
});

test('fit: evalLimit evaluates the first N validation examples each epoch; test accuracy stays on the whole set', async () => {
  const data = await loadSplitsFor(base);
  const limit = 37;
  const r = await fit({ ...base, epochs: 2, evalLimit: limit }, { data });
  assert.equal(r.status, 'ok', r.error);
  for (const e of r.epochs) {
    const k = e.valAcc * limit;
    assert.ok(Math.abs(k - Math.round(k)) < 1e-9, `valAcc ${e.valAcc} is a count over ${limit}`);
  }
  const full = await fit({ ...base, epochs: 2 }, { data });
  // Same training, so the full-test number is identical; validation differs only by the subset evaluated.
  assert.equal(r.final.testAcc, full.final.testAcc);
  const nTest = data.test.n;
  assert.ok(Math.abs(r.final.testAcc! * nTest - Math.round(r.final.testAcc! * nTest)) < 1e-6);
  assert.deepEqual(
    r.epochs.map((e) => e.trainLoss),
    full.epochs.map((e) => e.trainLoss),
  );
});

test('planSlots: CUDA slots take the visible GPUs round-robin; CPU slots get none', () => {
  const saved = process.env.CUDA_VISIBLE_DEVICES;
  try {
    process.env.CUDA_VISIBLE_DEVICES = '3,5';
    assert.deepEqual(
      planSlots(5, 'cuda', 2).map((s) => s.visibleDevice),
      ['3', '5', '3', '5', '3'],
    );
    assert.ok(planSlots(2, 'cuda').every((s) => s.threads === 1 && s.device === 'cuda'));
    assert.deepEqual(planSlots(2, 'cpu', 1), [
      { device: 'cpu', threads: 1 },
      { device: 'cpu', threads: 1 },
    ]);
    assert.throws(() => planSlots(0, 'cpu'), /≥ 1/);
  } finally {
    if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
    else process.env.CUDA_VISIBLE_DEVICES = saved;
  }
});
