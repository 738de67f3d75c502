import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TorchEpochs } from '../../src/bench/torch-epochs.js';
import type { RunConfig } from '../../src/train/config.js';

// The FIFO protocol between TorchEpochs and bench/torch_reference.py's serve_fit, with a stand-in for the training
// (no torch needed, any python 3). Nothing here is timed.
const BENCH = fileURLToPath(new URL('../../bench', import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find(
  (p) => spawnSync(p, ['-c', 'pass'], { stdio: 'ignore' }).status === 0,
);

const FAKE = `
import json, os, sys
sys.path.insert(0, ${JSON.stringify(BENCH)})
import torch_reference as r
args = sys.argv[1:]
mode = os.environ.get("FAKE_MODE", "")
if mode == "die":
    sys.stderr.write("ModuleNotFoundError: no torch here\\n")
    sys.exit(1)
i = args.index("--fifo")
class Run:
    n = 0
    def epoch(self):
        self.n += 1
        if mode == "fail2" and self.n == 2:
            raise RuntimeError("boom")
        return {"epoch": self.n, "seconds": 0.5 * self.n, "val_acc": 0.1 * self.n, "test_acc": 0.2, "argv": args}
def say(o):
    sys.stdout.write(json.dumps(o) + "\\n")
    sys.stdout.flush()
r.serve_fit(Run(), args[i + 1], args[i + 2], lambda: say({"ready": True, "torch_version": "fake"}))
say({"done": True, "cpu_s": 1.5})
`;

const cfg: RunConfig = {
  dataset: 'mnist',
  model: 'keras-mlp',
  head: 'softmax-ce',
  seed: 3,
  epochs: 4,
  batchSize: 128,
  optimizer: { kind: 'rmsprop', lr: 1e-3, alpha: 0.9, eps: 1e-7 },
  valFraction: 0.1,
  device: 'cpu',
  threads: 1,
  evalTest: true,
};

async function withFake(
  mode: string,
  body: (start: () => Promise<TorchEpochs>) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-torch-epochs-'));
  const before = process.env.FAKE_MODE;
  process.env.FAKE_MODE = mode;
  // The stand-in imports bench/torch_reference.py: leave no __pycache__ there.
  const beforeBytecode = process.env.PYTHONDONTWRITEBYTECODE;
  process.env.PYTHONDONTWRITEBYTECODE = '1';
  try {
    const reference = join(dir, 'fake_reference.py');
    writeFileSync(reference, FAKE);
    await body(() =>
      TorchEpochs.start({
        python: python!,
        reference,
        manifest: join(dir, 'm.json'),
        cfg,
        clock: 'wall',
        dir,
      }),
    );
  } finally {
    if (before === undefined) delete process.env.FAKE_MODE;
    else process.env.FAKE_MODE = before;
    if (beforeBytecode === undefined) delete process.env.PYTHONDONTWRITEBYTECODE;
    else process.env.PYTHONDONTWRITEBYTECODE = beforeBytecode;
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = python === undefined ? 'no python3' : false;

test('TorchEpochs: one epoch per call, in order, then a clean close', { skip }, async () => {
  await withFake('', async (start) => {
    const t = await start();
    assert.equal(t.torchVersion, 'fake');
    const got = [t.epoch(), t.epoch(), t.epoch()];
    assert.deepEqual(
      got.map((e) => e?.seconds),
      [0.5, 1, 1.5],
    );
    const argv = (got[0] as { argv?: string[] }).argv ?? [];
    assert.ok(argv.includes('--model=keras-mlp'), argv.join(' '));
    assert.ok(argv.includes('--seed=3'));
    assert.ok(argv.includes(`--optimizer=${JSON.stringify(cfg.optimizer)}`));
    assert.deepEqual(await t.close(), { cpuSeconds: 1.5 });
    // After close, no more epochs (and no hang).
    assert.equal(t.epoch(), null);
  });
});

test('TorchEpochs: an exception in an epoch comes back as that epoch error', { skip }, async () => {
  await withFake('fail2', async (start) => {
    const t = await start();
    assert.equal(t.epoch()?.seconds, 0.5);
    assert.equal(t.epoch()?.error, 'RuntimeError: boom');
    assert.equal((await t.close()).error, undefined);
  });
});

test(
  'TorchEpochs: a child that dies before it is ready makes start() fail with its last words',
  { skip },
  async () => {
    await withFake('die', async (start) => {
      await assert.rejects(start(), /no torch here/);
    });
  },
);
