import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { ConfirmError, freshSeeds, refusal, runConfirm, topTrials } from '../../src/search/confirm.js';
import { makeStudyConfig } from '../../src/search/study.js';
import { markdownTable } from '../../src/compare/index.js';
import type { RungMetrics } from '../../src/search/trial.js';

const rung = (valAcc: number, status: RungMetrics['status'] = 'ok'): RungMetrics => ({
  status,
  valAcc,
  speed: valAcc,
  seconds: 1,
});

function seedStudy(path: string) {
  const store = openStore(path);
  const cfg = makeStudyConfig({ space: 'delta', seed: 1 });
  const id = store.createStudy('s', 'delta', JSON.stringify({ config: cfg, limits: {} })).id;
  const add = (
    number: number,
    expr: string,
    state: 'pruned' | 'complete' | 'failed' | 'rejected',
    rungs: Record<string, RungMetrics>,
  ) =>
    store.addTrial(id, {
      number,
      expr,
      state,
      seed: 1,
      metrics: { rungs },
      rung: Object.keys(rungs).length - 1,
    });
  // the study's softmax-ce baseline (trial −1): 92% at rung 0, 84% at rung 1
  add(-1, 'softmax-ce', 'complete', { 0: rung(0.92), 1: rung(0.84) });
  add(0, '2 * (p - t) + 0.02 * z', 'pruned', { 0: rung(0.95) }); // Δ +3 at rung 0, never promoted: after #2
  add(1, 'p - t + 0.01 * z', 'pruned', { 0: rung(0.9), 1: rung(0.8) }); // Δ −4 at rung 1
  add(2, '3 * (p - t) + 0.03 * z', 'pruned', { 0: rung(0.91), 1: rung(0.85) }); // Δ +1 at rung 1: ranks first
  add(3, 't - p', 'rejected', {});
  add(4, 'exp(z)', 'failed', { 0: rung(0.5, 'failed') });
  // softmax-ce up to √EPS and scale: ranked first, but confirming it would only retrain the baseline
  add(5, '2 * p - 2 * sqrt(t)', 'pruned', { 0: rung(0.93), 1: rung(0.9) });
  return store;
}

test('top trials rank by the highest rung each completed, then Δ there, those beyond the margin last; fresh seeds skip the search seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = seedStudy(join(dir, 'c.db'));
    const { candidates, knownEquivalents, margin } = topTrials(store, 's', 3);
    assert.deepEqual(
      candidates.map((c) => c.number),
      [2, 0, 1],
    );
    assert.deepEqual(
      knownEquivalents.map((k) => [k.head, k.knownHead.split(' ')[0]]),
      [['s#5', 'softmax-ce']],
    );
    assert.equal(candidates[0]!.head, 's#2');
    assert.equal(candidates[0]!.searchValAcc, 0.85);
    assert.equal(candidates[0]!.baselineValAcc, 0.84);
    assert.ok(Math.abs(candidates[0]!.delta! - 0.01) < 1e-12);
    assert.equal(margin, 0.02);
    assert.match(refusal('s', candidates, margin) ?? '', /s#1 \(Δ −4\.00 at rung 1\).*--top 2.*--force/);
    store.close();
    assert.deepEqual(freshSeeds(3, 1002), [1001, 1003, 1004]);
    assert.deepEqual(freshSeeds(2, 1), [1001, 1002]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--distinct confirms one candidate per structure and lists the constant-only variants it passed over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = seedStudy(join(dir, 'c.db'));
    // #2 3·(p − t) + 0.03·z and #0 2·(p − t) + 0.02·z differ only in their constants
    const plain = topTrials(store, 's', 3);
    assert.deepEqual(plain.relatives, []);
    const { candidates, relatives, knownEquivalents } = topTrials(store, 's', 3, { distinct: true });
    assert.deepEqual(
      candidates.map((c) => c.number),
      [2, 1],
    );
    assert.deepEqual(
      relatives.map((r) => [r.head, r.sameStructureAs, r.skeleton]),
      [['s#0', 's#2', 'c * (p - t) + c * z']],
    );
    assert.equal(knownEquivalents.length, 1, 'known heads are still passed over first');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--distinct is refused for a parametric (continuous) study', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = openStore(join(dir, 'p.db'));
    const cfg = makeStudyConfig({ space: 'poly', seed: 1 });
    store.createStudy('poly', 'poly', JSON.stringify({ config: cfg, limits: {} }));
    assert.throws(
      () => topTrials(store, 'poly', 2, { distinct: true }),
      /parametric space 'poly'.*drop --distinct/,
    );
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('confirm retrains the top-k and the baseline as stored runs, summarises them, and resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = seedStudy(join(dir, 'c.db'));
    const opts = {
      study: 's',
      top: 2,
      seeds: 2,
      datasets: ['mnist'],
      models: ['keras-mlp'],
      epochs: 1,
      trainLimit: 300,
      workers: 0,
    };
    const out = await runConfirm(store, opts);
    assert.equal(out.grid, 'confirm:s');
    assert.deepEqual(out.seeds, [1001, 1002]);
    assert.equal(out.runs, 6);
    assert.equal(out.ranNow, 6);
    const runs = store.listRuns({ grid: 'confirm:s' });
    assert.equal(runs.length, 6);
    for (const r of runs) {
      assert.equal(r.status, 'ok');
      assert.ok(r.testAcc !== null && r.testAcc > 0.3, `${r.head} seed ${r.seed}: test acc ${r.testAcc}`);
    }
    const cand = runs.find((r) => r.head === 's#2')!;
    assert.equal((cand.config as { candidate?: { expr: string } }).candidate?.expr, '3 * (p - t) + 0.03 * z');
    assert.deepEqual(out.rows.map((r) => [r.head, r.baseline, r.n]).sort(), [
      ['s#0', false, 2],
      ['s#2', false, 2],
      ['softmax-ce', true, 2],
    ]);
    for (const r of out.rows.filter((x) => !x.baseline)) {
      assert.equal(r.delta?.metric, 'test');
      assert.ok(r.delta!.pHolm >= r.delta!.p - 1e-12, 'Holm never lowers a p-value');
    }
    const again = await runConfirm(store, opts);
    assert.equal(again.ranNow, 0);
    assert.equal(again.skipped, 6);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('confirm --repr measures the representation metrics for candidates (their transfer run uses the candidate head)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = seedStudy(join(dir, 'c.db'));
    const out = await runConfirm(store, {
      study: 's',
      top: 1,
      seeds: 1,
      datasets: ['mnist'],
      models: ['keras-mlp'],
      epochs: 1,
      trainLimit: 400,
      workers: 0,
      repr: true,
    });
    assert.equal(out.grid, 'confirm:s:repr');
    const runs = store.listRuns({ grid: 'confirm:s:repr' });
    assert.deepEqual(runs.map((r) => r.head).sort(), ['s#2', 'softmax-ce']);
    for (const r of runs) {
      assert.equal(r.status, 'ok', r.error ?? '');
      for (const k of ['knn', 'probe', 'r2', 'nc1', 'mapAtR', 'transferP1'])
        assert.ok(Number.isFinite(r.repr?.[k]), `${r.head}: ${k} = ${r.repr?.[k]}`);
      assert.ok(r.repr!.knn > 0.3 && r.repr!.mapAtR > 0.1, JSON.stringify(r.repr));
    }
    for (const row of out.rows) assert.ok(row.repr?.mapAtR, `${row.head}: repr intervals in the table row`);
    assert.equal(store.listRuns({ grid: 'confirm:s' }).length, 0, 'plain and repr confirmations keep apart');
    const [cka] = out.cka ?? [];
    assert.deepEqual(cka?.heads, ['softmax-ce', 's#2']);
    const v = cka!.cells[0]![1]!.mean;
    assert.ok(v > 0 && v <= 1 + 1e-9, `CKA between the baseline's and the candidate's bodies: ${v}`);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The issue's study: ASHA lifted #1 and #458 early (rung 2, 22.78% and 57.45%); #518 is far better at rung 1. */
function issueStudy(path: string, withBaseline = true) {
  const store = openStore(path);
  const cfg = makeStudyConfig({ space: 'delta', seed: 1 });
  const id = store.createStudy('i', 'delta', JSON.stringify({ config: cfg, limits: {} })).id;
  const add = (
    number: number,
    expr: string,
    state: 'complete' | 'pruned',
    rungs: Record<string, RungMetrics>,
  ) =>
    store.addTrial(id, {
      number,
      expr,
      state,
      seed: 1,
      metrics: { rungs },
      rung: Object.keys(rungs).length - 1,
    });
  if (withBaseline) add(-1, 'softmax-ce', 'complete', { 0: rung(0.95), 1: rung(0.973), 2: rung(0.978) });
  add(1, 'log(log(sigmoid(t) / (2 * t)))', 'complete', { 0: rung(0.2047), 1: rung(0.1763), 2: rung(0.2278) });
  add(458, 'z - 2 * t', 'complete', { 0: rung(0.6), 1: rung(0.55), 2: rung(0.5745) });
  add(518, 'relu(z - p) - t', 'pruned', { 0: rung(0.951), 1: rung(0.9722) });
  add(600, 'p - t + 0.01 * z', 'pruned', { 0: rung(0.93) });
  return store;
}

test("the issue's study: the better lower-rung trial ranks before bad ones ASHA lifted early, and confirm refuses those", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = issueStudy(join(dir, 'i.db'));
    const { candidates } = topTrials(store, 'i', 4);
    assert.deepEqual(
      candidates.map((c) => c.number),
      [518, 600, 458, 1],
      'Δ −0.08 (r1), −2.0 (r0), −40.35 (r2), −75.02 (r2)',
    );
    const opts = { study: 'i', top: 3, seeds: 1, datasets: ['mnist'], models: ['keras-mlp'], workers: 0 };
    let trained = false;
    await assert.rejects(
      runConfirm(store, { ...opts, onSelected: () => (trained = true) }),
      (e: unknown) =>
        e instanceof ConfirmError &&
        e.exitCode === 2 &&
        !e.message.includes('\n') &&
        /a candidate is more than 2 points below softmax-ce.*i#458 \(Δ −40\.35 at rung 2\).*--top 2.*--force/.test(
          e.message,
        ),
    );
    assert.equal(trained, false, 'refused before anything trains');
    assert.equal(store.listRuns({ grid: 'confirm:i' }).length, 0);
    // #600 is exactly 2 points below: within the margin
    assert.equal(refusal('i', candidates.slice(0, 2), 0.02), null);
    // a study stored before baselines cannot be judged: refused too, with the command that fixes it
    const old = issueStudy(join(dir, 'old.db'), false);
    const top1 = topTrials(old, 'i', 1).candidates;
    assert.equal(top1[0]!.delta, null);
    assert.match(refusal('i', top1, 0.02) ?? '', /no softmax-ce baseline.*search --study i --rerank/);
    old.close();
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--trials names the candidates (in that order, whatever their rank); --first-seed starts the fresh seeds there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = seedStudy(join(dir, 'c.db'));
    assert.deepEqual(
      topTrials(store, 's', 5, { trials: [2, 0] }).candidates.map((c) => c.number),
      [2, 0],
    );
    assert.throws(
      () => topTrials(store, 's', 5, { trials: [2, 3] }),
      /no trained trial #3 with a validation score/,
    );
    assert.deepEqual(freshSeeds(3, 2002, 2001), [2001, 2003, 2004]);
    const out = await runConfirm(store, {
      study: 's',
      top: 5,
      trials: [2],
      seeds: 2,
      firstSeed: 2001,
      datasets: ['mnist'],
      models: ['keras-mlp'],
      epochs: 1,
      trainLimit: 300,
      workers: 0,
    });
    assert.deepEqual(out.seeds, [2001, 2002]);
    // The power line under the table: the test the verdicts use and the seeds 0.2 points would need.
    assert.deepEqual(
      out.panels.map((p) => [p.dataset, p.model, p.verdictTest]),
      [['mnist', 'keras-mlp', 'paired']],
    );
    assert.match(
      markdownTable(out.rows, out.panels),
      /verdicts use the paired t-test.*Seeds to detect 0\.20 pts/,
    );
    assert.deepEqual(
      store
        .listRuns({ grid: 'confirm:s' })
        .map((r) => `${r.head}@${r.seed}`)
        .sort(),
      ['s#2@2001', 's#2@2002', 'softmax-ce@2001', 'softmax-ce@2002'],
    );
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
