import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as vl from 'vega-lite';
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import {
  accuracyTransferSpec,
  ckaSpec,
  deltaShapeSpec,
  finalAccuracySpec,
  headScale,
  learningCurvesSpec,
  paretoSpec,
  rejectionsSpec,
  searchCurveSpec,
  symlogTicks,
  zoomDomain,
} from '../../src/report/charts.js';
import type { AccuracyRow, CurvePoint, DeltaView, ReprView } from '../../src/report/types.js';

/** Compiles with vega-lite (failing on any warning), renders headlessly with vega, returns the SVG. */
async function render(spec: TopLevelSpec): Promise<string> {
  const warnings: string[] = [];
  const logger = {
    level() {
      return this;
    },
    warn(...a: unknown[]) {
      warnings.push(a.map(String).join(' '));
      return this;
    },
    error(...a: unknown[]) {
      warnings.push(`error: ${a.map(String).join(' ')}`);
      return this;
    },
    info() {
      return this;
    },
    debug() {
      return this;
    },
  } as unknown as vega.LoggerInterface;
  const compiled = vl.compile(spec, { logger });
  assert.deepEqual(warnings, [], 'vega-lite warnings');
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  assert.ok(m && Number(m[1]) > 100 && Number(m[2]) > 50, `svg size ${m?.[0]}`);
  return svg;
}

/** Number of marks vega drew for a mark type (one <path> per line, one element per point). */
function countItems(svg: string, markClass: string): number {
  const re = new RegExp(`<g class="mark-${markClass} role-mark[^"]*"[^>]*>(.*?)</g>`, 'g');
  let n = 0;
  for (const g of svg.matchAll(re)) n += (g[1].match(/<path|<line|<rect/g) ?? []).length;
  return n;
}

const heads = ['softmax-ce', 'linear-mse', 'oland-exp'];
const scale = headScale(heads);
const panels = [
  { dataset: 'mnist', model: 'keras-mlp' },
  { dataset: 'fashion-mnist', model: 'keras-mlp' },
];

function curves(epochs: number): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const p of panels)
    heads.forEach((head, h) => {
      for (let e = 1; e <= epochs; e++) {
        const mean = 0.9 + 0.01 * e - 0.005 * h;
        out.push({
          ...p,
          panel: `${p.dataset} · ${p.model}`,
          head,
          epoch: e,
          n: 3,
          mean,
          sd: 0.002,
          lo: mean - 0.003,
          hi: mean + 0.003,
        });
      }
    });
  return out;
}

function accRows(): AccuracyRow[] {
  return panels.flatMap((p) =>
    heads.map((head, h) => ({
      ...p,
      panel: `${p.dataset} · ${p.model}`,
      head,
      metric: 'test' as const,
      n: 3,
      mean: 0.95 - h * 0.01,
      sd: 0.003,
      lo: 0.945 - h * 0.01,
      hi: 0.955 - h * 0.01,
      values: [0.947 - h * 0.01, 0.95 - h * 0.01, 0.953 - h * 0.01],
      seeds: [1, 2, 3],
      diverged: 0,
      valMean: 0.95,
      ece: 0.01,
      secondsPerEpoch: 2,
      delta: h === 0 ? null : -h * 0.01,
      deltaCi: null,
      pRaw: h === 0 ? null : 0.01,
      pHolm: h === 0 ? null : 0.02,
      verdict: h === 0 ? ('baseline' as const) : ('worse' as const),
      test: h === 0 ? null : ('paired' as const),
      pWelch: h === 0 ? null : 0.03,
      pWelchHolm: h === 0 ? null : 0.05,
      pPaired: h === 0 ? null : 0.01,
      pPairedHolm: h === 0 ? null : 0.02,
      pairs: h === 0 ? null : 3,
      power: null,
    })),
  );
}

test('learning curves: one line per head and panel, bands where n ≥ 2', async () => {
  const svg = await render(learningCurvesSpec(curves(4), scale));
  assert.equal(countItems(svg, 'line'), panels.length * heads.length);
  assert.equal(countItems(svg, 'area'), panels.length * heads.length);
});

test('learning curves: single-seed points draw no band', async () => {
  const pts = curves(3).map((p) => ({ ...p, n: 1, lo: p.mean, hi: p.mean }));
  const svg = await render(learningCurvesSpec(pts, scale));
  assert.equal(countItems(svg, 'area'), 0);
  assert.equal(countItems(svg, 'line'), panels.length * heads.length);
});

test('final accuracy: a CI rule and a mean dot per head, a tick per seed, the baseline line and verdicts', async () => {
  const svg = await render(finalAccuracySpec(accRows(), scale));
  // a CI per head and the baseline's mean as one dashed line per panel
  assert.equal(countItems(svg, 'rule'), panels.length * heads.length + panels.length);
  assert.equal((svg.match(/stroke-dasharray="5,3"/g) ?? []).length, panels.length);
  // the two worse heads of each panel are marked, the baseline is labelled
  assert.equal((svg.match(/>▼ worse</g) ?? []).length, panels.length * (heads.length - 1));
  assert.equal((svg.match(/>baseline</g) ?? []).length, panels.length);
  assert.equal(countItems(svg, 'rect'), panels.length * heads.length * 3); // ticks are rects
  assert.equal((svg.match(/mark-symbol role-mark/g) ?? []).length, panels.length);
});

test('δ shapes: target, other and the dashed reference per head', async () => {
  const ms = [-2, -1, 0, 1, 2];
  const view: DeltaView = {
    numClasses: 10,
    reference: 'softmax-ce',
    heads: heads.map((id) => ({
      id,
      title: id,
      formula: 'f',
      outputLayer: 'linear',
      params: {},
      marginRange: [-2, 2],
    })),
    points: heads.flatMap((head) =>
      ms.flatMap((margin) => [
        { head, margin, series: 'target', delta: Math.exp(margin) - 1 },
        { head, margin, series: 'other class', delta: 0.1 },
        ...(head === 'softmax-ce'
          ? []
          : [
              { head, margin, series: 'softmax-ce target', delta: -0.5 },
              { head, margin, series: 'softmax-ce other', delta: 0.05 },
            ]),
      ]),
    ),
    skipped: [],
  };
  const svg = await render(deltaShapeSpec(view));
  assert.equal(countItems(svg, 'line'), 2 + 4 * (heads.length - 1));
});

test('δ shapes: a large δ gets a symmetric-log axis with power-of-ten ticks', async () => {
  assert.deepEqual(symlogTicks(-30, 400), [-10, -1, 0, 1, 10, 100]);
  assert.deepEqual(symlogTicks(0, 5), [0, 1]);
  const ms = [-6, 0, 6];
  const view: DeltaView = {
    numClasses: 10,
    reference: null,
    heads: [
      { id: 'big', title: 'big', formula: 'f', outputLayer: 'linear', params: {}, marginRange: [-6, 6] },
      { id: 'small', title: 'small', formula: 'f', outputLayer: 'linear', params: {}, marginRange: [-6, 6] },
    ],
    points: ms.flatMap((margin) => [
      { head: 'big', margin, series: 'target', delta: Math.exp(margin) - 1 },
      { head: 'small', margin, series: 'target', delta: Math.tanh(margin) },
    ]),
    skipped: [],
  };
  const vg = vl.compile(deltaShapeSpec(view)).spec;
  const scales = JSON.stringify(vg.scales ?? []) + JSON.stringify(vg.marks ?? []);
  assert.equal((scales.match(/"type":"symlog"/g) ?? []).length, 1, 'exactly one symlog y scale');
  await render(deltaShapeSpec(view));
});

test('accuracy–transfer scatter needs a transfer key', async () => {
  const repr: ReprView = {
    columns: [{ key: 'mapAtR', label: 'MAP@R', higherIsBetter: true }],
    transferKey: 'mapAtR',
    correlations: [],
    rows: heads.map((head, h) => ({
      dataset: 'mnist',
      model: 'keras-mlp',
      panel: 'mnist · keras-mlp',
      head,
      n: 3,
      metrics: {
        mapAtR: {
          key: 'mapAtR',
          n: 3,
          mean: 0.5 + 0.05 * h,
          sd: 0.01,
          lo: 0.49 + 0.05 * h,
          hi: 0.51 + 0.05 * h,
        },
      },
      accuracy: { n: 3, mean: 0.95 - 0.01 * h, sd: 0.003, lo: 0.945 - 0.01 * h, hi: 0.955 - 0.01 * h },
      vsBaseline: {},
    })),
  };
  const spec = accuracyTransferSpec(repr, scale);
  assert.ok(spec);
  const svg = await render(spec);
  assert.equal(countItems(svg, 'rule'), 2 * heads.length);
  assert.equal(accuracyTransferSpec({ ...repr, transferKey: null }, scale), null);
});

test('study charts: search curve, rejections and Pareto front render', async () => {
  const pts = [0.5, 0.7, 0.6, 0.8].map((valAcc, i) => ({
    rung: 0,
    rungLabel: 'rung 0',
    number: i,
    valAcc,
    best: 0,
  }));
  let best = 0;
  for (const p of pts) p.best = best = Math.max(best, p.valAcc);
  assert.equal(countItems(await render(searchCurveSpec(pts)), 'line'), 1);
  // the study's softmax-ce at the rung: one dashed rule
  const withBase = searchCurveSpec(pts, [{ rung: 0, rungLabel: 'rung 0', valAcc: 0.75, status: 'ok' }]);
  assert.equal(countItems(await render(withBase), 'rule'), 1);
  const rej = [
    { reason: 'non-finite δ', count: 5 },
    { reason: 'duplicate hash', count: 2 },
  ];
  assert.equal(countItems(await render(rejectionsSpec(rej)), 'rect'), 2);
  const pareto = [
    { number: 0, expr: 'a', valAcc: 0.9, speed: 0.5, front: true },
    { number: 1, expr: 'b', valAcc: 0.8, speed: 0.7, front: true },
    { number: 2, expr: 'c', valAcc: 0.7, speed: 0.6, front: false },
  ];
  assert.equal(countItems(await render(paretoSpec(pareto, 0)), 'line'), 1);
});

test('learning curves: each panel has its own epoch axis, and the baseline is the heavier line', async () => {
  const short = curves(3).filter((p) => p.dataset === 'mnist');
  const long = curves(20)
    .filter((p) => p.dataset === 'fashion-mnist')
    .map((p) => ({ ...p, panel: 'fashion-mnist · keras-mlp · epochs 20' }));
  const spec = learningCurvesSpec([...short, ...long], scale, 'softmax-ce') as unknown as {
    concat: { layer: { encoding: { x: { scale: { domain: number[] } } } }[] }[];
  };
  assert.deepEqual(
    spec.concat.map((c) => c.layer[0]!.encoding.x.scale.domain),
    [
      [1, 3],
      [1, 20],
    ],
  );
  const svg = await render(spec as unknown as TopLevelSpec);
  // one heavy line per panel (the baseline), the others thin
  const lines = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/g)]
    .map((g) => g[1]!)
    .join('');
  assert.equal((lines.match(/stroke-width="3\.2"/g) ?? []).length, 2);
  assert.equal((lines.match(/stroke-width="1\.5"/g) ?? []).length, 2 * (heads.length - 1));
  // a panel planned for more epochs than it has run so far keeps the planned axis (the dashboard's growing curves)
  const planned = learningCurvesSpec(
    short,
    scale,
    'softmax-ce',
    new Map([['mnist · keras-mlp', 10]]),
  ) as unknown as {
    concat: { layer: { encoding: { x: { scale: { domain: number[] } } } }[] }[];
  };
  assert.deepEqual(planned.concat[0]!.layer[0]!.encoding.x.scale.domain, [1, 10]);
});

test('search curve: one panel per rung, zoomed to where candidates meet the baseline; the rest on the floor', async () => {
  assert.deepEqual(
    zoomDomain([0.1, 0.9, 0.94], 0.92).map((x) => +x.toFixed(4)),
    [0.86, 0.9464],
  );
  const accs = [0.1, 0.11, 0.9, 0.93, 0.94, 0.05, 0.95];
  let best = 0;
  const pts = accs.flatMap((valAcc, i) => {
    best = Math.max(best, valAcc);
    return [
      { rung: 0, rungLabel: 'rung 0', number: i, valAcc, best },
      ...(i % 2 === 0
        ? [{ rung: 1, rungLabel: 'rung 1', number: i, valAcc: valAcc + 0.03, best: best + 0.03 }]
        : []),
    ];
  });
  const spec = searchCurveSpec(pts, [
    { rung: 0, rungLabel: 'rung 0', valAcc: 0.92, status: 'ok' },
    { rung: 1, rungLabel: 'rung 1', valAcc: 0.96, status: 'ok' },
  ]) as unknown as {
    vconcat: {
      data: { values: { where: string; y: number; valAcc: number }[] };
      layer: { encoding: { y: { scale: { domain: number[] } } } }[];
    }[];
  };
  assert.equal(spec.vconcat.length, 2);
  const [lo, hi] = spec.vconcat[0]!.layer[0]!.encoding.y.scale.domain as [number, number];
  assert.ok(lo > 0.8 && hi <= 1, `rung 0 zoomed to [${lo}, ${hi}], not 0–100%`);
  const below = spec.vconcat[0]!.data.values.filter((v) => v.where === 'below');
  assert.deepEqual(
    below.map((v) => v.valAcc),
    [0.1, 0.11, 0.05],
  );
  for (const v of below) assert.equal(v.y, lo, 'drawn on the floor, value kept for the tooltip');
  const svg = await render(spec as unknown as TopLevelSpec);
  assert.equal(countItems(svg, 'rule'), 2, "each rung's softmax-ce");
});

test('CKA heatmap: every head is labelled on both axes', async () => {
  const many = [
    'softmax-ce',
    'a-softmax',
    'am-softmax',
    'cosine-softmax',
    'label-smoothing',
    'linear-mse',
    'oland-exp',
    'sigmoid-bce',
  ];
  const cells = many.flatMap((a, i) =>
    many.flatMap((b, j) =>
      i === j ? [] : [{ panel: 'mnist · keras-mlp', a, b, mean: 0.5 + 0.05 * ((i + j) % 8), n: 3 }],
    ),
  );
  const spec = ckaSpec(cells, many);
  const svg = await render(spec);
  for (const h of many) assert.equal((svg.match(new RegExp(`>${h}<`, 'g')) ?? []).length, 2, h);
  // Both axes opt out of the shared config's greedy overlap removal, which dropped every other name in a browser
  // (headless rendering measures text differently, so the switch itself is checked).
  const vg =
    JSON.stringify(vl.compile(spec).spec.axes ?? []) + JSON.stringify(vl.compile(spec).spec.marks ?? []);
  assert.equal((vg.match(/"labelOverlap":false/g) ?? []).length, 2);
});
