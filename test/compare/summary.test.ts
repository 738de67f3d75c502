import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeGrid, summarizeRuns, type RunView } from '../../src/compare/summary.js';
import { formatTable, markdownTable } from '../../src/compare/table.js';

function run(
  head: string,
  seed: number,
  testAcc: number,
  curve: number[],
  status: RunView['status'] = 'ok',
): RunView {
  return {
    dataset: 'mnist',
    model: 'keras-mlp',
    head,
    seed,
    status,
    valAcc: curve[curve.length - 1] ?? null,
    testAcc,
    ece: 0.01,
    secondsPerEpoch: 2,
    valCurve: curve,
  };
}

test('a clearly better head is significant, an identical one is not, and the baseline has no Δ', () => {
  const runs: RunView[] = [];
  const base = [0.9, 0.901, 0.899, 0.9005, 0.8995];
  base.forEach((a, i) => runs.push(run('softmax-ce', i + 1, a, [0.8, a])));
  base.forEach((a, i) => runs.push(run('same', i + 1, a + (i % 2 ? 1e-4 : -1e-4), [0.8, a])));
  base.forEach((a, i) => runs.push(run('better', i + 1, a + 0.05, [0.95, a + 0.05])));
  const rows = summarizeRuns(runs, { baseline: 'softmax-ce' });
  const byHead = Object.fromEntries(rows.map((r) => [r.head, r]));
  assert.equal(rows[0].head, 'softmax-ce');
  assert.equal(byHead['softmax-ce'].delta, null);
  assert.equal(byHead.better.delta?.verdict, 'better than baseline');
  assert.ok(Math.abs((byHead.better.delta?.mean ?? 0) - 0.05) < 1e-9);
  assert.equal(byHead.same.delta?.verdict, 'no significant difference');
  // Holm: the adjusted p is never below the raw p.
  for (const r of rows) if (r.delta) assert.ok(r.delta.pHolm >= r.delta.p - 1e-15);
  // the Δ CI brackets the mean difference (closed: 'better' is the baseline shifted by exactly 0.05, so its per-seed
  // differences are constant and the paired interval the verdict uses has zero width)
  const d = byHead.better.delta!;
  assert.equal(d.test, 'paired');
  assert.ok(d.ci[0] <= d.mean && d.mean <= d.ci[1]);
  assert.ok(d.welch.ci[0] < d.mean && d.mean < d.welch.ci[1]);
});

test('convergence: epochs to the target and mean validation accuracy over epochs', () => {
  const runs = [
    run('softmax-ce', 1, 0.9, [0.5, 0.8, 0.9]),
    run('softmax-ce', 2, 0.9, [0.5, 0.8, 0.9]),
    run('fast', 1, 0.9, [0.89, 0.9, 0.9]),
    run('fast', 2, 0.9, [0.5, 0.9, 0.9]),
  ];
  const rows = summarizeRuns(runs, { baseline: 'softmax-ce', targetAcc: 0.85 });
  const fast = rows.find((r) => r.head === 'fast')!;
  assert.equal(fast.convergence.epochsToTarget, 1.5); // epoch 1 and epoch 2
  assert.equal(fast.convergence.reachedTarget, 2);
  assert.ok(Math.abs(fast.convergence.meanValAcc - (0.8966666666666666 + 0.7666666666666666) / 2) < 1e-12);
  const base = rows.find((r) => r.head === 'softmax-ce')!;
  assert.equal(base.convergence.epochsToTarget, 3);
});

test('diverged and failed runs are counted, not averaged', () => {
  const runs = [
    run('softmax-ce', 1, 0.9, [0.9]),
    run('softmax-ce', 2, 0.91, [0.91]),
    run('wild', 1, NaN, [], 'diverged'),
    run('wild', 2, 0.5, [0.5]),
    run('wild', 3, NaN, [], 'failed'),
  ];
  const rows = summarizeRuns(runs, { baseline: 'softmax-ce' });
  const wild = rows.find((r) => r.head === 'wild')!;
  assert.equal(wild.n, 1);
  assert.equal(wild.diverged, 1);
  assert.equal(wild.failed, 1);
  assert.equal(wild.delta, null); // one finished seed cannot be tested
  assert.equal(wild.testAcc?.mean, 0.5);
});

test('representation metrics are tested against the baseline head and marked in the table', () => {
  const runs: RunView[] = [];
  const knn = [0.95, 0.951, 0.949, 0.9505, 0.9495];
  const withRepr = (head: string, seed: number, k: number, nc1: number): RunView => ({
    ...run(head, seed, 0.9, [0.9]),
    repr: { knn: k, nc1, probeLambda: seed === 1 ? 0.01 : 0.001 },
  });
  knn.forEach((k, i) => runs.push(withRepr('softmax-ce', i + 1, k, 0.3 + i * 1e-3)));
  knn.forEach((k, i) => runs.push(withRepr('sharper', i + 1, k + 0.02, 0.1 + i * 1e-3)));
  knn.forEach((k, i) => runs.push(withRepr('same', i + 1, k + (i % 2 ? 1e-4 : -1e-4), 0.3 + i * 1e-3)));
  const rows = summarizeRuns(runs, { baseline: 'softmax-ce' });
  const byHead = Object.fromEntries(rows.map((r) => [r.head, r]));
  assert.equal(byHead['softmax-ce'].reprDelta, null);
  const sharp = byHead.sharper.reprDelta!;
  assert.ok(Math.abs(sharp.knn.delta - 0.02) < 1e-9 && sharp.knn.pHolm < 0.05);
  assert.ok(sharp.nc1.delta < 0 && sharp.nc1.pHolm < 0.05);
  assert.ok(byHead.same.reprDelta!.knn.pHolm > 0.05);
  assert.equal(sharp.probeLambda, undefined, 'the probe L2 is a setting, not a metric to test');
  const md = markdownTable(rows);
  const line = md.split('\n').find((l) => l.startsWith('| mnist | keras-mlp | sharper'))!;
  assert.match(line, /0\.9700↑ \| 0\.1020↓ \| 0\.0028 \|$/);
  assert.doesNotMatch(
    md.split('\n').find((l) => l.includes('| same |'))!,
    /[↑↓]/,
  );
  assert.match(md, /significantly higher\/lower than the baseline head's \(Welch, Holm/);
  assert.doesNotMatch(
    markdownTable(
      summarizeRuns(
        runs.map((r) => ({ ...r, repr: null })),
        { baseline: 'softmax-ce' },
      ),
    ),
    /Holm across heads/,
  );
});

test('paired and Welch side by side: seed-matched runs use the paired test, whose p is the hand-computed one', () => {
  // Per-seed differences (2, 7, 4, 5, 2)e-4: paired t = 4/√0.9 on 4 df (p = 0.013517 by scipy's ttest_rel), while
  // Welch on the same values gives p = 0.198 (scipy's ttest_ind, equal_var=False).
  const a = [0.9832, 0.9841, 0.9829, 0.9835, 0.9838];
  const b = [0.983, 0.9834, 0.9825, 0.983, 0.9836];
  const runs = [
    ...b.map((x, i) => run('softmax-ce', i + 1, x, [x])),
    ...a.map((x, i) => run('head', i + 1, x, [x])),
  ];
  const { rows, panels } = summarizeGrid(runs, { baseline: 'softmax-ce' });
  const d = rows.find((r) => r.head === 'head')!.delta!;
  assert.equal(d.test, 'paired');
  assert.equal(panels[0].verdictTest, 'paired');
  assert.ok(Math.abs(d.paired!.p - 0.013516881521817794) < 1e-11, `paired p ${d.paired!.p}`);
  assert.ok(Math.abs(d.welch.p - 0.1979594555534584) < 1e-9, `Welch p ${d.welch.p}`);
  assert.equal(d.paired!.pairs, 5);
  assert.equal(d.p, d.paired!.p, 'the verdict test’s p is the one reported as p');
  assert.equal(d.verdict, 'better than baseline');
  // The same runs with seeds that do not match: the pairing is gone, so the verdict falls back to Welch.
  const shifted = runs.map((r) => (r.head === 'head' ? { ...r, seed: r.seed + 10 } : r));
  const s = summarizeGrid(shifted, { baseline: 'softmax-ce' });
  const ds = s.rows.find((r) => r.head === 'head')!.delta!;
  assert.equal(ds.test, 'welch');
  assert.equal(ds.paired, null);
  assert.equal(ds.verdict, 'no significant difference');
  const md = markdownTable(rows, panels);
  assert.match(md, /\| p Welch \(Holm\) \| p paired \(Holm\) \| verdict \(test\) \|/);
  assert.match(md, /\| \+0\.04 \| 0\.1980 \| 0\.0135 \| better than baseline \(paired\) \|/);
  assert.match(md, /verdicts use the paired t-test on per-seed differences/);
});

test('per-seed differences: in the JSON row in seed order, and one line per panel under the table', () => {
  // Seeds out of order, and a seed (9) the baseline lacks: it has no difference.
  const runs = [
    run('softmax-ce', 2, 0.91, [0.91]),
    run('softmax-ce', 1, 0.9, [0.9]),
    run('softmax-ce', 3, 0.92, [0.92]),
    run('a', 3, 0.925, [0.925]),
    run('a', 1, 0.897, [0.897]),
    run('a', 2, 0.911, [0.911]),
    run('b', 1, 0.903, [0.903]),
    run('b', 9, 0.5, [0.5]),
    run('b', 2, 0.914, [0.914]),
  ];
  const { rows, panels } = summarizeGrid(runs, { baseline: 'softmax-ce' });
  const diffs = (head: string) =>
    rows
      .find((r) => r.head === head)!
      .delta!.paired!.differences.map((d) => [d.seed, +(100 * d.diff).toFixed(6)]);
  assert.deepEqual(diffs('a'), [
    [1, -0.3],
    [2, 0.1],
    [3, 0.5],
  ]);
  assert.deepEqual(diffs('b'), [
    [1, 0.3],
    [2, 0.4],
  ]);
  const md = markdownTable(rows, panels);
  // a and b pair on different seeds, so each names its own.
  assert.match(
    md,
    /mnist · keras-mlp: per-seed Δ test pts against the baseline: a \(seeds 1, 2, 3\) -0\.30 \+0\.10 \+0\.50; b \(seeds 1, 2\) \+0\.30 \+0\.40\./,
  );
  // With the same seeds for every head they are named once.
  const same = summarizeGrid(
    runs.filter((r) => r.head !== 'b'),
    { baseline: 'softmax-ce' },
  );
  assert.match(
    markdownTable(same.rows, same.panels),
    /per-seed Δ test pts against the baseline \(seeds 1, 2, 3\): a -0\.30 \+0\.10 \+0\.50\./,
  );
});

test('power line: seeds for 0.2 points at the observed sd equal the textbook sizes for d = 0.5 (34 paired, 64 Welch)', () => {
  // Baseline and head both have sd 0.004 (0.4 points) and their per-seed differences (6, −2, 2)e-3 too, so the
  // effect 0.002 is d = 0.5 for both tests: 34 pairs, 64 per group (Cohen 1988; G*Power), α = 0.05 with one head.
  const base = [0.896, 0.9, 0.904];
  const head = [0.902, 0.898, 0.906];
  const runs = [
    ...base.map((x, i) => run('softmax-ce', i + 1, x, [x])),
    ...head.map((x, i) => run('h', i + 1, x, [x])),
  ];
  const [p] = summarizeGrid(runs, { baseline: 'softmax-ce' }).panels;
  assert.ok(Math.abs(p.power.paired!.sd - 0.004) < 1e-12, `paired sd ${p.power.paired!.sd}`);
  assert.ok(Math.abs(p.power.welch!.sd - 0.004) < 1e-12, `Welch sd ${p.power.welch!.sd}`);
  assert.equal(p.power.alpha, 0.05);
  assert.equal(p.power.paired!.seeds, 34);
  assert.equal(p.power.welch!.seeds, 64);
  // A second head tested in the same panel halves the level (Holm's strictest step): more seeds needed.
  const two = summarizeGrid([...runs, ...head.map((x, i) => run('h2', i + 1, x, [x]))], {
    baseline: 'softmax-ce',
  }).panels[0];
  assert.equal(two.power.alpha, 0.025);
  assert.ok(two.power.paired!.seeds! > 34);
  assert.match(
    formatTable(summarizeRuns(runs, { baseline: 'softmax-ce' }), [p]),
    /paired: sd of per-seed Δ \(median over heads\) 0\.40 pts → 34 seeds; Welch: within-head sd \(median over heads\) 0\.40 pts → 64 seeds per head/,
  );
});

test('power line: one erratic head does not set the line for a grid of tight heads (median, not mean, of variances)', () => {
  // Three heads with per-seed differences of sd 0.4 points against the baseline, and one at chance level whose
  // differences have sd 30 points. The mean of the four paired variances would give sd ≈ 15 points and thousands of
  // seeds; the median is the tight heads' 0.4 points.
  const base = [0.896, 0.9, 0.904];
  const tight = [0.902, 0.898, 0.906];
  const chance = [0.1, 0.7, 0.4];
  const runs = [
    ...base.map((x, i) => run('softmax-ce', i + 1, x, [x])),
    ...['h1', 'h2', 'h3'].flatMap((h) => tight.map((x, i) => run(h, i + 1, x, [x]))),
    ...chance.map((x, i) => run('at-chance', i + 1, x, [x])),
  ];
  const [p] = summarizeGrid(runs, { baseline: 'softmax-ce' }).panels;
  assert.ok(Math.abs(p.power.paired!.sd - 0.004) < 1e-12, `paired sd ${p.power.paired!.sd}`);
  assert.ok(Math.abs(p.power.welch!.sd - 0.004) < 1e-12, `Welch sd ${p.power.welch!.sd}`);
  assert.equal(p.power.alpha, 0.05 / 4);
  assert.ok(p.power.paired!.seeds! < 100, `paired seeds ${p.power.paired!.seeds}`);
});

test('one run gives no interval: null in the JSON, "(n=1)" in the table', () => {
  const rows = summarizeRuns([run('softmax-ce', 1, 0.9, [0.9])], { baseline: 'softmax-ce' });
  assert.equal(rows[0].testAcc!.ci, null);
  const json = JSON.parse(JSON.stringify(rows)) as { testAcc: { ci: unknown }; valAcc: { ci: unknown } }[];
  assert.equal(json[0].testAcc.ci, null);
  assert.equal(json[0].valAcc.ci, null);
  assert.match(markdownTable(rows), /90\.00 \(n=1\)/);
});
