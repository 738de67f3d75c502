import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import {
  checkStore,
  openStore,
  Store,
  StoreError,
  SCHEMA_VERSION,
  type RunResultLike,
} from '../../src/store/index.js';

function tempDb(): { path: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-store-'));
  return {
    dir,
    path: join(dir, 'sub', 'h.db'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function withStore(fn: (s: Store, path: string, dir: string) => void): void {
  const t = tempDb();
  const s = openStore(t.path);
  try {
    fn(s, t.path, t.dir);
  } finally {
    s.close();
    t.cleanup();
  }
}

const cfg = (head: string, seed: number) => ({
  dataset: 'mnist',
  model: 'keras-mlp',
  head,
  seed,
  epochs: 2,
  lr: 1,
});

function result(head: string, seed: number, epochs: number): RunResultLike {
  return {
    config: cfg(head, seed),
    status: 'ok',
    epochs: Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      trainLoss: 1 / (i + 1),
      valAcc: 0.9 + i / 100,
      testAcc: i === epochs - 1 ? 0.95 : undefined,
      seconds: 2.5,
    })),
    final: {
      valAcc: 0.9 + (epochs - 1) / 100,
      testAcc: 0.95,
      ece: 0.02,
      secondsPerEpoch: 2.5,
      repr: { knn: 0.97, nc1: 0.3 },
    },
  };
}

test('open: creates the schema in WAL mode with a busy timeout and a schema version; reopen keeps data', () => {
  const t = tempDb();
  try {
    const s = openStore(t.path);
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok((s.db.pragma('busy_timeout', { simple: true }) as number) >= 1000);
    assert.equal(s.schemaVersion(), SCHEMA_VERSION);
    const tables = (
      s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    for (const name of ['epochs', 'meta', 'runs', 'studies', 'trial_rungs', 'trials'])
      assert.ok(tables.includes(name), name);
    s.createStudy('a', 'delta', '{}');
    s.close();
    const again = openStore(t.path);
    assert.equal(again.getStudy('a')?.space, 'delta');
    again.close();
  } finally {
    t.cleanup();
  }
});

test('open errors: a newer schema version and a file that is not a database are one-line StoreErrors', () => {
  const t = tempDb();
  try {
    const s = openStore(t.path);
    s.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    s.close();
    assert.throws(
      () => openStore(t.path),
      (e: unknown) =>
        e instanceof StoreError && e.exitCode === 2 && /schema version 99, newer/.test(e.message),
    );
    const junk = join(t.dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite, just some text long enough to be read as a header'.repeat(20));
    assert.throws(
      () => openStore(junk),
      (e: unknown) => e instanceof StoreError && /junk\.db/.test(e.message),
    );
    assert.throws(() => openStore(join(t.dir, 'missing.db'), { readonly: true }), StoreError);
  } finally {
    t.cleanup();
  }
});

test("a database is headroom's or it is refused: another program's and a newer one stay byte for byte", () => {
  const t = tempDb();
  try {
    const dir = t.dir;
    // Another program's database: refused with its tables named, and not a byte written (no WAL switch either).
    const other = join(dir, 'other.db');
    const d = new Database(other);
    d.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ada')");
    d.close();
    const before = readFileSync(other);
    assert.throws(
      () => openStore(other),
      (e: unknown) =>
        e instanceof StoreError &&
        e.exitCode === 2 &&
        /another program's SQLite database \(contacts\)/.test(e.message),
    );
    assert.throws(() => checkStore(other), /another program's/, 'checkStore refuses it too, read-only');
    assert.ok(readFileSync(other).equals(before), 'the foreign database is unchanged');
    assert.doesNotThrow(() => checkStore(join(dir, 'missing.db')));
    // A 'meta' table that is not headroom's is still foreign.
    const meta = join(dir, 'meta.db');
    const m = new Database(meta);
    m.exec('CREATE TABLE meta (k TEXT); CREATE TABLE runs (x INTEGER)');
    m.close();
    assert.throws(() => openStore(meta), /another program's/);
    // An empty file becomes a headroom database.
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    assert.doesNotThrow(() => checkStore(empty));
    const e = openStore(empty);
    assert.equal(e.schemaVersion(), SCHEMA_VERSION);
    e.close();
    // A newer headroom's database: refused untouched.
    const s = openStore(t.path);
    s.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
    s.close();
    const newer = readFileSync(t.path);
    assert.throws(() => openStore(t.path), /schema version 99, newer/);
    assert.ok(readFileSync(t.path).equals(newer), 'the newer database is unchanged');
    // Reopening a current database writes nothing.
    const cur = join(dir, 'cur.db');
    openStore(cur).close();
    const same = readFileSync(cur);
    openStore(cur).close();
    assert.ok(readFileSync(cur).equals(same), 'reopening rewrote the file');
    // A reader (the report) leaves no -wal/-shm files behind, and cannot write.
    const reader = openStore(cur, { readonly: true });
    assert.equal(reader.listRuns().length, 0);
    assert.throws(() => reader.createStudy('x', 'delta', '{}'));
    reader.close();
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('cur.db')),
      ['cur.db'],
    );
    assert.ok(readFileSync(cur).equals(same), 'reading changed the file');
  } finally {
    t.cleanup();
  }
});

test('runs: upsert round trip, same key updates in place, NaN stored as NULL', () => {
  withStore((s) => {
    const id = s.upsertRun({
      key: 'k1',
      grid: 'compare',
      dataset: 'mnist',
      model: 'keras-mlp',
      head: 'softmax-ce',
      seed: 3,
      config: cfg('softmax-ce', 3),
      status: 'diverged',
      divergedEpoch: 2,
      valAcc: NaN,
      testAcc: 0.5,
      ece: Infinity,
      secondsPerEpoch: 1.25,
      repr: { knn: 0.9 },
      command: 'headroom compare',
      machine: 'm',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
    });
    const r = s.getRunByKey<ReturnType<typeof cfg>>('k1');
    assert.ok(r);
    assert.equal(r.id, id);
    assert.equal(r.grid, 'compare');
    assert.equal(r.seed, 3);
    assert.deepEqual(r.config, cfg('softmax-ce', 3));
    assert.equal(r.config.lr, 1);
    assert.equal(r.status, 'diverged');
    assert.equal(r.divergedEpoch, 2);
    assert.equal(r.valAcc, null);
    assert.equal(r.testAcc, 0.5);
    assert.equal(r.ece, null);
    assert.equal(r.secondsPerEpoch, 1.25);
    assert.deepEqual(r.repr, { knn: 0.9 });
    assert.equal(r.error, null);
    assert.equal(r.finishedAt, '2025-01-01T00:01:00.000Z');
    const id2 = s.upsertRun({
      ...r,
      key: 'k1',
      status: 'ok',
      valAcc: 0.97,
      divergedEpoch: null,
      config: r.config,
    });
    assert.equal(id2, id, 'same key keeps the id');
    assert.equal(s.listRuns().length, 1);
    assert.equal(s.getRunByKey('k1')?.status, 'ok');
    assert.equal(s.getRunByKey('k1')?.divergedEpoch, null);
    assert.equal(s.getRunByKey('nope'), undefined);
    // the UNIQUE constraint itself holds against plain SQL too
    assert.throws(() =>
      s.db
        .prepare(
          "INSERT INTO runs (key, dataset, model, head, seed, config, status) VALUES ('k1', 'd', 'm', 'h', 0, '{}', 'ok')",
        )
        .run(),
    );
  });
});

test('runs: saveRun stores the run and exactly its epochs; epochs round-trip; listRuns filters', () => {
  withStore((s) => {
    const r3 = result('softmax-ce', 0, 3);
    const id = s.saveRun({
      key: 'a',
      grid: 'g1',
      result: r3,
      command: 'cmd',
      machine: 'box',
      finishedAt: '2025-01-01T00:00:10.000Z',
    });
    const run = s.getRun(id);
    assert.equal(run?.head, 'softmax-ce');
    assert.equal(run?.valAcc, r3.final.valAcc);
    assert.equal(run?.startedAt, '2025-01-01T00:00:02.500Z'); // 3 epochs × 2.5 s before the end
    const epochs = s.listEpochs(id);
    assert.deepEqual(
      epochs.map(({ runId: _r, ...e }) => e),
      r3.epochs.map((e) =>
        e.testAcc === undefined
          ? { epoch: e.epoch, trainLoss: e.trainLoss, valAcc: e.valAcc, seconds: e.seconds }
          : e,
      ),
    );
    assert.ok(epochs.every((e) => e.runId === id));
    // re-saving the same key with fewer epochs leaves no stale epoch behind
    s.saveRun({ key: 'a', grid: 'g1', result: result('softmax-ce', 0, 2) });
    assert.equal(s.listEpochs(id).length, 2);
    s.saveRun({ key: 'b', grid: 'g1', result: result('linear-mse', 0, 1) });
    s.saveRun({
      key: 'c',
      grid: 'g2',
      result: { ...result('linear-mse', 1, 1), status: 'failed', error: 'boom' },
    });
    assert.deepEqual(
      s.listRuns({ grid: 'g1' }).map((r) => r.key),
      ['a', 'b'],
    );
    assert.deepEqual(
      s.listRuns({ head: 'linear-mse' }).map((r) => r.key),
      ['b', 'c'],
    );
    assert.deepEqual(
      s.listRuns({ status: ['ok'], dataset: 'mnist', model: 'keras-mlp' }).map((r) => r.key),
      ['a', 'b'],
    );
    assert.equal(s.listRuns({ keys: ['c'] })[0].error, 'boom');
    assert.deepEqual(s.listRuns({ keys: [] }), []);
    const ids = s.listRuns().map((r) => r.id);
    assert.deepEqual(
      s.listEpochsOf(ids).map((e) => [e.runId, e.epoch]),
      [
        [ids[0], 1],
        [ids[0], 2],
        [ids[1], 1],
        [ids[2], 1],
      ],
    );
    // addEpochs adds or replaces single epochs
    s.addEpochs(ids[1], [{ epoch: 2, trainLoss: NaN, valAcc: 0.5, seconds: 1 }]);
    const e2 = s.listEpochs(ids[1])[1];
    assert.ok(Number.isNaN(e2.trainLoss));
    assert.equal(e2.testAcc, undefined);
  });
});

test('transactions: a throw rolls back every write made inside, nested ones included', () => {
  withStore((s) => {
    assert.throws(
      () =>
        s.transaction(() => {
          s.saveRun({ key: 'x', result: result('softmax-ce', 0, 2) });
          s.createStudy('st', 'loss', '{}');
          throw new Error('interrupted');
        }),
      /interrupted/,
    );
    assert.equal(s.getRunByKey('x'), undefined);
    assert.equal(s.getStudy('st'), undefined);
    assert.equal((s.db.prepare('SELECT COUNT(*) AS n FROM epochs').get() as { n: number }).n, 0);
    // saveRun is atomic by itself: an epoch that violates a constraint takes the run row with it
    const bad = result('softmax-ce', 0, 2);
    (bad.epochs[1] as { epoch: unknown }).epoch = null; // violates epochs.epoch NOT NULL after the run row was written
    assert.throws(() => s.saveRun({ key: 'y', result: bad }));
    assert.equal(s.getRunByKey('y'), undefined);
  });
});

test('a process killed inside a transaction leaves nothing half-written', () => {
  const t = tempDb();
  try {
    const s = openStore(t.path);
    s.saveRun({ key: 'before', result: result('softmax-ce', 0, 1) });
    s.close();
    const script = join(t.dir, 'kill.mts');
    const storeUrl = new URL('../../src/store/index.js', import.meta.url).href;
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(storeUrl)};
const s = openStore(${JSON.stringify(t.path)});
s.transaction(() => {
  const st = s.createStudy('half', 'delta', '{}');
  for (let i = 0; i < 50; i++) s.addTrial(st.id, { expr: 'z', seed: i });
  s.saveRun({ key: 'during', result: ${JSON.stringify(result('oland-exp', 1, 3))} });
  process.kill(process.pid, 'SIGKILL');
});
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    assert.equal(child.signal, 'SIGKILL', child.stderr);
    const after = openStore(t.path);
    try {
      assert.ok(after.getRunByKey('before'));
      assert.equal(after.getRunByKey('during'), undefined);
      assert.equal(after.getStudy('half'), undefined);
      assert.equal((after.db.prepare('SELECT COUNT(*) AS n FROM trials').get() as { n: number }).n, 0);
      assert.equal((after.db.prepare('SELECT COUNT(*) AS n FROM epochs').get() as { n: number }).n, 1);
    } finally {
      after.close();
    }
  } finally {
    t.cleanup();
  }
});

test('studies: create, get, list, update config; duplicate names are refused', () => {
  withStore((s) => {
    const a = s.createStudy('s1', 'delta', JSON.stringify({ ladder: [1, 2] }));
    assert.equal(a.name, 's1');
    assert.match(a.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(JSON.parse(s.getStudy('s1')!.config), { ladder: [1, 2] });
    s.createStudy('s2', 'loss', { x: 1 });
    assert.deepEqual(
      s.listStudies().map((x) => x.name),
      ['s1', 's2'],
    );
    s.updateStudyConfig(a.id, '{"ladder":[3]}');
    assert.equal(s.getStudyById(a.id)?.config, '{"ladder":[3]}');
    assert.throws(
      () => s.createStudy('s1', 'delta', '{}'),
      (e: unknown) => e instanceof StoreError && /already exists.*--resume/.test(e.message),
    );
    assert.throws(() => s.updateStudyConfig(999, '{}'), StoreError);
  });
});

test('trials: numbering, filters by state, updates, requeue on resume, counts', () => {
  withStore((s) => {
    const st = s.createStudy('s', 'delta', '{}');
    const other = s.createStudy('o', 'delta', '{}');
    assert.equal(s.nextTrialNumber(st.id), 0);
    const ids = ['exp(z) - t', 'p - t', 'z - t'].map((expr, i) =>
      s.addTrial(st.id, { expr, seed: 10 + i, hash: `h${i % 2}`, params: [i] }),
    );
    s.addTrial(other.id, { expr: 'q', seed: 0 });
    assert.equal(s.nextTrialNumber(st.id), 3);
    assert.equal(s.nextTrialNumber(other.id), 1);
    const t0 = s.getTrial<unknown, number[]>(ids[0])!;
    assert.equal(t0.number, 0);
    assert.equal(t0.state, 'queued');
    assert.equal(t0.rung, 0);
    assert.deepEqual(t0.params, [0]);
    assert.equal(t0.metrics, null);
    assert.throws(
      () => s.addTrial(st.id, { number: 1, expr: 'dup', seed: 0 }),
      (e: unknown) => e instanceof StoreError && /trial number 1/.test(e.message),
    );
    assert.throws(() => s.addTrial(12345, { expr: 'x', seed: 0 }), StoreError);
    const rej = s.addTrial(st.id, {
      expr: 'bad(',
      seed: 0,
      state: 'rejected',
      rejectReason: 'parse',
      metrics: { reject: 'pos 4' },
    });
    assert.equal(s.getTrial(rej)?.rejectReason, 'parse');

    s.setTrialState(ids[0], 'running', 0);
    s.setTrialState(ids[1], 'running', 1, { rungs: { '0': { valAcc: 0.9 } } });
    s.updateTrial(ids[2], { state: 'complete', rung: 2, metrics: { rungs: {} } });
    assert.deepEqual(s.getTrial(ids[1])?.metrics, { rungs: { '0': { valAcc: 0.9 } } });
    s.setTrialState(ids[1], 'running', 1); // metrics undefined: kept
    assert.deepEqual(s.getTrial(ids[1])?.metrics, { rungs: { '0': { valAcc: 0.9 } } });
    s.setTrialState(ids[2], 'complete', 2, null); // null: cleared
    assert.equal(s.getTrial(ids[2])?.metrics, null);
    assert.throws(() => s.updateTrial(9999, { state: 'failed' }), StoreError);
    assert.throws(() => s.updateTrial(ids[0], { state: 'bogus' as 'failed' }), StoreError);

    assert.deepEqual(
      s.listTrials(st.id, { state: 'running' }).map((t) => t.number),
      [0, 1],
    );
    assert.deepEqual(
      s.listTrials(st.id, { state: ['complete', 'rejected'] }).map((t) => t.number),
      [2, 3],
    );
    assert.deepEqual(
      s.listTrials(st.id).map((t) => t.expr),
      ['exp(z) - t', 'p - t', 'z - t', 'bad('],
    );
    assert.deepEqual(
      s.findTrialsByHash(st.id, 'h0').map((t) => t.number),
      [0, 2],
    );
    assert.deepEqual(s.countTrials(st.id), {
      queued: 0,
      running: 2,
      complete: 1,
      pruned: 0,
      failed: 0,
      rejected: 1,
    });

    // resume: running → queued for this study only, rung kept
    s.setTrialState(s.listTrials(other.id)[0].id, 'running', 0);
    assert.equal(s.requeueRunning(st.id), 2);
    assert.deepEqual(
      s.listTrials(st.id, { state: 'queued' }).map((t) => [t.number, t.rung]),
      [
        [0, 0],
        [1, 1],
      ],
    );
    assert.equal(s.listTrials(other.id)[0].state, 'running');
    assert.equal(s.requeueRunning(st.id), 0);
  });
});

test('trial rungs: stored as columns and JSON, replaced on re-run, listed per study', () => {
  withStore((s) => {
    const st = s.createStudy('s', 'delta', '{}');
    const other = s.createStudy('o', 'delta', '{}');
    const a = s.addTrial(st.id, { expr: 'a', seed: 0 });
    const b = s.addTrial(st.id, { expr: 'b', seed: 0 });
    const c = s.addTrial(other.id, { expr: 'c', seed: 0 });
    s.addRung({ trialId: b, rung: 0, metrics: { valAcc: 0.8, speed: 0.5, seconds: 3 } });
    const m = { status: 'ok', valAcc: 0.9, speed: 0.7, seconds: 4, error: undefined };
    s.addRung({ trialId: a, rung: 1, metrics: m });
    const diverged = { status: 'diverged', valAcc: null, speed: null, seconds: 1 };
    s.addRung({ trialId: a, rung: 0, metrics: diverged });
    s.addRung({ trialId: c, rung: 0, metrics: { valAcc: 0.1 } });
    s.addRung({ trialId: a, rung: 1, metrics: { ...m, valAcc: 0.91 } }); // re-run after resume replaces
    const rows = s.listRungs<{ status?: string; valAcc: number | null }>(st.id);
    assert.deepEqual(
      rows.map((r) => [r.trialId, r.rung, r.valAcc]),
      [
        [a, 0, null],
        [a, 1, 0.91],
        [b, 0, 0.8],
      ],
    );
    assert.equal(rows[0].metrics.status, 'diverged');
    assert.equal(rows[1].speed, 0.7);
    assert.deepEqual(
      s.listTrialRungs(a).map((r) => r.rung),
      [0, 1],
    );
    // plain-SQL readers (the report) see the contract's columns
    const plain = s.db
      .prepare(
        'SELECT trial_id, rung, val_acc, speed, seconds FROM trial_rungs WHERE trial_id = ? ORDER BY rung',
      )
      .all(a);
    assert.deepEqual(plain, [
      { trial_id: a, rung: 0, val_acc: null, speed: null, seconds: 1 },
      { trial_id: a, rung: 1, val_acc: 0.91, speed: 0.7, seconds: 4 },
    ]);
    assert.throws(() => s.addRung({ trialId: 4242, rung: 0, metrics: {} }), StoreError);
  });
});

test('a reader sees committed data while the writer is open (WAL), and a read-only open writes nothing', () => {
  withStore((s, path) => {
    s.saveRun({ key: 'r1', result: result('softmax-ce', 0, 1) });
    const reader = openStore(path, { readonly: true });
    try {
      assert.equal(reader.listRuns().length, 1);
      s.saveRun({ key: 'r2', result: result('softmax-ce', 1, 1) });
      assert.equal(reader.listRuns().length, 2);
      assert.throws(() => reader.createStudy('x', 'y', '{}'));
      const raw = new Database(path, { readonly: true });
      assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n, 2);
      raw.close();
    } finally {
      reader.close();
    }
  });
});
