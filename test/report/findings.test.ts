/** The findings box: plain sentences from the stored statistics, naming which heads differ and which do not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findings, panelFinding } from '../../src/report/findings.js';
import type { AccuracyRow, ReportData, StudyView } from '../../src/report/types.js';

function row(head: string, over: Partial<AccuracyRow>): AccuracyRow {
  return {
    dataset: 'mnist',
    model: 'keras-mlp',
    panel: 'mnist · keras-mlp',
    head,
    metric: 'test',
    n: 5,
    mean: 0.98,
    sd: 0.001,
    lo: 0.979,
    hi: 0.981,
    values: [],
    seeds: [],
    diverged: 0,
    valMean: null,
    ece: null,
    secondsPerEpoch: null,
    delta: null,
    deltaCi: null,
    pRaw: null,
    pHolm: null,
    verdict: 'no significant difference',
    test: 'welch',
    pWelch: null,
    pWelchHolm: null,
    pPaired: null,
    pPairedHolm: null,
    pairs: null,
    power: null,
    ...over,
  };
}

const rows = [
  row('softmax-ce', { mean: 0.9812, verdict: 'baseline' }),
  row('oland-exp', { delta: 0.0031, deltaCi: [0.001, 0.0052], pHolm: 0.004, verdict: 'better' }),
  row('linear-mse', { delta: -0.0245, deltaCi: [-0.03, -0.019], pHolm: 0.0004, verdict: 'worse' }),
  row('sigmoid-bce', {
    delta: 0.0007,
    deltaCi: [-0.001, 0.0024],
    pHolm: 0.41,
    verdict: 'no significant difference',
  }),
  row('softmax-mse', {
    delta: -0.0012,
    deltaCi: [-0.003, 0.0006],
    pHolm: 0.41,
    verdict: 'no significant difference',
  }),
  row('focal', { n: 1, delta: 0.001, verdict: 'too few runs' }),
];

test('a panel: the significant heads with Δ, CI and Holm p, the others as not different, and the untestable', () => {
  const f = panelFinding('mnist · keras-mlp', rows, 'softmax-ce');
  assert.equal(f.tone, 'worse', 'a significantly worse head is the warning');
  assert.match(f.text, /^softmax-ce reaches 98\.12% test accuracy \(1–5 seeds per head\)\./);
  assert.match(
    f.text,
    /Significantly better: oland-exp \(\+0\.31 points, 95% CI \+0\.10 to \+0\.52, Holm p = 0\.004\)\./,
  );
  assert.match(
    f.text,
    /Significantly worse: linear-mse \(−2\.45 points, 95% CI −3\.00 to −1\.90, Holm p < 0\.001\)\./,
  );
  assert.match(f.text, /Not significantly different: sigmoid-bce and softmax-mse \(\|Δ\| ≤ 0\.12 points\)\./);
  assert.match(f.text, /Too few runs to test .*: focal\./);
});

test('a panel where nothing differs says so; no baseline run is said too', () => {
  const calm = rows.filter((r) => r.verdict === 'baseline' || r.verdict === 'no significant difference');
  const f = panelFinding('p', calm, 'softmax-ce');
  assert.equal(f.tone, 'none');
  assert.match(f.text, /No head differs significantly from softmax-ce: sigmoid-bce and softmax-mse/);
  const none = panelFinding('p', rows.slice(1), 'softmax-ce');
  assert.equal(none.tone, 'info');
  assert.match(none.text, /no finished softmax-ce run/);
});

test('studies: the confirmation panels, or an unconfirmed search flagged as a single-seed screen', () => {
  const study = (name: string, confirmation: AccuracyRow[]): StudyView =>
    ({
      name,
      space: 'delta',
      trials: [{ number: 7, expr: 'p - t', valAcc: 0.95, delta: 0.004, rung: 1 }],
      ranking: [7],
      confirmation,
    }) as unknown as StudyView;
  const data = {
    meta: { baseline: 'softmax-ce' } as ReportData['meta'],
    accuracy: rows,
    studies: [
      study('s1', []),
      study(
        's2',
        rows.map((r) => ({ ...r, panel: 'fashion-mnist · keras-mlp' })),
      ),
    ],
  };
  const out = findings(data);
  assert.deepEqual(
    out.map((f) => f.scope),
    ['mnist · keras-mlp', 'study s1', 'study s2, confirmation · fashion-mnist · keras-mlp'],
  );
  assert.match(
    out[1]!.text,
    /#7 \(p - t\) at \+0\.40 points against softmax-ce at rung 1, on one training seed.*not yet confirmed/,
  );
});
