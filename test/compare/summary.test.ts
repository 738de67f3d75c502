import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeRuns, type RunView } from '../../src/compare/summary.js';
import { markdownTable } from '../../src/compare/table.js';

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
  // the Δ CI brackets the mean difference
  const d = byHead.better.delta!;
  assert.ok(d.ci[0] < d.mean && d.mean < d.ci[1]);
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
