import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { freshSeeds, runConfirm, topTrials } from '../../src/search/confirm.js';
import { makeStudyConfig } from '../../src/search/study.js';
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
  add(0, '2 * (p - t) + 0.02 * z', 'pruned', { 0: rung(0.95) }); // best at rung 0, but never promoted
  add(1, 'p - t + 0.01 * z', 'pruned', { 0: rung(0.9), 1: rung(0.8) });
  add(2, '3 * (p - t) + 0.03 * z', 'pruned', { 0: rung(0.91), 1: rung(0.85) });
  add(3, 't - p', 'rejected', {});
  add(4, 'exp(z)', 'failed', { 0: rung(0.5, 'failed') });
  // softmax-ce up to √EPS and scale: ranked first, but confirming it would only retrain the baseline
  add(5, '2 * p - 2 * sqrt(t)', 'pruned', { 0: rung(0.93), 1: rung(0.9) });
  return store;
}

test('top trials rank by highest rung, then validation accuracy; fresh seeds skip the search seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-confirm-'));
  try {
    const store = seedStudy(join(dir, 'c.db'));
    const { candidates, knownEquivalents } = topTrials(store, 's', 3);
    assert.deepEqual(
      candidates.map((c) => c.number),
      [2, 1, 0],
    );
    assert.deepEqual(
      knownEquivalents.map((k) => [k.head, k.knownHead.split(' ')[0]]),
      [['s#5', 'softmax-ce']],
    );
    assert.equal(candidates[0]!.head, 's#2');
    assert.equal(candidates[0]!.searchValAcc, 0.85);
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
      ['s#1', false, 2],
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
