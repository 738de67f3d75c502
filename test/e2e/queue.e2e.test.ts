// Scale-out through BullMQ on a private Redis: the queue gives the same results as local runs, survives killed
// workers, a killed driver and a Redis restart with every run or trial recorded exactly once, and workers refuse
// malformed or foreign jobs without dying.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Job, Queue } from 'bullmq';
import { startRedis, type TestRedis } from '../queue/redis.js';
import { BullMqExecutor, queueName } from '../../src/exec/bullmq.js';
import { jobOf } from '../../src/exec/index.js';
import type { RunConfig, RunResult } from '../../src/train/config.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
const ENV = { ...process.env, HEADROOM_THREADS: '1' };

function headroom(args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: ENV });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A `headroom worker` with a short lock, resolved once it serves the queue. */
function startWorker(url: string, slots = 1): Promise<ChildProcess> {
  const w = spawn(
    process.execPath,
    [...CLI, 'worker', '--redis', url, '--device', 'cpu', '--slots', String(slots), '--lock-ms', '8000'],
    { cwd: ROOT, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    w.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('headroom worker (queue protocol')) resolve(w);
    });
    w.once('exit', (code) => reject(new Error(`worker exited (${code}) before it started: ${err}`)));
  });
}

function stopAll(ps: ChildProcess[]): Promise<void> {
  return Promise.all(
    ps.map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once('exit', () => r());
          p.kill('SIGKILL');
        }),
    ),
  ).then(() => undefined);
}

function query<T>(db: string, sql: string): T[] {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return d.prepare(sql).all() as T[];
    } finally {
      d.close();
    }
  } catch {
    return [];
  }
}

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The table's numbers, without timings (which differ by machine load, not by where a run trained). */
function table(stdout: string): unknown {
  const out = JSON.parse(stdout) as { rows: Array<Record<string, unknown>> };
  return out.rows.map(({ secondsPerEpoch: _s, ...row }) => row);
}

const GRID = [
  'compare',
  '--dataset',
  'mnist',
  '--model',
  'keras-mlp',
  '--heads',
  'softmax-ce,oland-exp',
  '--seeds',
  '2',
  '--train-limit',
  '1000',
  '--eval-limit',
  '500',
  '--device',
  'cpu',
  '--json',
];

test(
  'queue: compare through two workers gives the same table as a local run',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-queue-'));
    const redis = await startRedis();
    const workers: ChildProcess[] = [];
    try {
      workers.push(...(await Promise.all([startWorker(redis.url), startWorker(redis.url)])));
      const local = headroom([...GRID, '--epochs', '2', '--db', join(dir, 'local.db')]);
      assert.equal(local.code, 0, local.stderr);
      const queued = headroom([
        ...GRID,
        '--epochs',
        '2',
        '--db',
        join(dir, 'queue.db'),
        '--queue',
        redis.url,
      ]);
      assert.equal(queued.code, 0, queued.stderr);
      assert.deepEqual(table(queued.stdout), table(local.stdout));
      const runs = query<{ n: number }>(
        join(dir, 'queue.db'),
        "SELECT COUNT(*) n FROM runs WHERE status = 'ok'",
      );
      assert.equal(runs[0]?.n, 4);
      const epochs = query<{ n: number }>(
        join(dir, 'queue.db'),
        "SELECT COUNT(*) n FROM job_events WHERE type = 'epoch'",
      );
      assert.equal(epochs[0]?.n, 8, 'every epoch event reached the driver and was journaled');
    } finally {
      await stopAll(workers);
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'queue: Redis restarted mid-run (append-only file on): the grid finishes with nothing lost',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-queue-restart-'));
    const db = join(dir, 'q.db');
    const redis = await startRedis();
    const workers: ChildProcess[] = [];
    try {
      workers.push(await startWorker(redis.url));
      const driver = spawn(
        process.execPath,
        [...CLI, ...GRID, '--epochs', '3', '--db', db, '--queue', redis.url],
        {
          cwd: ROOT,
          env: ENV,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      driver.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      driver.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => driver.once('exit', (code) => r(code)));
      await until(
        'the first epoch',
        () => query(db, "SELECT 1 FROM job_events WHERE type = 'epoch'").length > 0,
      );
      await redis.restart();
      assert.equal(await exited, 0, stderr);
      const out = JSON.parse(stdout) as { runs: number };
      assert.equal(out.runs, 4);
      const ok = query<{ n: number }>(db, "SELECT COUNT(*) n FROM runs WHERE status = 'ok'");
      assert.equal(ok[0]?.n, 4);
      const epochRows = query<{ n: number }>(db, 'SELECT COUNT(*) n FROM epochs');
      assert.equal(epochRows[0]?.n, 12, 'each run stored its 3 epochs once');
    } finally {
      await stopAll(workers);
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'queue: malformed and foreign-version jobs fail with a clear reason; the worker lives on',
  { timeout: 120_000 },
  async () => {
    const redis: TestRedis = await startRedis();
    const workers: ChildProcess[] = [];
    const queue = new Queue(queueName('cpu'), { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const worker = await startWorker(redis.url);
      workers.push(worker);
      const bad: Array<[unknown, RegExp]> = [
        [{ headroom: 99, job: {} }, /protocol 99, this worker speaks 1/],
        [{ nonsense: true }, /not a headroom job/],
        [{ headroom: 1, job: { id: 'x', cfg: {}, heads: [] } }, /malformed job: job\.cfg\.dataset/],
      ];
      for (const [data, reason] of bad) {
        const j = await queue.add('train', data, { attempts: 3 });
        await until(
          'the bad job to fail',
          async () => (await Job.fromId(queue, j.id!))?.failedReason !== undefined,
        );
        const failed = (await Job.fromId(queue, j.id!))!;
        assert.match(failed.failedReason, reason);
        assert.equal(failed.attemptsMade, 1, 'refused once, not retried');
      }
      assert.equal(worker.exitCode, null, 'the worker is still running');
      const executor = await BullMqExecutor.open(redis.url, { device: 'cpu', slots: 1 });
      try {
        const cfg: RunConfig = {
          dataset: 'mnist',
          model: 'keras-mlp',
          head: 'softmax-ce',
          seed: 1,
          epochs: 1,
          batchSize: 128,
          optimizer: { kind: 'rmsprop', lr: 0.001, rho: 0.9, eps: 1e-7 },
          trainLimit: 500,
          valFraction: 0.1,
          evalLimit: 200,
          device: 'cpu',
          evalTest: false,
        };
        const r = await executor.submit(jobOf(cfg));
        assert.notEqual(r, 'cancelled');
        assert.equal((r as RunResult[])[0]!.status, 'ok');
      } finally {
        await executor.close();
      }
    } finally {
      await queue.close();
      await stopAll(workers);
      await redis.stop();
    }
  },
);

function searchArgs(db: string, extra: string[]): string[] {
  return [
    ...CLI,
    'search',
    '--space',
    'delta',
    '--study',
    's',
    '--db',
    db,
    '--max-trials',
    '24',
    '--seed',
    '1',
    '--ladder',
    'keras-mlp:1000:1,keras-mlp:2000:1',
    '--eval-limit',
    '500',
    '--device',
    'cpu',
    ...extra,
  ];
}

interface TrialRow {
  number: number;
  expr: string;
  state: string;
  metrics: string | null;
}

function trialsOf(db: string): Array<{ number: number; expr: string; state: string; rungs: unknown }> {
  return query<TrialRow>(
    db,
    "SELECT number, expr, state, metrics FROM trials WHERE state != 'rejected' ORDER BY number",
  ).map((t) => {
    const m = t.metrics
      ? (JSON.parse(t.metrics) as { rungs: Record<string, { valAcc: number | null; status: string }> })
      : null;
    const rungs = Object.fromEntries(
      Object.entries(m?.rungs ?? {}).map(([r, x]) => [r, { status: x.status, valAcc: x.valAcc }]),
    );
    return { number: t.number, expr: t.expr, state: t.state, rungs };
  });
}

test(
  'queue: a 24-trial search with 3 workers, one killed mid-trial twice and the driver killed once, equals a local run',
  { timeout: 600_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-queue-search-'));
    const redis = await startRedis();
    const workers: ChildProcess[] = [];
    try {
      const localDb = join(dir, 'local.db');
      const local = spawnSync(process.execPath, searchArgs(localDb, ['--workers', '2', '--json']), {
        cwd: ROOT,
        env: ENV,
        encoding: 'utf8',
      });
      assert.equal(local.status, 0, local.stderr);

      workers.push(...(await Promise.all([0, 1, 2].map(() => startWorker(redis.url)))));
      const db = join(dir, 'queue.db');
      const rungRows = () => query<{ n: number }>(db, 'SELECT COUNT(*) n FROM trial_rungs')[0]?.n ?? 0;
      const running = () =>
        query<{ n: number }>(db, "SELECT COUNT(*) n FROM trials WHERE state = 'running'")[0]?.n ?? 0;
      const driver = spawn(process.execPath, searchArgs(db, ['--workers', '3', '--queue', redis.url]), {
        cwd: ROOT,
        env: ENV,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const driverExit = new Promise<void>((r) => driver.once('exit', () => r()));
      // Twice: the first worker dies mid-trial and a new one takes its place.
      for (const after of [3, 8]) {
        await until(
          `${after} finished rungs and a running trial`,
          () => rungRows() >= after && running() > 0,
        );
        const victim = workers.shift()!;
        victim.kill('SIGKILL');
        workers.push(await startWorker(redis.url));
      }
      await until('14 finished rungs', () => rungRows() >= 14);
      driver.kill('SIGKILL');
      await driverExit;
      const resumed = spawnSync(
        process.execPath,
        searchArgs(db, ['--workers', '3', '--queue', redis.url, '--resume', '--json']),
        {
          cwd: ROOT,
          env: ENV,
          encoding: 'utf8',
        },
      );
      assert.equal(resumed.status, 0, resumed.stderr);
      const finished = query<{ state: string; n: number }>(
        db,
        "SELECT state, COUNT(*) n FROM trials WHERE state != 'rejected' AND number >= 0 GROUP BY state",
      );
      assert.ok(
        finished.every((f) => ['complete', 'pruned'].includes(f.state)),
        JSON.stringify(finished),
      );
      assert.equal(
        finished.reduce((a, f) => a + f.n, 0),
        24,
      );
      const dupRungs = query<{ n: number }>(
        db,
        'SELECT COUNT(*) n FROM (SELECT trial_id, rung FROM trial_rungs GROUP BY 1, 2 HAVING COUNT(*) > 1)',
      );
      assert.equal(dupRungs[0]?.n, 0);
      assert.deepEqual(trialsOf(db), trialsOf(localDb));
    } finally {
      await stopAll(workers);
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
