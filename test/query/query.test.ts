/**
 * The read-only queries behind `ls`, `show`, `export` and the dashboard, on databases written through the same paths
 * compare and the recorder use: the plan journal (journalPlan), the recorder's job events, and saved runs.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/index.js';
import { jobOf, type JobEvent } from '../../src/exec/index.js';
import { Recorder } from '../../src/runs/index.js';
import { journalPlan } from '../../src/compare/journal.js';
import { runKey, type RunConfig, type RunResult } from '../../src/train/config.js';
import {
  exportRuns,
  exportTrials,
  flatRun,
  gridLive,
  Journal,
  overview,
  parseTrialRef,
  QueryError,
  runDetail,
  toCsv,
  trialDetail,
} from '../../src/query/index.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-query-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cfg(head: string, seed: number, epochs = 3): RunConfig {
  return {
    dataset: 'mnist',
    model: 'keras-mlp',
    head,
    seed,
    epochs,
    batchSize: 32,
    optimizer: { kind: 'adam', lr: 0.001 },
    valFraction: 0.1,
    device: 'cpu',
    evalTest: true,
    trainLimit: 100,
  };
}

function result(c: RunConfig, accs: number[]): RunResult {
  return {
    config: c,
    status: 'ok',
    epochs: accs.map((valAcc, i) => ({ epoch: i + 1, trainLoss: 1 / (i + 1), valAcc, seconds: 2 })),
    final: { valAcc: accs.at(-1)!, testAcc: accs.at(-1)! - 0.01, secondsPerEpoch: 2, ece: 0.02 },
  };
}

/** A store whose clock the test moves, so that event times (and staleness) are exact. */
function clockedStore(path: string) {
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  const store = new Store(path, {}, () => new Date(now).toISOString());
  return { store, tick: (ms: number) => (now += ms), now: () => now };
}

test('a grid in flight: planned, running (with its epochs so far), finished, and stalled when the events stop', () => {
  const { store, tick, now } = clockedStore(join(dir, 'live.db'));
  const done = cfg('softmax-ce', 1);
  const flying = cfg('linear-mse', 1);
  const waiting = cfg('oland-exp', 1);
  const jobs = [done, flying, waiting].map(jobOf);
  journalPlan(store, 'g', jobs);
  const rec = new Recorder(store, 'g', 'headroom compare …');
  const emit = (job: (typeof jobs)[number], e: JobEvent) => {
    tick(1000);
    rec.emit(job, e);
  };
  emit(jobs[0]!, { type: 'started', jobId: jobs[0]!.id, slot: 0, device: 'cpu', pid: 1 });
  emit(jobs[1]!, { type: 'started', jobId: jobs[1]!.id, slot: 1, device: 'cpu', pid: 2 });
  for (const [e, acc] of [
    [1, 0.81],
    [2, 0.86],
  ] as const)
    emit(jobs[1]!, {
      type: 'epoch',
      jobId: jobs[1]!.id,
      head: 0,
      epochs: 3,
      record: { epoch: e, trainLoss: 0.5 / e, valAcc: acc, seconds: 2 },
    });
  rec.record(jobs[0]!, [result(done, [0.8, 0.85, 0.9])]);
  store.close();

  const reader = new Store(join(dir, 'live.db'), { readonly: true });
  try {
    const journal = new Journal(reader);
    journal.refresh();
    const live = gridLive(reader, journal, 'g', now());
    assert.deepEqual(
      {
        ok: live.counts.ok,
        running: live.counts.running,
        planned: live.counts.planned,
        total: live.counts.total,
      },
      { ok: 1, running: 1, planned: 1, total: 3 },
    );
    const byKey = new Map(live.runs.map((r) => [r.key, r]));
    const f = byKey.get(runKey(flying))!;
    assert.equal(f.state, 'running');
    assert.equal(f.config?.head, 'linear-mse', "the plan names the run's head");
    assert.deepEqual(
      f.curve.map((c) => [c.epoch, c.valAcc]),
      [
        [1, 0.81],
        [2, 0.86],
      ],
    );
    assert.equal(f.epoch, 2);
    assert.equal(f.epochs, 3);
    assert.equal(f.valAcc, 0.86);
    const d = byKey.get(runKey(done))!;
    assert.equal(d.state, 'ok');
    assert.equal(d.runId, reader.getRunByKey(runKey(done))!.id);
    assert.deepEqual(
      d.curve.map((c) => c.valAcc),
      [0.8, 0.85, 0.9],
    );
    assert.equal(byKey.get(runKey(waiting))!.state, 'planned');

    // No event for ten minutes: the run is reported as stalled, and the grid as stopped.
    const later = now() + 10 * 60_000;
    const stale = gridLive(reader, journal, 'g', later);
    assert.equal(stale.runs.find((r) => r.key === runKey(flying))!.state, 'stalled');
    const o = overview(reader, journal, later);
    assert.equal(o.grids[0]!.state, 'stopped');
    assert.equal(overview(reader, journal, now()).grids[0]!.state, 'running');

    // show: a run in flight by its key prefix, from the journal
    const shown = runDetail(reader, runKey(flying).slice(0, 8), journal);
    assert.equal(shown.id, null);
    assert.equal(shown.curve.length, 2);
  } finally {
    reader.close();
  }
});

test('a journal event before a finished run is history; a failed run planned again is live again', () => {
  const { store, tick } = clockedStore(join(dir, 'retry.db'));
  const c = cfg('softmax-ce', 2);
  const job = jobOf(c);
  journalPlan(store, 'g', [job]);
  tick(1000);
  store.saveRun({
    key: runKey(c),
    grid: 'g',
    result: { ...result(c, [0.5]), status: 'failed', error: 'boom' },
    finishedAt: new Date(Date.parse('2026-01-01T00:00:01.000Z')).toISOString(),
  });
  const journal = new Journal(store);
  journal.refresh();
  assert.equal(gridLive(store, journal, 'g').runs[0]!.state, 'failed');
  tick(60_000);
  journalPlan(store, 'g', [job]);
  journal.refresh();
  const again = gridLive(store, journal, 'g').runs;
  assert.equal(again.length, 1);
  assert.equal(again[0]!.state, 'planned');
  store.close();
});

test('export and show return the stored numbers; CSV quotes what needs quoting', () => {
  const store = new Store(join(dir, 'export.db'));
  try {
    const runs = [cfg('softmax-ce', 1), cfg('linear-mse', 1)];
    for (const [i, c] of runs.entries())
      store.saveRun({
        key: runKey(c),
        grid: 'g',
        result: result(c, [0.7 + i * 0.01, 0.8 + i * 0.01]),
        command: 'headroom compare --heads "a,b"',
      });
    const rows = exportRuns(store, 'g');
    assert.equal(rows.length, 2);
    for (const r of rows) {
      const stored = store.getRun(r.id)!;
      assert.equal(r.valAcc, stored.valAcc);
      assert.equal(r.testAcc, stored.testAcc);
      assert.deepEqual(
        r.epochs.map((e) => e.valAcc),
        store.listEpochs(r.id).map((e) => e.valAcc),
      );
    }
    const csv = toCsv(rows.map((r) => flatRun(r, 2)));
    const [header, first] = csv.trim().split('\n');
    const cols = header!.split(',');
    assert.ok(cols.includes('val_acc_e1') && cols.includes('val_acc_e2') && cols.includes('train_loss_e2'));
    assert.ok(first!.includes('"headroom compare --heads ""a,b"""'), first);
    assert.ok(first!.includes(String(store.getRun(rows[0]!.id)!.valAcc)));

    const d = runDetail(store, String(rows[1]!.id));
    assert.equal(d.key, rows[1]!.key);
    assert.equal(d.command, 'headroom compare --heads "a,b"');
    assert.equal(runDetail(store, rows[1]!.key.slice(0, 10)).id, rows[1]!.id);
    assert.throws(
      () => runDetail(store, '999'),
      (e) => e instanceof QueryError && /no run '999'.*run id \(1…2\)/.test(e.message),
    );
  } finally {
    store.close();
  }
});

test('trials: rung results with Δ against the stored baseline, lineage both ways, ranks', () => {
  const store = new Store(join(dir, 'trials.db'));
  try {
    const study = store.createStudy('s', 'delta', {
      config: { seed: 3, ladder: [{ model: 'keras-mlp', dataset: 'mnist', epochs: 2, trainLimit: 100 }] },
    });
    const baseline = store.addTrial(study.id, {
      number: -1,
      expr: 'softmax-ce',
      state: 'complete',
      seed: 1,
      metrics: { rungs: {}, baseline: 'softmax-ce' },
    });
    store.addRung({ trialId: baseline, rung: 0, metrics: { valAcc: 0.9, speed: 0.8, seconds: 1 } });
    const a = store.addTrial(study.id, { number: 0, expr: 'p - t', state: 'complete', seed: 1 });
    store.addRung({ trialId: a, rung: 0, metrics: { valAcc: 0.91, speed: 0.85, seconds: 1 } });
    const b = store.addTrial(study.id, {
      number: 1,
      expr: '2 * (p - t)',
      state: 'complete',
      seed: 1,
      metrics: { rungs: {}, parents: [0] },
    });
    store.addRung({ trialId: b, rung: 0, metrics: { valAcc: 0.88, speed: 0.8, seconds: 1 } });

    assert.deepEqual(parseTrialRef('s#1'), { study: 's', number: 1 });
    assert.equal(parseTrialRef('12'), null);
    const child = trialDetail(store, 's', 1);
    assert.deepEqual(child.parents, [{ number: 0, expr: 'p - t' }]);
    assert.ok(Math.abs(child.delta! - (0.88 - 0.9)) < 1e-12);
    assert.equal(child.rank, 2);
    const parent = trialDetail(store, 's', 0);
    assert.deepEqual(parent.children, [{ number: 1, expr: '2 * (p - t)' }]);
    assert.equal(parent.rank, 1);
    assert.match(
      parent.command,
      /^headroom search --space delta --study s --db \S+ --seed 3 --ladder keras-mlp:100:2:mnist/,
    );
    assert.throws(() => trialDetail(store, 's', 7), /no trial #7; its trials are #0…#1/);
    assert.throws(() => trialDetail(store, 'x', 0), /no study 'x'.*studies there: s/);

    const exported = exportTrials(store, 's');
    assert.deepEqual(
      exported.map((t) => [t.number, t.valAcc, t.parents]),
      [
        [0, 0.91, []],
        [1, 0.88, [0]],
      ],
    );
    assert.equal(exported[0]!.rungs[0]!.baseline, 0.9);
    const o = overview(store);
    assert.equal(o.studies[0]!.trials, 2, 'the baseline trial is not a candidate');
    assert.equal(o.studies[0]!.best?.number, 0);
  } finally {
    store.close();
  }
});
