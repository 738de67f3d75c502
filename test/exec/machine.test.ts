// Provenance: every run stores the machine it trained on (CPU model, BLAS and its core type, libtorch version) and the
// training code's hash, stamped by the worker that ran it, because the same config is bit-identical within a machine
// and code version but not across them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { blasDescription, codeHash, jobOf, machineDescription, runJob } from '../../src/exec/index.js';
import { Recorder } from '../../src/runs/index.js';
import { openStore } from '../../src/store/index.js';
import { libtorchVersion } from '../../src/engine/index.js';
import { runKey, type RunConfig, type RunResult } from '../../src/train/config.js';

const MAPS_OPENBLAS = [
  '7f0-7f1 r-xp 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13.0',
  '7f2-7f3 r-xp 00000000 08:01 124 /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so',
  '7f4-7f5 rw-p 00000000 00:00 0',
].join('\n');

test('blasDescription names the BLAS the process mapped, with OpenBLAS version and core type', () => {
  assert.equal(
    blasDescription(MAPS_OPENBLAS, { OPENBLAS_CORETYPE: 'Haswell' }),
    'OpenBLAS 0.3.21 core Haswell',
  );
  assert.equal(blasDescription(MAPS_OPENBLAS, {}), 'OpenBLAS 0.3.21 core auto-detected');
  assert.equal(blasDescription('1-2 r-xp 0 0:0 1 /opt/intel/libmkl_core.so.2', {}), 'MKL');
  assert.equal(blasDescription('1-2 r-xp 0 0:0 1 /usr/lib/libtorch_cpu.so', {}), 'BLAS built into libtorch');
  assert.equal(blasDescription('', {}), 'BLAS unknown (no /proc/self/maps)');
});

test('machineDescription has the cores, CPU model, BLAS and libtorch version of this process', () => {
  const m = machineDescription();
  assert.ok(m.includes(`${cpus().length} cores`), m);
  assert.ok(m.includes(cpus()[0]!.model.trim()), m);
  assert.ok(m.includes(`libtorch ${libtorchVersion()}`), m);
  assert.match(m, /OpenBLAS|MKL|BLIS|BLAS/);
  assert.match(m, / · code [0-9a-f]{10}$/);
});

test('codeHash changes with the training code it covers (by content and name) and with the addon, not elsewhere', () => {
  const root = mkdtempSync(join(tmpdir(), 'headroom-code-'));
  try {
    mkdirSync(join(root, 'train'));
    mkdirSync(join(root, 'cli'));
    writeFileSync(join(root, 'train', 'fit.js'), 'export const lr = 0.1;\n');
    writeFileSync(join(root, 'train', 'fit.d.ts'), 'export declare const lr: number;\n');
    writeFileSync(join(root, 'cli', 'main.js'), 'console.log(1);\n');
    writeFileSync(join(root, 'addon.node'), 'v1');
    const hash = () => codeHash(root, ['train'], [join(root, 'addon.node')]);
    const first = hash();
    assert.match(first, /^[0-9a-f]{10}$/);
    writeFileSync(join(root, 'cli', 'main.js'), 'console.log(2);\n');
    writeFileSync(join(root, 'train', 'fit.d.ts'), 'export declare const lr: 0.1;\n');
    assert.equal(hash(), first, 'the CLI and declaration files are not training code');
    writeFileSync(join(root, 'train', 'fit.js'), 'export const lr = 0.2;\n');
    const second = hash();
    assert.notEqual(second, first, 'a changed training file');
    writeFileSync(join(root, 'addon.node'), 'v2');
    assert.notEqual(hash(), second, 'another native addon');
    renameSync(join(root, 'train', 'fit.js'), join(root, 'train', 'fit2.js'));
    writeFileSync(join(root, 'addon.node'), 'v1');
    assert.notEqual(hash(), second, 'a renamed file');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

function config(): RunConfig {
  return {
    dataset: 'spirals',
    model: 'keras-mlp',
    head: 'softmax-ce',
    seed: 1,
    epochs: 1,
    batchSize: 64,
    optimizer: { kind: 'adam', lr: 0.001 },
    trainLimit: 128,
    valFraction: 0.1,
    device: 'cpu',
    evalTest: true,
  };
}

test('the worker stamps its machine on each result; the recorder stores it, else its own', async () => {
  const cfg = config();
  const [result] = await runJob(jobOf(cfg));
  assert.equal(result!.machine, machineDescription());
  const dir = mkdtempSync(join(tmpdir(), 'machine-'));
  try {
    const store = openStore(join(dir, 'm.db'));
    const rec = new Recorder(store, 'g');
    // A queue worker on another computer: its stamp wins over the driver's.
    rec.record(jobOf(cfg), [{ ...result!, machine: 'elsewhere · 8 cores · X' }]);
    assert.equal(store.getRunByKey(runKey(cfg))?.machine, 'elsewhere · 8 cores · X');
    const other = { ...cfg, seed: 2 };
    const unstamped: RunResult = { ...result!, config: other };
    delete unstamped.machine;
    rec.record(jobOf(other), [unstamped]);
    assert.equal(store.getRunByKey(runKey(other))?.machine, machineDescription());
    // A run starts when its job's started event came, not at finish minus its training seconds (evaluation, data
    // loading and waiting for a core are time too).
    const timed = { ...cfg, seed: 3 };
    const before = Date.now();
    rec.emit(jobOf(timed), {
      type: 'started',
      jobId: jobOf(timed).id,
      slot: 0,
      device: 'cpu',
      pid: process.pid,
    });
    await new Promise((r) => setTimeout(r, 300));
    rec.record(jobOf(timed), [
      { ...result!, config: timed, epochs: result!.epochs.map((e) => ({ ...e, seconds: 0.01 })) },
    ]);
    const run = store.getRunByKey(runKey(timed))!;
    const started = Date.parse(run.startedAt!);
    assert.ok(
      started >= before && started < before + 100,
      `started ${run.startedAt}, emitted at ${new Date(before).toISOString()}`,
    );
    assert.ok(Date.parse(run.finishedAt!) - started >= 290, `${run.startedAt} → ${run.finishedAt}`);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
