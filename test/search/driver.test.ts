import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { searchStoreOf, type SearchStore } from '../../src/search/persist.js';
import assert from 'node:assert/strict';
import { runSearch, SimulatedCrash, StudyError, type SearchSummary } from '../../src/search/driver.js';
import { makeStudyConfig, type StudyConfig } from '../../src/search/study.js';
import { InlineExecutor, MemoryStore, TOY_BASELINE, toyFilter, toySpace } from './helpers.js';

const LADDER = [
  { model: 'm', dataset: 'd', epochs: 1, trainLimit: 10 },
  { model: 'm', dataset: 'd', epochs: 2, trainLimit: 20 },
  { model: 'm', dataset: 'd', epochs: 3 },
];

function config(over: Partial<StudyConfig> = {}): StudyConfig {
  return makeStudyConfig({
    space: 'delta',
    seed: 5,
    ladder: LADDER,
    evolution: { population: 6, tournament: 3, lag: 3, crossover: 0.3 },
    ...over,
  });
}

async function search(
  store: SearchStore,
  exec: InlineExecutor,
  over: Partial<Parameters<typeof runSearch>[0]> = {},
) {
  return runSearch({
    store,
    study: 's',
    config: config(),
    resume: false,
    maxTrials: 20,
    space: toySpace(),
    filter: toyFilter(),
    executor: exec,
    ...over,
  });
}

const sequence = (store: MemoryStore) =>
  store.trials
    .slice()
    .sort((a, b) => a.number - b.number)
    .map((t) => `${t.number}:${t.expr}:${t.state}:${t.rung}`);

test('a search runs max-trials evaluable trials, each trial-rung exactly once, with ASHA promotions', async () => {
  const store = new MemoryStore();
  const exec = new InlineExecutor(3);
  const s = await search(store, exec);
  assert.equal(s.stopReason, 'max-trials');
  assert.equal(s.trials.length, 20);
  for (const t of s.trials)
    assert.ok(['complete', 'pruned', 'failed'].includes(t.state), `${t.number}: ${t.state}`);
  const keys = exec.runs.map((r) => `${r.number}:${r.rung}`);
  assert.equal(new Set(keys).size, keys.length, 'no trial-rung ran twice');
  assert.equal(exec.runs.filter((r) => r.rung === 0).length, 20);
  const r1 = exec.runs.filter((r) => r.rung === 1).length;
  const r2 = exec.runs.filter((r) => r.rung === 2).length;
  assert.ok(r1 >= Math.floor(20 / 3) && r1 < 20, `rung 1 ran ${r1}`);
  assert.ok(r2 >= Math.floor(r1 / 3) && r2 <= r1, `rung 2 ran ${r2}`);
  // one baseline (softmax-ce) per rung reached, each trained once and stored as the study's trial −1
  assert.deepEqual(
    exec.baselineRuns.map((b) => `${b.head}@${b.rung}`),
    ['softmax-ce@0', 'softmax-ce@1', 'softmax-ce@2'],
  );
  assert.equal(store.rungs.length, exec.runs.length + exec.baselineRuns.length, 'one stored rung per run');
  // rejections are recorded as trials with a reason, and counted
  const rejected = store.trials.filter((t) => t.state === 'rejected');
  assert.equal(
    rejected.length,
    Object.values(s.rejections).reduce((a, b) => a + b, 0),
  );
  for (const t of rejected) assert.ok(t.rejectReason === 'wrong-sign' || t.rejectReason === 'duplicate');
  // the best is the trial with the highest Δ among those that reached the highest rung
  const topRungOf = (t: (typeof s.trials)[number]) => Math.max(...Object.keys(t.metrics!.rungs).map(Number));
  const deltaOf = (t: (typeof s.trials)[number]) =>
    t.metrics!.rungs[String(topRungOf(t))]!.valAcc! - TOY_BASELINE(topRungOf(t));
  const maxRung = Math.max(...s.trials.map(topRungOf));
  const bestDelta = Math.max(...s.trials.filter((t) => topRungOf(t) === maxRung).map(deltaOf));
  assert.equal(s.best!.score!.rung, maxRung);
  assert.equal(s.best!.score!.delta, bestDelta);
  assert.equal(deltaOf(s.best!), bestDelta);
  // rung-0 capacity counts rung-0 evaluations only, scaled by the worker count
  const r0 = s.trials.map((t) => t.metrics!.rungs['0']!.seconds);
  const mean = r0.reduce((a, x) => a + x, 0) / r0.length;
  assert.ok(Math.abs(s.throughput.rung0MeanSeconds! - mean) < 1e-12);
  assert.ok(s.throughput.rung0MeanSeconds! < 0.0125, 'higher rungs must not enter the rung-0 mean');
  assert.ok(Math.abs(s.throughput.capacityPerHour! - (3 * 3600) / mean) < 1e-6);
});

test('the same seed proposes the same sequence whatever the worker count and timing', async () => {
  const a = new MemoryStore();
  await search(a, new InlineExecutor(1));
  const b = new MemoryStore();
  await search(b, new InlineExecutor(4, (j) => (j.number * 13) % 7));
  assert.deepEqual(sequence(a), sequence(b));
  const c = new MemoryStore();
  await search(c, new InlineExecutor(2), { config: config({ seed: 6 }) });
  assert.notDeepEqual(
    sequence(a).map((x) => x.split(':')[1]),
    sequence(c).map((x) => x.split(':')[1]),
  );
});

test('resume after a crash: trials stuck running are re-run exactly once and nothing is lost or duplicated', async () => {
  const reference = new MemoryStore();
  await search(reference, new InlineExecutor(3));

  for (const crashAt of [1, 4, 9, 15]) {
    const store = new MemoryStore();
    const first = new InlineExecutor(3);
    await assert.rejects(
      search(store, first, { crashWhen: (st) => st.finished >= crashAt && st.running > 0 }),
      SimulatedCrash,
    );
    const stuck = store.trials.filter((t) => t.state === 'running').map((t) => `${t.number}:${t.rung}`);
    assert.ok(stuck.length > 0, 'the crash left trials running');
    const key = (trialId: number, rung: number) =>
      `${store.trials.find((t) => t.id === trialId)!.number}:${rung}`;
    // What the first session got into the database; work it finished but never recorded is lost, as in a real crash.
    const recorded = store.rungs.map((r) => key(r.trialId, r.rung));
    const second = new InlineExecutor(2);
    const s = await search(store, second, { resume: true, config: undefined, maxTrials: undefined });
    const rerun = [
      ...second.runs.map((r) => `${r.number}:${r.rung}`),
      ...second.baselineRuns.map((b) => `-1:${b.rung}`),
    ];
    const all = [...recorded, ...rerun];
    assert.equal(new Set(all).size, all.length, `crash at ${crashAt}: a trial-rung was recorded twice`);
    for (const k of stuck)
      assert.equal(rerun.filter((r) => r === k).length, 1, `${k} was stuck and must re-run once`);
    assert.equal(s.trials.length, 20);
    assert.deepEqual(
      sequence(store),
      sequence(reference),
      `crash at ${crashAt}: the study differs from an uninterrupted one`,
    );
    assert.deepEqual(store.rungs.map((r) => key(r.trialId, r.rung)).sort(), [...all].sort());
  }
});

test('study names: existing without --resume and --resume of a missing study are usage errors', async () => {
  const store = new MemoryStore();
  await search(store, new InlineExecutor(1), { maxTrials: 2 });
  await assert.rejects(search(store, new InlineExecutor(1)), StudyError);
  await assert.rejects(search(store, new InlineExecutor(1), { study: 'nope', resume: true }), StudyError);
  // resuming a finished study does nothing new
  const exec = new InlineExecutor(1);
  const s = await search(store, exec, { resume: true, maxTrials: 2 });
  assert.equal(exec.runs.length, 0);
  assert.equal(s.trials.length, 2);
});

test('a budget stops the search and re-queues what was running', async () => {
  const store = new MemoryStore();
  const exec = new InlineExecutor(2, () => 30);
  const s: SearchSummary = await search(store, exec, { maxTrials: undefined, budgetMs: 100 });
  assert.equal(s.stopReason, 'budget');
  assert.equal(store.trials.filter((t) => t.state === 'running').length, 0);
  const queued = store.trials.filter((t) => t.state === 'queued');
  assert.ok(queued.length > 0, 'the cancelled trials are queued for a resume');
  const exec2 = new InlineExecutor(2, () => 1);
  await search(store, exec2, { resume: true, maxTrials: s.trials.length + 2, budgetMs: undefined });
  assert.equal(store.trials.filter((t) => t.state === 'queued' || t.state === 'running').length, 0);
  const all = [...exec.runs, ...exec2.runs].map((r) => `${r.number}:${r.rung}`);
  assert.equal(new Set(all).size, all.length);
});

test('two objectives keep a Pareto front of non-dominated trials', async () => {
  const store = new MemoryStore();
  const s = await search(store, new InlineExecutor(2), { config: config({ objectives: ['acc', 'speed'] }) });
  assert.ok(s.pareto && s.pareto.length >= 1);
  const top = Math.max(...s.trials.map((t) => t.rung));
  const pts = (t: (typeof s.trials)[number]) => {
    const m = t.metrics!.rungs[String(top)]!;
    return [m.valAcc!, m.speed!];
  };
  const atTop = s.trials.filter((t) => t.metrics?.rungs[String(top)]?.status === 'ok');
  for (const p of s.pareto) {
    const [a, b] = pts(p);
    for (const q of atTop) {
      const [c, d] = pts(q);
      assert.ok(
        !(c! >= a! && d! >= b! && (c! > a! || d! > b!)),
        `${q.number} dominates front member ${p.number}`,
      );
    }
  }
  for (const q of atTop)
    if (!s.pareto.some((p) => p.number === q.number)) {
      const [c, d] = pts(q);
      assert.ok(
        s.pareto.some((p) => {
          const [a, b] = pts(p);
          return a! >= c! && b! >= d! && (a! > c! || b! > d!);
        }),
        `${q.number} is off the front but nothing dominates it`,
      );
    }
});

test('the SQLite store: crash, reopen, resume — every trial-rung recorded once, same study as uninterrupted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-search-'));
  try {
    const reference = new MemoryStore();
    await search(reference, new InlineExecutor(3));
    const path = join(dir, 's.db');
    const db1 = searchStoreOf(openStore(path));
    await assert.rejects(
      search(db1, new InlineExecutor(3), { crashWhen: (st) => st.finished >= 6 && st.running > 0 }),
      SimulatedCrash,
    );
    db1.close();
    const raw = openStore(path);
    const study = raw.getStudy('s')!;
    const stuck = raw.listTrials(study.id, { state: 'running' });
    assert.ok(stuck.length > 0);
    const before = raw.listRungs(study.id).length;
    const db2 = searchStoreOf(raw);
    const second = new InlineExecutor(2);
    const s = await search(db2, second, { resume: true, config: undefined, maxTrials: undefined });
    assert.equal(s.trials.length, 20);
    assert.equal(
      raw.listRungs(study.id).length,
      before + second.runs.length + second.baselineRuns.length,
      'each re-run adds exactly one rung row',
    );
    const seq = raw.listTrials(study.id).map((t) => `${t.number}:${t.expr}:${t.state}:${t.rung}`);
    assert.deepEqual(seq, sequence(reference));
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken executor stops the search with its error and leaves nothing running', async () => {
  const store = new MemoryStore();
  const exec = new InlineExecutor(2);
  let calls = 0;
  const broken = {
    size: 2,
    run: (job: Parameters<InlineExecutor['run']>[0]) => {
      if (++calls > 3) return Promise.reject(new Error('workers cannot start'));
      return exec.run(job);
    },
    close: () => exec.close(),
  };
  await assert.rejects(search(store, exec, { executor: broken }), /workers cannot start/);
  assert.equal(store.trials.filter((t) => t.state === 'running').length, 0);
  assert.ok(
    store.trials.some((t) => t.state === 'queued'),
    'the trials it could not run are queued for a resume',
  );
});

test('each trial is scored by its Δ against the baseline at its highest rung, ranked rung first; the live best never goes down', async () => {
  const store = new MemoryStore();
  const exec = new InlineExecutor(3);
  const seen: Array<number | undefined> = [];
  // crashWhen sees the status after every recorded result (onStatus is throttled to 4 a second)
  const s = await search(store, exec, {
    crashWhen: (st) => {
      seen.push(st.best?.delta);
      return false;
    },
  });
  // the baseline is trial −1, one rung row per rung, softmax-ce's accuracy there
  const b = store.trials.find((t) => t.number === -1)!;
  assert.equal(b.expr, 'softmax-ce');
  assert.equal(b.state, 'complete');
  assert.deepEqual(
    store.rungs.filter((r) => r.trialId === b.id).map((r) => [r.rung, r.metrics.valAcc]),
    [0, 1, 2].map((r) => [r, TOY_BASELINE(r)]),
  );
  assert.deepEqual(
    s.baseline.rungs.map((x) => [x.state, x.valAcc]),
    [0, 1, 2].map((r) => ['ok', TOY_BASELINE(r)]),
  );
  assert.ok(!s.trials.some((t) => t.number === -1), 'the baseline is not a candidate');
  for (const t of s.trials) {
    for (const [r, m] of Object.entries(t.metrics!.rungs))
      assert.equal(t.deltas[r], m.valAcc! - TOY_BASELINE(Number(r)), `#${t.number} rung ${r}`);
    const top = Math.max(...Object.keys(t.metrics!.rungs).map(Number));
    assert.equal(t.score!.rung, top);
    assert.equal(t.score!.delta, t.deltas[String(top)]);
  }
  // the ranking is by that score's rung, highest first, then its Δ, and 'best' is its head
  const scores = s.ranking.map((n) => s.trials.find((t) => t.number === n)!.score!);
  const byRungThenDelta = (
    x: { rung: number; delta: number | null },
    y: { rung: number; delta: number | null },
  ) => y.rung - x.rung || y.delta! - x.delta!;
  assert.deepEqual(scores, [...scores].sort(byRungThenDelta));
  assert.ok(new Set(scores.map((x) => x.rung)).size > 1, 'the ranking spans several rungs');
  assert.equal(s.best!.number, s.ranking[0]);
  // the status line's best is a running maximum of Δ (issue 21), whatever the final ranking's order
  const live = seen.filter((d): d is number => d !== undefined);
  assert.ok(live.length > 3, `${live.length} statuses with a best`);
  for (let i = 1; i < live.length; i++) assert.ok(live[i]! >= live[i - 1]!, `best went down at ${i}`);
  assert.match(s.verdict, /softmax-ce/);
});

test('the promotion gate: only trials within the margin of the rung baseline go up; resumes make the same promotions', async () => {
  // The baseline scores 0.75 at every rung, so the floor is 0.73: toy trials further than 10.8 from the target stop.
  const high = () => 0.75;
  const gated = new MemoryStore();
  const exec = new InlineExecutor(3, undefined, undefined, high);
  const s = await search(gated, exec, { maxTrials: 30 });
  const promoted = s.trials.filter((t) => t.metrics!.rungs['1']);
  assert.ok(promoted.length > 0, 'something is promoted');
  for (const t of promoted) assert.ok(t.metrics!.rungs['0']!.valAcc! >= 0.73 - 1e-9, `#${t.number}`);
  // Without the gate (a study stored before it: no margin) ASHA alone lifts some trial below the floor: the test bites.
  const ungated = new MemoryStore();
  const cfg = config();
  delete cfg.promotionMargin;
  const u = await search(ungated, new InlineExecutor(3, undefined, undefined, high), {
    maxTrials: 30,
    config: cfg,
  });
  assert.ok(
    u.trials.some((t) => t.metrics!.rungs['1'] && t.metrics!.rungs['0']!.valAcc! < 0.73),
    'ASHA alone promotes a trial below the floor',
  );
  assert.equal(u.promotionMargin, null);
  // Crash anywhere, resume: the gated study is the same as the uninterrupted one.
  for (const crashAt of [2, 7, 14]) {
    const store = new MemoryStore();
    await assert.rejects(
      search(store, new InlineExecutor(3, undefined, undefined, high), {
        maxTrials: 30,
        crashWhen: (st) => st.finished >= crashAt && st.running > 0,
      }),
      SimulatedCrash,
    );
    await search(store, new InlineExecutor(2, (j) => (j.number * 5) % 3, undefined, high), {
      resume: true,
      config: undefined,
      maxTrials: undefined,
    });
    assert.deepEqual(sequence(store), sequence(gated), `crash at ${crashAt}`);
  }
});

test('a baseline that fails leaves Δ unknown and the gate open at its rung', async () => {
  const store = new MemoryStore();
  const exec = new InlineExecutor(2, undefined, undefined, (r) => (r === 0 ? 'failed' : 0.99));
  const s = await search(store, exec);
  assert.equal(s.baseline.rungs[0]!.state, 'failed');
  assert.equal(store.trials.find((t) => t.number === -1)!.state, 'failed');
  assert.ok(
    s.trials.filter((t) => t.metrics!.rungs['1']).length >= Math.floor(20 / 3),
    'ASHA promotes ungated',
  );
  // rung-1 baselines of 0.99 block every promotion to rung 2, and rung-0 trials have no Δ
  assert.equal(s.trials.filter((t) => t.metrics!.rungs['2']).length, 0);
  for (const t of s.trials) if (t.score!.rung === 0) assert.equal(t.score!.delta, null);
  assert.ok(s.best && s.best.score!.rung === 1, 'scored trials rank before unscored ones');
});

test('--rerank trains only the baselines an older study lacks, at the rungs it reached, and trains no candidate', async () => {
  const store = new MemoryStore();
  const cfg = config();
  delete cfg.promotionMargin;
  const first = await search(store, new InlineExecutor(3), { config: cfg });
  // As a study stored before baselines existed: no baseline row, no rung rows for it.
  const b = store.trials.find((t) => t.number === -1)!;
  store.trials = store.trials.filter((t) => t !== b);
  store.rungs = store.rungs.filter((r) => r.trialId !== b.id);
  const before = JSON.stringify(store.trials);
  const studyBefore = JSON.stringify(store.studies);
  const exec = new InlineExecutor(2);
  const s = await search(store, exec, { resume: true, config: undefined, maxTrials: 1000, rerank: true });
  assert.equal(s.stopReason, 'rerank');
  assert.equal(exec.runs.length, 0, 'no candidate trained');
  assert.deepEqual(exec.baselineRuns.map((x) => x.rung).sort(), [0, 1, 2]);
  assert.equal(JSON.stringify(store.trials.filter((t) => t.number !== -1)), before, 'trials untouched');
  assert.equal(JSON.stringify(store.studies), studyBefore, 'the study and its limits untouched');
  assert.equal(s.trials.length, first.trials.length);
  for (const t of s.trials) assert.notEqual(t.score!.delta, null);
  // a second rerank has nothing left to train
  const again = new InlineExecutor(1);
  await search(store, again, { resume: true, config: undefined, rerank: true });
  assert.equal(again.baselineRuns.length + again.runs.length, 0);
});
