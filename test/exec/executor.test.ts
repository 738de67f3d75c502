// The execution layer: one job gives the same results in-process and forked; a worker killed mid-job cancels the job,
// which runs again and is recorded once; a worker whose parent dies stops on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  ForkExecutor,
  InProcessExecutor,
  configFor,
  jobOf,
  planSlots,
  type JobEvent,
  type TrainJob,
} from '../../src/exec/index.js';
import { planJobs, runJobs } from '../../src/runs/index.js';
import { openStore } from '../../src/store/index.js';
import { runKey, type RunConfig, type RunResult } from '../../src/train/config.js';
import '../../src/search/candidate-head.js';

function config(over: Partial<RunConfig> = {}): RunConfig {
  return {
    dataset: 'mnist',
    model: 'keras-mlp',
    head: 'softmax-ce',
    seed: 3,
    epochs: 1,
    batchSize: 128,
    optimizer: { kind: 'rmsprop', lr: 0.001, rho: 0.9, eps: 1e-7 },
    trainLimit: 600,
    valFraction: 0.1,
    evalLimit: 500,
    device: 'cpu',
    evalTest: true,
    ...over,
  };
}

/** The numbers that must not depend on where a job ran (JSON turns NaN into null over IPC, so compare that way). */
function measured(r: RunResult): unknown {
  return JSON.parse(
    JSON.stringify({
      status: r.status,
      epochs: r.epochs.map((e) => ({ ...e, seconds: 0 })),
      valAcc: r.final.valAcc,
      testAcc: r.final.testAcc,
      ece: r.final.ece,
    }),
  );
}

const candidate = config({
  head: 's#1',
  candidate: { space: 'delta', expr: 'p - t' },
});

test('the in-process and the forked executor give identical results for the same jobs', async () => {
  const jobs = [jobOf(config()), jobOf(candidate)];
  const local = new InProcessExecutor('cpu', 1);
  const forked = new ForkExecutor(planSlots(1, 'cpu', 1));
  try {
    for (const job of jobs) {
      const a = await local.submit(job);
      const b = await forked.submit(job);
      assert.notEqual(a, 'cancelled');
      assert.notEqual(b, 'cancelled');
      const [ra, rb] = [(a as RunResult[])[0]!, (b as RunResult[])[0]!];
      assert.equal(ra.status, 'ok', ra.error);
      assert.deepEqual(measured(rb), measured(ra));
      assert.ok(ra.final.testAcc! > 0.5, `trained: ${ra.final.testAcc}`);
    }
  } finally {
    await Promise.all([local.close(), forked.close()]);
  }
});

test('a job whose worker is SIGKILLed comes back cancelled, and the replaced worker runs it again', async () => {
  const executor = new ForkExecutor(planSlots(1, 'cpu', 1));
  try {
    const job = jobOf(config({ epochs: 4, evalLimit: undefined }));
    const events: JobEvent['type'][] = [];
    const first = await executor.submit(job, (e) => {
      events.push(e.type);
      if (e.type === 'started') process.kill(e.pid, 'SIGKILL');
    });
    assert.equal(first, 'cancelled');
    assert.deepEqual(events, ['started']);
    const again = await executor.submit(job);
    assert.notEqual(again, 'cancelled');
    assert.equal((again as RunResult[])[0]!.status, 'ok');
  } finally {
    await executor.close();
  }
});

test('runJobs: a job whose worker is killed mid-run is run again and recorded once; finished runs are skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-exec-'));
  const store = openStore(join(dir, 'r.db'));
  const executor = new ForkExecutor(planSlots(2, 'cpu', 1));
  try {
    const configs = [config({ epochs: 2 }), config({ epochs: 2, seed: 4 }), candidate];
    const jobs = configs.map(jobOf);
    const victim = jobs[0]!.id;
    let killed = 0;
    const finished: string[] = [];
    const sink = (e: JobEvent) => {
      if (e.type === 'finished') finished.push(e.jobId);
      // Killed after its first epoch: a half-trained run that must leave no trace.
      if (e.type === 'epoch' && e.jobId === victim && killed === 0) {
        killed++;
        process.kill(startedPid.get(e.jobId)!, 'SIGKILL');
      }
      if (e.type === 'started') startedPid.set(e.jobId, e.pid);
    };
    const startedPid = new Map<string, number>();
    const progress = await runJobs(jobs, { store, executor, grid: 'g', sinks: [sink], interruptible: false });
    assert.equal(killed, 1);
    assert.equal(progress.done, 3);
    assert.deepEqual(finished.sort(), jobs.map((j) => j.id).sort(), 'each job finished exactly once');
    const runs = store.listRuns({ grid: 'g' });
    assert.equal(runs.length, 3);
    assert.ok(runs.every((r) => r.status === 'ok'));
    const killedRun = store.getRunByKey(victim)!;
    assert.equal(store.listEpochs(killedRun.id).length, 2);
    assert.equal(
      (store.getRunByKey(runKey(candidate))?.config as { candidate?: { expr?: unknown } }).candidate?.expr,
      'p - t',
    );
    const again = await runJobs(jobs, { store, executor, grid: 'g', interruptible: false });
    assert.equal(again.skipped, 3);
  } finally {
    await executor.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a population job whose worker is killed mid-run is run again and recorded once per member', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-exec-pop-'));
  const store = openStore(join(dir, 'p.db'));
  const executor = new ForkExecutor(planSlots(1, 'cpu', 1));
  try {
    const configs = ['softmax-ce', 'linear-mse', 'oland-exp'].map((head) => config({ head, epochs: 2 }));
    const { jobs, skipped } = planJobs(store, configs, 3);
    assert.equal(
      jobs.length,
      1,
      'the three heads share dataset, model, seed and optimizer: one population job',
    );
    assert.equal(jobs[0]!.heads.length, 3);
    let killed = 0;
    const epochsSeen: number[] = [];
    const startedPid = new Map<string, number>();
    const sink = (e: JobEvent) => {
      if (e.type === 'started') startedPid.set(e.jobId, e.pid);
      if (e.type !== 'epoch') return;
      epochsSeen.push(e.head);
      if (killed === 0) {
        killed++;
        process.kill(startedPid.get(e.jobId)!, 'SIGKILL');
      }
    };
    const progress = await runJobs(jobs, {
      store,
      executor,
      grid: 'p',
      sinks: [sink],
      interruptible: false,
      skipped,
    });
    assert.equal(killed, 1);
    assert.equal(progress.done, 3);
    for (const cfg of configs) {
      const run = store.getRunByKey(runKey(cfg))!;
      assert.equal(run.status, 'ok', cfg.head);
      assert.equal(store.listEpochs(run.id).length, 2, `${cfg.head}: its 2 epochs, stored once`);
    }
    assert.deepEqual(new Set(epochsSeen), new Set([0, 1, 2]), 'epoch events name each member');
    assert.equal(planJobs(store, configs, 3).jobs.length, 0, 'nothing left to train');
  } finally {
    await executor.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a worker whose parent is SIGKILLed stops within seconds instead of training on', async () => {
  const job: TrainJob = jobOf(config({ epochs: 50, trainLimit: 20000, evalLimit: undefined }));
  const parent = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { ForkExecutor, planSlots } from ${JSON.stringify(join(import.meta.dirname, '../../src/exec/index.ts'))};
       const ex = new ForkExecutor(planSlots(1, 'cpu', 1));
       ex.submit(${JSON.stringify(job)}, (e) => { if (e.type === 'epoch') console.log('worker ' + ${'`${e.record.epoch}`'} + ' ' + ex.pids[0]); });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: parent.stdout! });
  let worker = 0;
  for await (const line of lines) {
    worker = Number(line.split(' ')[2]);
    break;
  }
  assert.ok(worker > 0);
  parent.kill('SIGKILL');
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const deadline = Date.now() + 15_000;
  while (alive(worker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const stillAlive = alive(worker);
  if (stillAlive) process.kill(worker, 'SIGKILL');
  assert.equal(stillAlive, false, 'the orphaned worker is still training 15 s after its parent died');
});

test('configFor: a job keyed by its config resolves back to the same run key', () => {
  for (const cfg of [config(), candidate, config({ head: 'focal', headParams: { gamma: 1 } })]) {
    const job = jobOf(cfg);
    assert.equal(runKey(configFor(job, 0)), job.id);
    assert.equal(job.id, runKey(cfg));
  }
});
