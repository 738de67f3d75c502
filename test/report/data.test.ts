import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from '../../src/stats/index.js';
import { readReportData, paretoFront, ReportError, rungLabel, studyConfig } from '../../src/report/data.js';
import { renderPage } from '../../src/report/html.js';
import type { AccuracyRow } from '../../src/report/types.js';
import Database from 'better-sqlite3';
import { FixtureDb, richFixture } from './fixture.js';
import { openStore } from '../../src/store/index.js';
import { loadRunViews, summarizeRuns } from '../../src/compare/index.js';

// Student t quantiles from tables (independent of src/stats): t_{0.975, 2}.
const T975_DF2 = 4.302652729911275;

let dir: string;
let dbPath: string;

const BASE = [0.9, 0.905, 0.91];
const HEADS: Record<string, number[]> = {
  'head-better': [0.95, 0.951, 0.952],
  'head-worse': [0.85, 0.851, 0.852],
  'head-same': [0.899, 0.906, 0.912],
  'head-flip': [0.92, 0.921, 0.922], // raw p < 0.05, but not after Holm over four heads
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-data-'));
  dbPath = join(dir, 'fixture.db');
  const f = new FixtureDb(dbPath);
  BASE.forEach((acc, i) =>
    f.addRun({
      head: 'softmax-ce',
      seed: i + 1,
      testAcc: acc,
      epochs: [0.5 + i * 0.01, 0.8 + i * 0.02, acc],
    }),
  );
  for (const [head, accs] of Object.entries(HEADS))
    accs.forEach((acc, i) => f.addRun({ head, seed: i + 1, testAcc: acc, epochs: [0.6, 0.85, acc] }));
  f.addRun({ head: 'head-single', seed: 1, testAcc: 0.99 });
  f.addRun({ head: 'head-same', seed: 9, status: 'diverged', divergedEpoch: 2, valAcc: null, testAcc: null });
  // A second panel with two seeds per head: Welch's df is exactly 2 there, where the t tail has a closed form.
  [0.8, 0.82].forEach((acc, i) =>
    f.addRun({ dataset: 'fashion-mnist', head: 'softmax-ce', seed: i + 1, testAcc: acc }),
  );
  [0.9, 0.92].forEach((acc, i) =>
    f.addRun({ dataset: 'fashion-mnist', head: 'linear-mse', seed: i + 1, testAcc: acc }),
  );
  // Validation only (no test accuracy stored): the table falls back to validation accuracy.
  [0.7, 0.72].forEach((acc, i) =>
    f.addRun({ dataset: 'spirals', head: 'softmax-ce', seed: i + 1, valAcc: acc }),
  );

  const s = f.addStudy('s1');
  f.addTrial(s, { number: 0, expr: 'a', state: 'complete', rungs: [{ valAcc: 0.8, speed: 0.7 }] });
  f.addTrial(s, { number: 1, expr: 'b', state: 'rejected', rejectReason: 'non-finite δ' });
  f.addTrial(s, { number: 2, expr: 'c', state: 'complete', rungs: [{ valAcc: 0.75, speed: 0.75 }] });
  f.addTrial(s, { number: 3, expr: 'd', state: 'rejected', rejectReason: 'non-finite δ' });
  f.addTrial(s, { number: 4, expr: 'e', state: 'rejected', rejectReason: 'duplicate hash' });
  f.addTrial(s, {
    number: 5,
    expr: 'f',
    state: 'complete',
    rungs: [
      { valAcc: 0.85, speed: 0.6 },
      { valAcc: 0.9, speed: 0.8 },
    ],
  });
  f.addTrial(s, { number: 6, expr: 'g', state: 'complete', rungs: [{ valAcc: 0.7, speed: 0.65 }] });
  [0.97, 0.971].forEach((acc, i) =>
    f.addRun({ grid: 'confirm:s1', head: 'softmax-ce', seed: 100 + i, testAcc: acc }),
  );
  [0.975, 0.976].forEach((acc, i) =>
    f.addRun({ grid: 'confirm:s1', head: 's1#5', seed: 100 + i, testAcc: acc }),
  );
  f.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

function row(rows: AccuracyRow[], panel: string, head: string): AccuracyRow {
  const r = rows.find((x) => x.panel === panel && x.head === head);
  assert.ok(r, `no row for ${panel} / ${head}`);
  return r;
}

/** Holm's step-down adjustment, written out independently of src/stats. */
function holmByHand(ps: number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(ps.length);
  let run = 0;
  order.forEach(([p, i], k) => {
    run = Math.max(run, Math.min(1, (ps.length - k) * p));
    out[i] = run;
  });
  return out;
}

test('accuracy CI is the Student-t interval (matches a hand computation and src/stats)', () => {
  const data = readReportData({ dbPath });
  const b = row(data.accuracy, 'mnist · keras-mlp', 'softmax-ce');
  assert.equal(b.n, 3);
  assert.equal(b.metric, 'test');
  const half = (T975_DF2 * 0.005) / Math.sqrt(3);
  assert.ok(Math.abs(b.mean - 0.905) < 1e-12);
  assert.ok(Math.abs(b.lo - (0.905 - half)) < 1e-9, `lo ${b.lo}`);
  assert.ok(Math.abs(b.hi - (0.905 + half)) < 1e-9, `hi ${b.hi}`);
  const s = summarize(BASE);
  assert.equal(b.lo, s.ci[0]);
  assert.equal(b.hi, s.ci[1]);
  assert.equal(b.verdict, 'baseline');
  assert.equal(b.delta, null);
});

test('Welch p against the closed-form t tail at df = 2', () => {
  const data = readReportData({ dbPath });
  const r = row(data.accuracy, 'fashion-mnist · keras-mlp', 'linear-mse');
  // Equal n and equal variances: Welch's df = 2(n − 1) = 2, and P(|T| > t) = 1 − t / sqrt(2 + t²) for df = 2.
  const t = 0.1 / Math.sqrt(0.0002 / 2 + 0.0002 / 2);
  const p = 1 - t / Math.sqrt(2 + t * t);
  assert.ok(Math.abs(r.pWelch! - p) < 1e-9, `p ${r.pWelch} vs ${p}`);
  assert.equal(r.pWelchHolm, r.pWelch, 'one comparison in the panel: Holm changes nothing');
  assert.ok(Math.abs(r.delta! - 0.1) < 1e-12);
  assert.equal(r.verdict, 'better');
});

test('Δ table: Holm across the heads of a panel decides significance', () => {
  const data = readReportData({ dbPath });
  const panel = 'mnist · keras-mlp';
  const names = Object.keys(HEADS);
  // Both tests, each Holm-corrected across the panel's heads.
  const raw = names.map((h) => row(data.accuracy, panel, h).pWelch!);
  const adj = holmByHand(raw);
  names.forEach((h, i) => assert.ok(Math.abs(row(data.accuracy, panel, h).pWelchHolm! - adj[i]) < 1e-12, h));
  const rawPaired = names.map((h) => row(data.accuracy, panel, h).pPaired!);
  const adjPaired = holmByHand(rawPaired);
  names.forEach((h, i) =>
    assert.ok(Math.abs(row(data.accuracy, panel, h).pPairedHolm! - adjPaired[i]) < 1e-12, `${h} paired`),
  );
  // Every head ran the baseline's seeds 1–3 (head-same's diverged seed 9 is not counted), so the verdicts use the
  // paired test, and pRaw/pHolm are its values.
  for (const h of names) {
    const r = row(data.accuracy, panel, h);
    assert.equal(r.test, 'paired', h);
    assert.equal(r.pRaw, r.pPaired, h);
    assert.equal(r.pHolm, r.pPairedHolm, h);
  }

  assert.equal(row(data.accuracy, panel, 'head-better').verdict, 'better');
  assert.equal(row(data.accuracy, panel, 'head-worse').verdict, 'worse');
  assert.equal(row(data.accuracy, panel, 'head-same').verdict, 'no significant difference');
  const flip = row(data.accuracy, panel, 'head-flip');
  assert.ok(flip.pWelch! < 0.05, `precondition: raw Welch p ${flip.pWelch} < 0.05`);
  assert.ok(flip.pWelchHolm! >= 0.05, `precondition: Welch Holm p ${flip.pWelchHolm} ≥ 0.05`);
  // Paired, its per-seed differences (0.020, 0.016, 0.012) are consistent enough to survive Holm over four heads:
  // t = 0.016 / (0.004/√3) on 2 df. The power the pairing adds turns Welch's "no significant difference" into "better".
  const tFlip = 0.016 / (0.004 / Math.sqrt(3));
  assert.ok(
    Math.abs(flip.pPaired! - (1 - tFlip / Math.sqrt(2 + tFlip * tFlip))) < 1e-9,
    `paired p ${flip.pPaired}`,
  );
  assert.ok(flip.pHolm! < 0.05, `paired Holm p ${flip.pHolm}`);
  assert.equal(flip.verdict, 'better');
  for (const r of data.accuracy) {
    if (r.pHolm === null) continue;
    const expected = r.pHolm < 0.05 ? (r.delta! > 0 ? 'better' : 'worse') : 'no significant difference';
    assert.equal(r.verdict, expected, r.head);
  }

  const single = row(data.accuracy, panel, 'head-single');
  assert.equal(single.verdict, 'too few runs');
  assert.equal(single.pRaw, null);
  assert.ok(Math.abs(single.delta! - (0.99 - 0.905)) < 1e-12);

  const better = row(data.accuracy, panel, 'head-better');
  assert.ok(better.deltaCi && better.deltaCi[0] < better.delta! && better.delta! < better.deltaCi[1]);
});

test('diverged runs are counted, not averaged; heads are ordered baseline first', () => {
  const data = readReportData({ dbPath });
  const same = row(data.accuracy, 'mnist · keras-mlp', 'head-same');
  assert.equal(same.n, 3);
  assert.equal(same.diverged, 1);
  assert.deepEqual(same.seeds, [1, 2, 3]);
  assert.equal(data.headOrder[0], 'softmax-ce');
  assert.equal(data.accuracy.filter((r) => r.panel === 'mnist · keras-mlp')[0].head, 'softmax-ce');
});

test('a panel without test accuracy falls back to validation accuracy', () => {
  const data = readReportData({ dbPath });
  const r = row(data.accuracy, 'spirals · keras-mlp', 'softmax-ce');
  assert.equal(r.metric, 'val');
  assert.ok(Math.abs(r.mean - 0.71) < 1e-12);
});

test('learning curves summarise validation accuracy per epoch across seeds', () => {
  const data = readReportData({ dbPath });
  const p = data.curves.find(
    (c) => c.head === 'softmax-ce' && c.panel === 'mnist · keras-mlp' && c.epoch === 2,
  );
  assert.ok(p);
  // epoch 2 values 0.80, 0.82, 0.84: mean 0.82, sd 0.02
  assert.equal(p.n, 3);
  assert.ok(Math.abs(p.mean - 0.82) < 1e-12);
  assert.ok(Math.abs(p.hi - p.mean - (T975_DF2 * 0.02) / Math.sqrt(3)) < 1e-9);
  // The diverged run (epoch 1 only) is not part of any curve.
  const same1 = data.curves.find((c) => c.head === 'head-same' && c.epoch === 1);
  assert.equal(same1?.n, 3);
});

test('studies: search curve, rejections, Pareto front and the confirmation table', () => {
  const data = readReportData({ dbPath });
  assert.equal(data.studies.length, 1);
  const s = data.studies[0];
  assert.deepEqual(s.states, { complete: 4, rejected: 3 });
  assert.deepEqual(s.rejections, [
    { reason: 'non-finite δ', count: 2 },
    { reason: 'duplicate hash', count: 1 },
  ]);
  const r0 = s.searchCurve.filter((p) => p.rung === 0);
  assert.deepEqual(
    r0.map((p) => [p.number, p.best]),
    [
      [0, 0.8],
      [2, 0.8],
      [5, 0.85],
      [6, 0.85],
    ],
  );
  assert.deepEqual(
    s.searchCurve.filter((p) => p.rung === 1).map((p) => p.number),
    [5],
  );
  // Rung 0 points (acc, speed): 0 (.8,.7), 2 (.75,.75), 5 (.85,.6), 6 (.7,.65, dominated by 0 and 2).
  assert.equal(s.paretoRung, 0);
  assert.deepEqual(
    s.pareto
      .filter((p) => p.front)
      .map((p) => p.number)
      .sort(),
    [0, 2, 5],
  );
  const top = s.trials.find((t) => t.number === 5);
  assert.equal(top?.rung, 1);
  assert.equal(top?.valAcc, 0.9);
  assert.deepEqual(s.confirmGrids, ['confirm:s1']);
  assert.deepEqual(
    s.confirmation.map((c) => c.head),
    ['softmax-ce', 's1#5'],
  );
  // Confirmation runs stay out of the main tables but are listed with the runs.
  assert.ok(!data.accuracy.some((r) => r.head === 's1#5'));
  assert.ok(data.runs.some((r) => r.grid === 'confirm:s1'));
});

test("a study's confirmation includes the baseline runs another study's confirmation trained with the same config", () => {
  const d = mkdtempSync(join(tmpdir(), 'report-shared-'));
  try {
    const path = join(d, 'shared.db');
    const f = new FixtureDb(path);
    f.addStudy('a');
    f.addStudy('b');
    const add = (
      grid: string,
      head: string,
      seed: number,
      testAcc: number,
      expr?: string,
      configEpochs = 5,
    ) =>
      f.addRun({
        grid,
        head,
        seed,
        testAcc,
        configEpochs,
        keyFromConfig: true,
        ...(expr ? { candidate: { space: 'loss', expr } } : {}),
      });
    add('confirm:a', 'softmax-ce', 1001, 0.97);
    add('confirm:a', 'softmax-ce', 1002, 0.972);
    add('confirm:a', 'a#1', 1001, 0.96, 'square(z - t)');
    add('confirm:a', 'a#1', 1002, 0.962, 'square(z - t)');
    // b was confirmed later under the same settings: its baseline runs already existed (same key), so only b#3 trained
    add('confirm:b', 'b#3', 1001, 0.98, 'square(log(py))');
    add('confirm:b', 'b#3', 1002, 0.981, 'square(log(py))');
    // same head and seed, other config: not b's baseline
    add('compare', 'softmax-ce', 1001, 0.5, undefined, 7);
    f.close();
    const data = readReportData({ dbPath: path });
    const b = data.studies.find((s) => s.name === 'b')!;
    assert.deepEqual(
      b.confirmation.map((r) => [r.head, r.n]),
      [
        ['softmax-ce', 2],
        ['b#3', 2],
      ],
    );
    assert.ok(Math.abs(b.confirmation[1]!.delta! - 0.0095) < 1e-9, 'b#3 has a Δ against the shared baseline');
    assert.ok(Math.abs(b.confirmation[0]!.mean - 0.971) < 1e-12);
    const a = data.studies.find((s) => s.name === 'a')!;
    assert.deepEqual(
      a.confirmation.map((r) => [r.head, r.n]),
      [
        ['softmax-ce', 2],
        ['a#1', 2],
      ],
    );
    const only = readReportData({ dbPath: path, study: 'b' });
    assert.equal(only.runs.filter((r) => r.head === 'softmax-ce' && r.grid === 'confirm:a').length, 2);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('filters: --grid restricts runs, --study restricts studies; names that match nothing are refused', () => {
  // An empty report would look like an answer; a name that matches nothing is an error that lists what is there.
  assert.throws(
    () => readReportData({ dbPath, grid: 'nope' }),
    (e: unknown) =>
      e instanceof ReportError && /--grid 'nope' matches no run.*grids there: .*compare/.test(e.message),
  );
  assert.throws(
    () => readReportData({ dbPath, study: 'nope' }),
    (e: unknown) =>
      e instanceof ReportError && /--study 'nope' matches no study.*studies there: .*s1/.test(e.message),
  );
  assert.throws(
    () => readReportData({ dbPath, baseline: 'nope' }),
    (e: unknown) =>
      e instanceof ReportError && /--baseline 'nope'.*heads there: .*softmax-ce/.test(e.message),
  );
  const confirm = readReportData({ dbPath, grid: 'confirm:s1' });
  assert.deepEqual([...new Set(confirm.accuracy.map((r) => r.head))], ['softmax-ce', 's1#5']);
});

test('pareto front of a hand-made set', () => {
  const pts = [
    { valAcc: 1, speed: 0 },
    { valAcc: 0, speed: 1 },
    { valAcc: 0.5, speed: 0.5 },
    { valAcc: 0.4, speed: 0.4 },
    { valAcc: 0.5, speed: 0.5 }, // a tie is not dominated
  ];
  assert.deepEqual(paretoFront(pts), [true, true, true, false, true]);
});

test('a missing file or a foreign database is one clear error', () => {
  assert.throws(() => readReportData({ dbPath: join(dir, 'missing.db') }), ReportError);
  const other = join(dir, 'other.db');
  const db = new Database(other);
  db.exec('CREATE TABLE something(x)');
  db.close();
  assert.throws(() => readReportData({ dbPath: other }), /not a headroom database/);
});

test('study config: the search stores { config }, rung labels name the ladder', () => {
  const text = JSON.stringify({
    config: {
      sampler: 'evolution',
      seed: 3,
      eta: 3,
      objectives: ['acc', 'speed'],
      ladder: [
        { model: 'keras-mlp', dataset: 'mnist', epochs: 2, trainLimit: 10000 },
        { model: 'keras-cnn', dataset: 'mnist', epochs: 5 },
      ],
    },
  });
  const cfg = studyConfig(text);
  assert.equal(rungLabel(cfg, 0), 'rung 0 · keras-mlp · mnist · 2 ep · 10000 train');
  assert.equal(rungLabel(cfg, 1), 'rung 1 · keras-cnn · mnist · 5 ep');
  assert.equal(rungLabel(cfg, 2), 'rung 2');
  assert.deepEqual(studyConfig('not json'), {});
});

test("the Δ table agrees with headroom compare's summary of the same runs", () => {
  const data = readReportData({ dbPath });
  const store = openStore(dbPath, { readonly: true });
  const keys = store.listRuns({ grid: 'compare' }).map((r) => r.key);
  const rows = summarizeRuns(loadRunViews(store, keys), { baseline: 'softmax-ce' });
  store.close();
  assert.ok(rows.length > 5);
  for (const c of rows) {
    const r = row(data.accuracy, `${c.dataset} · ${c.model}`, c.head);
    const acc = c.testAcc ?? c.valAcc;
    assert.equal(r.n, c.n, c.head);
    assert.ok(Math.abs(r.mean - acc.mean) < 1e-12, c.head);
    if (r.n >= 2)
      assert.ok(acc.ci && Math.abs(r.lo - acc.ci[0]) < 1e-12 && Math.abs(r.hi - acc.ci[1]) < 1e-12, c.head);
    assert.equal(r.diverged, c.diverged + c.failed, c.head);
    if (c.delta) {
      assert.ok(Math.abs(r.delta! - c.delta.mean) < 1e-12, c.head);
      assert.ok(Math.abs(r.pRaw! - c.delta.p) < 1e-12, c.head);
      assert.ok(Math.abs(r.pHolm! - c.delta.pHolm) < 1e-12, c.head);
      assert.equal(r.verdict === 'better' || r.verdict === 'worse', c.delta.pHolm < 0.05, c.head);
    } else {
      assert.equal(r.pHolm, null, c.head);
    }
  }
});

test('cross-head CKA: read from the cka table per panel, symmetric, and ordered as the features were built', () => {
  const rich = join(dir, 'rich.db');
  richFixture(rich);
  const data = readReportData({ dbPath: rich });
  const cell = (panel: string, a: string, b: string) =>
    data.cka.find((c) => c.panel === panel && c.a === a && c.b === b);
  for (const panel of ['mnist · keras-mlp', 'fashion-mnist · keras-cnn']) {
    const near = cell(panel, 'softmax-ce', 'oland-exp');
    const far = cell(panel, 'softmax-ce', 'linear-mse');
    assert.ok(near && far, `${panel}: cells present`);
    assert.equal(near.n, 3);
    assert.deepEqual(cell(panel, 'oland-exp', 'softmax-ce'), { ...near, a: 'oland-exp', b: 'softmax-ce' });
    assert.ok(near.mean > far.mean, `less noise, more similar: ${near.mean} vs ${far.mean}`);
    assert.ok(far.mean > 0 && near.mean <= 1);
  }
  assert.equal(data.cka.filter((c) => c.a === c.b).length, 0, 'no diagonal');
  // The keys compare --repr stores (src/compare/repr.ts) all get their labels; the probe's chosen L2 is not a column.
  assert.deepEqual(
    data.repr.columns.map((c) => c.label),
    ['kNN acc', 'probe acc', 'R²', 'NC1', 'MAP@R', 'P@1'],
  );
  // confirmation runs are not in the main sections, so not in their CKA either
  assert.ok(!data.cka.some((c) => c.a.startsWith('delta-search#')));
});

test('runs of one dataset and model under different configs are separate panels, never pooled', () => {
  const path = join(dir, 'mixed.db');
  const f = new FixtureDb(path);
  // epochs: 3 (short grid) against 5 (reference grid)
  for (const [grid, curve, acc] of [
    ['short', [0.9, 0.95, 0.96], 0.96],
    ['long', [0.9, 0.95, 0.96, 0.97, 0.98], 0.98],
  ] as const)
    for (const head of ['softmax-ce', 'linear-mse'])
      for (let seed = 1; seed <= 3; seed++)
        f.addRun({
          grid,
          head,
          seed,
          epochs: [...curve],
          configEpochs: curve.length,
          testAcc: acc + seed / 1000,
        });
  f.close();
  const data = readReportData({ dbPath: path });
  const panels = [...new Set(data.accuracy.map((a) => a.panel))].sort();
  assert.deepEqual(panels, ['mnist · keras-mlp · epochs 3', 'mnist · keras-mlp · epochs 5']);
  for (const a of data.accuracy) assert.equal(a.n, 3, `${a.panel} ${a.head}: n = 3, not 6`);
  const long = row(data.accuracy, 'mnist · keras-mlp · epochs 5', 'softmax-ce');
  assert.ok(Math.abs(long.mean - 0.982) < 1e-9);
  assert.deepEqual(
    [...new Set(data.curves.map((c) => c.panel))].sort(),
    panels,
    'learning curves split the same way',
  );
});

test('representation metrics: each head tested against the baseline (Holm), and Kornblith correlations across heads', () => {
  const path = join(dir, 'repr.db');
  const f = new FixtureDb(path);
  const noise = [-0.001, 0, 0.001]; // symmetric, so each head's mean is exactly its design value
  const heads = ['softmax-ce', 'h1', 'h2', 'h3'];
  heads.forEach((head, h) =>
    noise.forEach((e, i) =>
      f.addRun({
        head,
        seed: i + 1,
        testAcc: 0.9 + 0.01 * h + e,
        repr: {
          probeLambda: 0.01,
          knn: 0.95 + (h === 3 ? 0.02 : 0) + e * (i + h),
          mapAtR: 0.5 - 0.02 * h + e,
          r2: 0.3 + 0.1 * h * h + e,
        },
      }),
    ),
  );
  f.close();
  const repr = readReportData({ dbPath: path }).repr;
  const rowOf = (head: string) => repr.rows.find((r) => r.head === head)!;
  assert.deepEqual(rowOf('softmax-ce').vsBaseline, {});
  assert.deepEqual(repr.columns.map((c) => c.label).sort(), ['MAP@R', 'R²', 'kNN acc'], 'no probe L2 column');
  const knnOf = (head: string) =>
    noise.map((e, i) => 0.95 + (head === 'h3' ? 0.02 : 0) + e * (i + heads.indexOf(head)));
  const ps = ['h1', 'h2', 'h3'].map((h) => welchPByHand(knnOf(h), knnOf('softmax-ce')));
  const adjusted = holmByHand(ps);
  ['h1', 'h2', 'h3'].forEach((h, i) => {
    const t = rowOf(h).vsBaseline.knn;
    assert.ok(Math.abs(t.p - ps[i]) < 1e-9, `${h}: p ${t.p} vs ${ps[i]}`);
    assert.ok(Math.abs(t.pHolm - adjusted[i]) < 1e-9, `${h}: Holm ${t.pHolm} vs ${adjusted[i]}`);
  });
  assert.ok(rowOf('h3').vsBaseline.knn.pHolm < 0.05 && rowOf('h3').vsBaseline.knn.delta > 0.019);
  assert.ok(rowOf('h3').vsBaseline.mapAtR.delta < 0);

  const corr = (x: string, y: string) => repr.correlations.find((c) => c.x === x && c.y === y)!;
  assert.equal(repr.correlations.length, 3);
  const accTransfer = corr('acc', 'MAP@R');
  assert.equal(accTransfer.n, 4);
  assert.ok(
    Math.abs(accTransfer.pearson + 1) < 1e-9,
    `acc vs MAP@R is an exact line: ${accTransfer.pearson}`,
  );
  const sepTransfer = corr('R²', 'MAP@R');
  assert.ok(Math.abs(sepTransfer.spearman + 1) < 1e-12, 'R² rises while MAP@R falls');
  assert.ok(sepTransfer.pearson > -0.99, `but not linearly: ${sepTransfer.pearson}`);
  assert.ok(Math.abs(corr('acc', 'R²').spearman - 1) < 1e-12);

  // The page: a better-direction metric is marked green or red, a geometric one (R², NC1) neutral; the correlations
  // get their table.
  const data = {
    ...readReportData({ dbPath: path }),
    deltas: { numClasses: 10, reference: null, heads: [], points: [], skipped: [] },
  };
  const { html } = renderPage(data, {
    vega: '',
    vegaLite: '',
    vegaEmbed: '',
    versions: { vega: '-', vegaLite: '-', vegaEmbed: '-' },
  });
  const section = html.slice(html.indexOf('<section id="repr">'));
  const from = section.indexOf('<td class="head">h3</td>');
  const h3 = section.slice(from, section.indexOf('</tr>', from));
  const marks = [...h3.matchAll(/class="sig (v-[a-z]+)"/g)].map((m) => m[1]);
  assert.deepEqual(marks, ['v-better', 'v-diff', 'v-worse'], 'kNN ▲ better, R² ▲ neutral, MAP@R ▼ worse');
  assert.match(html, /<th colspan="2">acc — MAP@R<\/th>/);
  assert.match(html, /<td class="num">−1\.00 <span class="ci">p &lt;0\.001<\/span><\/td>/);
});

/** Welch's two-sided p by hand: the Welch–Satterthwaite df, then the t tail integrated numerically (independent of src/stats). */
function welchPByHand(a: number[], b: number[]): number {
  const m = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = (xs: number[]) => xs.reduce((s, x) => s + (x - m(xs)) ** 2, 0) / (xs.length - 1);
  const va = v(a) / a.length;
  const vb = v(b) / b.length;
  const t = Math.abs((m(a) - m(b)) / Math.sqrt(va + vb));
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  // ∫_t^∞ density, substituting u = 1/(1 + x) so the infinite tail becomes (0, 1/(1 + t)]; Simpson's rule.
  const logC = lnGammaByHand((df + 1) / 2) - lnGammaByHand(df / 2) - 0.5 * Math.log(df * Math.PI);
  const dens = (x: number) => Math.exp(logC - ((df + 1) / 2) * Math.log(1 + (x * x) / df));
  const g = (u: number) => (u <= 0 ? 0 : dens(1 / u - 1) / (u * u));
  const hi = 1 / (1 + t);
  const steps = 20000;
  const h = hi / steps;
  let s = g(0) + g(hi);
  for (let i = 1; i < steps; i++) s += (i % 2 ? 4 : 2) * g(i * h);
  return (2 * (s * h)) / 3;
}

/** Stirling series with a shift (accurate to ~1e-12 for x > 0), independent of src/stats' Lanczos. */
function lnGammaByHand(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift += Math.log(x);
    x += 1;
  }
  const series = 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5) - 1 / (1680 * x ** 7);
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

test("a study's built-in baseline: listed per rung, not as a trial; trials carry Δ and rank by it", () => {
  const d = mkdtempSync(join(tmpdir(), 'report-baseline-'));
  try {
    const path = join(d, 'b.db');
    const f = new FixtureDb(path);
    const s = f.addStudy('b');
    f.addTrial(s, {
      number: -1,
      expr: 'softmax-ce',
      state: 'complete',
      rungs: [
        { valAcc: 0.9, speed: 0.8 },
        { valAcc: 0.97, speed: 0.9 },
      ],
    });
    // #1 went up early and is far below at rung 1; #2 stayed at rung 0, 1 point above the baseline there
    f.addTrial(s, {
      number: 1,
      expr: 'bad',
      state: 'complete',
      rungs: [
        { valAcc: 0.5, speed: 0.4 },
        { valAcc: 0.6, speed: 0.5 },
      ],
    });
    f.addTrial(s, { number: 2, expr: 'good', state: 'pruned', rungs: [{ valAcc: 0.91, speed: 0.8 }] });
    f.close();
    const st = readReportData({ dbPath: path }).studies[0]!;
    assert.deepEqual(
      st.trials.map((t) => t.number),
      [1, 2],
    );
    assert.deepEqual(st.states, { complete: 1, pruned: 1 });
    assert.deepEqual(
      st.baselines.map((b) => [b.rung, b.status, b.valAcc]),
      [
        [0, 'ok', 0.9],
        [1, 'ok', 0.97],
      ],
    );
    assert.deepEqual(st.ranking, [2, 1]);
    const t = new Map(st.trials.map((x) => [x.number, x]));
    assert.ok(Math.abs(t.get(2)!.delta! - 0.01) < 1e-12);
    assert.ok(Math.abs(t.get(1)!.delta! + 0.37) < 1e-12);
    assert.ok(!st.searchCurve.some((p) => p.number === -1), 'the baseline is a rule, not a point');
    const { html } = renderPage(
      {
        ...readReportData({ dbPath: path }),
        deltas: { numClasses: 10, reference: null, heads: [], points: [], skipped: [] },
      },
      { vega: '', vegaLite: '', vegaEmbed: '', versions: { vega: '-', vegaLite: '-', vegaEmbed: '-' } },
    );
    assert.match(html, /Δ vs softmax-ce/);
    assert.match(html, /\+1\.00/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
