/**
 * vega-lite specs for the report: pure functions of the view-model. Every spec carries its data inline (the page
 * must work offline) and shares one config and one head → colour mapping so a head looks the same in every chart.
 */
import type { TopLevelSpec } from 'vega-lite';
import type {
  AccuracyRow,
  CkaCell,
  CurvePoint,
  DeltaView,
  ParetoPoint,
  ReprView,
  SearchCurvePoint,
  StudyView,
} from './types.js';

// Tableau 10 then its lighter partners: distinguishable, print-safe, and the baseline (first) is always blue.
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#a0cbe8',
  '#ffbe7d',
  '#ff9d9a',
  '#86bcb6',
  '#8cd17d',
  '#f1ce63',
  '#d4a6c8',
  '#fabfd2',
  '#d7b5a6',
  '#79706e',
];

export const FONT = 'Inter, "Helvetica Neue", Helvetica, Arial, sans-serif';

const CONFIG: TopLevelSpec['config'] = {
  font: FONT,
  view: { stroke: '#d9d9d9' },
  axis: {
    labelFontSize: 10,
    titleFontSize: 11,
    titleFontWeight: 500,
    gridColor: '#eeeeee',
    domainColor: '#888888',
    tickColor: '#888888',
    labelFlush: false,
    labelOverlap: 'greedy',
  },
  legend: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 500, orient: 'right' },
  header: { labelFontSize: 11, labelFontWeight: 600, titleFontSize: 11 },
  title: { fontSize: 12, fontWeight: 600, anchor: 'start' },
};

export interface HeadScale {
  domain: string[];
  range: string[];
}

export function headScale(headOrder: string[]): HeadScale {
  return { domain: headOrder, range: headOrder.map((_, i) => PALETTE[i % PALETTE.length]) };
}

/** The heads a chart actually shows, keeping each one's colour (a legend should not list absent heads). */
export function subsetScale(scale: HeadScale, shown: Iterable<string>): HeadScale {
  const keep = new Set(shown);
  const idx = scale.domain.map((h, i) => [h, i] as const).filter(([h]) => keep.has(h));
  const extra = [...keep].filter((h) => !scale.domain.includes(h));
  return {
    domain: [...idx.map(([h]) => h), ...extra],
    range: [
      ...idx.map(([, i]) => scale.range[i]),
      ...extra.map((_, j) => PALETTE[(scale.domain.length + j) % PALETTE.length]),
    ],
  };
}

function base(description: string): Pick<TopLevelSpec, '$schema' | 'description' | 'config' | 'background'> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description,
    config: CONFIG,
    background: 'white',
  };
}

/** How many facet columns to use so a row of panels fits the page (~1000 px). */
function facetColumns(panels: number, cellWidth: number): number {
  return Math.max(1, Math.min(panels, Math.floor(1000 / (cellWidth + 60))));
}

const pct = '.1%';

/**
 * A Student-t interval over two or three seeds can reach past 0% or 100%; the tables print it as computed, the charts
 * stop it at the bounds an accuracy can take so the axis stays readable.
 */
const CLIP_CI = [
  { calculate: 'clamp(datum.lo, 0, 1)', as: 'loClip' },
  { calculate: 'clamp(datum.hi, 0, 1)', as: 'hiClip' },
];

function clip01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Legend entries as solid strokes: the faint band layer would otherwise wash out the legend's symbols. */
const STROKE_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1, symbolSize: 120 };

/** Validation accuracy against epoch: mean line, Student-t 95% band, one facet per dataset · model. */
export function learningCurvesSpec(points: CurvePoint[], allHeads: HeadScale): TopLevelSpec {
  const heads = subsetScale(
    allHeads,
    points.map((p) => p.head),
  );
  const panels = new Set(points.map((p) => p.panel)).size;
  const color = {
    field: 'head',
    type: 'nominal' as const,
    title: 'head',
    scale: heads,
    sort: heads.domain,
    legend: STROKE_LEGEND,
  };
  return {
    ...base('Validation accuracy against epoch'),
    data: { values: points },
    facet: { field: 'panel', type: 'nominal', title: null, header: { labelAnchor: 'start' } },
    columns: facetColumns(panels, 280),
    spec: {
      width: 280,
      height: 190,
      layer: [
        {
          // A band needs two seeds; single-seed points still get a line.
          transform: [{ filter: 'datum.n >= 2' }, ...CLIP_CI],
          mark: { type: 'area', opacity: 0.16, interpolate: 'linear' },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' },
            y: { field: 'loClip', type: 'quantitative' },
            y2: { field: 'hiClip' },
            color,
          },
        },
        {
          mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.6 },
          encoding: {
            x: {
              field: 'epoch',
              type: 'quantitative',
              title: 'epoch',
              axis: { tickMinStep: 1, format: 'd' },
              scale: { nice: false },
            },
            y: {
              field: 'mean',
              type: 'quantitative',
              title: 'validation accuracy',
              scale: { zero: false },
              axis: { format: pct },
            },
            color,
            tooltip: [
              { field: 'head' },
              { field: 'epoch' },
              { field: 'mean', title: 'mean', format: '.2%' },
              { field: 'lo', title: '95% CI lo', format: '.2%' },
              { field: 'hi', title: '95% CI hi', format: '.2%' },
              { field: 'n', title: 'seeds' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Final accuracy per head: one dot per seed, the mean, and its 95% CI. */
export function finalAccuracySpec(rows: AccuracyRow[], allHeads: HeadScale): TopLevelSpec {
  const heads = subsetScale(
    allHeads,
    rows.map((r) => r.head),
  );
  const panels = new Set(rows.map((r) => r.panel)).size;
  const metric = rows.every((r) => r.metric === 'test')
    ? 'test accuracy'
    : 'accuracy (test, or validation where no test)';
  const values: Record<string, string | number>[] = [];
  for (const r of rows) {
    if (r.n > 0)
      values.push({
        kind: 'summary',
        panel: r.panel,
        head: r.head,
        mean: r.mean,
        lo: r.lo,
        hi: r.hi,
        n: r.n,
      });
    r.values.forEach((v, i) =>
      values.push({ kind: 'seed', panel: r.panel, head: r.head, acc: v, seed: r.seeds[i] }),
    );
  }
  const nHeads = new Set(rows.map((r) => r.head)).size;
  const y = { field: 'head', type: 'nominal' as const, title: null, sort: heads.domain };
  const color = { field: 'head', type: 'nominal' as const, scale: heads, legend: null };
  return {
    ...base('Final accuracy per head with 95% confidence intervals'),
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, header: { labelAnchor: 'start' } },
    columns: facetColumns(panels, 300),
    spec: {
      width: 300,
      height: Math.max(60, 22 * nHeads),
      layer: [
        {
          transform: [{ filter: "datum.kind === 'seed'" }],
          mark: { type: 'tick', thickness: 1, size: 10, opacity: 0.55 },
          encoding: {
            x: { field: 'acc', type: 'quantitative' },
            y,
            color,
            tooltip: [{ field: 'head' }, { field: 'seed' }, { field: 'acc', format: '.2%' }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'summary' && datum.n >= 2" }, ...CLIP_CI],
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { x: { field: 'loClip', type: 'quantitative' }, x2: { field: 'hiClip' }, y, color },
        },
        {
          transform: [{ filter: "datum.kind === 'summary'" }],
          mark: { type: 'point', filled: true, size: 50, stroke: 'white', strokeWidth: 0.8 },
          encoding: {
            x: {
              field: 'mean',
              type: 'quantitative',
              title: metric,
              scale: { zero: false },
              axis: { format: pct, tickCount: 5 },
            },
            y,
            color,
            tooltip: [
              { field: 'head' },
              { field: 'mean', format: '.2%' },
              { field: 'lo', title: '95% CI lo', format: '.2%' },
              { field: 'hi', title: '95% CI hi', format: '.2%' },
              { field: 'n', title: 'seeds' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** |δ| above this gets a symmetric-log axis: an exponential δ would otherwise flatten every other curve. */
export const SYMLOG_ABOVE = 8;

/** Axis ticks for a symlog scale: 0 and ±powers of ten inside [lo, hi]. */
export function symlogTicks(lo: number, hi: number): number[] {
  const ticks = [0];
  for (let p = 1; p <= 1e12; p *= 10) {
    if (p <= hi) ticks.push(p);
    if (-p >= lo) ticks.unshift(-p);
  }
  return ticks;
}

/**
 * δ on the target and on one other class against the logit margin, one small chart per head, with the reference
 * head's δ dashed. Each chart gets its own y-scale: linear when |δ| stays small, symmetric-log when it does not.
 */
export function deltaShapeSpec(view: DeltaView): TopLevelSpec {
  const ref = view.reference;
  const series = ['target', 'other class', ...(ref === null ? [] : [`${ref} target`, `${ref} other`])];
  const dashes = [
    [1, 0],
    [1, 0],
    [4, 3],
    [4, 3],
  ].slice(0, series.length);
  const colors = ['#1f5f99', '#d4661b', '#8c8c8c', '#c4c4c4'].slice(0, series.length);
  const charts = view.heads.map((h) => {
    const pts = view.points.filter((p) => p.head === h.id);
    const lo = Math.min(0, ...pts.map((p) => p.delta));
    const hi = Math.max(0, ...pts.map((p) => p.delta));
    const symlog = Math.max(-lo, hi) > SYMLOG_ABOVE;
    return {
      title: {
        text: h.id,
        subtitle: symlog ? 'symmetric-log y' : 'linear y',
        subtitleColor: '#888888',
        subtitleFontSize: 10,
      },
      width: 200,
      height: 150,
      data: { values: pts },
      layer: [
        {
          mark: { type: 'rule' as const, color: '#bbbbbb', strokeWidth: 0.8 },
          encoding: { y: { datum: 0, type: 'quantitative' as const } },
        },
        {
          mark: { type: 'line' as const, strokeWidth: 1.7 },
          encoding: {
            x: {
              field: 'margin',
              type: 'quantitative' as const,
              title: 'target logit m (others 0)',
              scale: { domain: h.marginRange, nice: false },
            },
            y: {
              field: 'delta',
              type: 'quantitative' as const,
              title: 'δ',
              scale: symlog ? { type: 'symlog' as const, constant: 1, nice: false } : {},
              axis: symlog ? { values: symlogTicks(lo, hi), format: '~s' } : { tickCount: 5 },
            },
            color: {
              field: 'series',
              type: 'nominal' as const,
              title: null,
              scale: { domain: series, range: colors },
              legend: { orient: 'top' as const, direction: 'horizontal' as const },
            },
            strokeDash: {
              field: 'series',
              type: 'nominal' as const,
              title: null,
              scale: { domain: series, range: dashes },
              legend: { orient: 'top' as const, direction: 'horizontal' as const },
            },
            tooltip: [
              { field: 'head' },
              { field: 'series' },
              { field: 'margin', format: '.2f' },
              { field: 'delta', format: '.4g' },
            ],
          },
        },
      ],
    };
  });
  return {
    ...base('δ = ∂L/∂z on the target class and on one other class against the margin'),
    concat: charts,
    columns: facetColumns(charts.length, 200),
    spacing: { row: 22, column: 36 },
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared', strokeDash: 'shared' } },
  };
}

/** Accuracy against transfer (MAP@R on unseen classes), with 95% CIs in both directions. */
export function accuracyTransferSpec(repr: ReprView, allHeads: HeadScale): TopLevelSpec | null {
  const key = repr.transferKey;
  if (key === null) return null;
  const values = repr.rows
    .filter((r) => r.metrics[key] !== undefined && r.accuracy !== null)
    .map((r) => {
      const t = r.metrics[key];
      const a = r.accuracy!;
      return {
        panel: r.panel,
        head: r.head,
        transfer: t.mean,
        tLo: clip01(t.lo),
        tHi: clip01(t.hi),
        acc: a.mean,
        aLo: clip01(a.lo),
        aHi: clip01(a.hi),
        n: Math.min(t.n, a.n),
      };
    });
  if (values.length === 0) return null;
  const label = repr.columns.find((c) => c.key === key)?.label ?? key;
  const heads = subsetScale(
    allHeads,
    values.map((v) => v.head),
  );
  const panels = new Set(values.map((v) => v.panel)).size;
  const color = { field: 'head', type: 'nominal' as const, scale: heads, title: 'head', sort: heads.domain };
  return {
    ...base('Accuracy against transfer'),
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, header: { labelAnchor: 'start' } },
    columns: facetColumns(panels, 260),
    spec: {
      width: 260,
      height: 220,
      layer: [
        {
          transform: [{ filter: 'datum.n >= 2' }],
          mark: { type: 'rule', strokeWidth: 1.2, opacity: 0.7 },
          encoding: {
            x: { field: 'tLo', type: 'quantitative' },
            x2: { field: 'tHi' },
            y: { field: 'acc', type: 'quantitative' },
            color,
          },
        },
        {
          transform: [{ filter: 'datum.n >= 2' }],
          mark: { type: 'rule', strokeWidth: 1.2, opacity: 0.7 },
          encoding: {
            y: { field: 'aLo', type: 'quantitative' },
            y2: { field: 'aHi' },
            x: { field: 'transfer', type: 'quantitative' },
            color,
          },
        },
        {
          mark: { type: 'point', filled: true, size: 60, stroke: 'white', strokeWidth: 0.8 },
          encoding: {
            x: {
              field: 'transfer',
              type: 'quantitative',
              title: `transfer: ${label}`,
              scale: { zero: false },
            },
            y: {
              field: 'acc',
              type: 'quantitative',
              title: 'accuracy',
              scale: { zero: false },
              axis: { format: pct },
            },
            color,
            tooltip: [
              { field: 'head' },
              { field: 'acc', title: 'accuracy', format: '.2%' },
              { field: 'transfer', title: label, format: '.3f' },
              { field: 'n', title: 'seeds' },
            ],
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** Head × head linear CKA per panel: a heatmap with the value in each cell. */
export function ckaSpec(cells: CkaCell[], headOrder: string[]): TopLevelSpec {
  const heads = headOrder.filter((h) => cells.some((c) => c.a === h));
  const panels = new Set(cells.map((c) => c.panel)).size;
  const side = Math.max(120, 26 * heads.length);
  const axis = { field: 'a', type: 'nominal' as const, sort: heads, title: null };
  return {
    ...base('Linear CKA between heads'),
    data: { values: cells },
    facet: { field: 'panel', type: 'nominal', title: null, header: { labelAnchor: 'start' } },
    columns: facetColumns(panels, side + 120),
    spec: {
      width: side,
      height: side,
      encoding: {
        x: { ...axis, axis: { labelAngle: -40 } },
        y: { ...axis, field: 'b' },
      },
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            color: {
              field: 'mean',
              type: 'quantitative',
              title: 'CKA',
              scale: { scheme: 'blues', domain: [0, 1] },
            },
            tooltip: [
              { field: 'a', title: 'head' },
              { field: 'b', title: 'vs' },
              { field: 'mean', title: 'CKA (mean)', format: '.3f' },
              { field: 'n', title: 'seeds' },
            ],
          },
        },
        {
          mark: { type: 'text', fontSize: 9 },
          encoding: {
            text: { field: 'mean', type: 'quantitative', format: '.2f' },
            color: { condition: { test: 'datum.mean > 0.6', value: 'white' }, value: '#222' },
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** Each trial's validation accuracy (dots) and the best so far (step line), per rung of the fidelity ladder. */
export function searchCurveSpec(points: SearchCurvePoint[]): TopLevelSpec {
  const labels = [...new Map(points.map((p) => [p.rung, p.rungLabel])).entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, l]) => l);
  const color = {
    field: 'rungLabel',
    type: 'nominal' as const,
    title: null,
    sort: labels,
    scale: { domain: labels, range: PALETTE.slice(0, labels.length) },
    legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 600 },
  };
  return {
    ...base('Search curve'),
    data: { values: points },
    width: 620,
    height: 220,
    layer: [
      {
        mark: { type: 'point', size: 26, opacity: 0.6, filled: true },
        encoding: {
          x: { field: 'number', type: 'quantitative', title: 'trial number' },
          y: {
            field: 'valAcc',
            type: 'quantitative',
            title: 'validation accuracy',
            scale: { zero: false },
            axis: { format: pct },
          },
          color,
          tooltip: [
            { field: 'number', title: 'trial' },
            { field: 'rung' },
            { field: 'valAcc', format: '.2%' },
          ],
        },
      },
      {
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
        encoding: {
          x: { field: 'number', type: 'quantitative' },
          y: { field: 'best', type: 'quantitative' },
          color,
        },
      },
    ],
  };
}

export function rejectionsSpec(rejections: StudyView['rejections']): TopLevelSpec {
  const order = [...rejections].sort((a, b) => b.count - a.count).map((r) => r.reason);
  return {
    ...base('Rejected candidates by reason'),
    data: { values: rejections },
    width: 520,
    height: Math.max(40, 22 * rejections.length),
    layer: [
      {
        mark: { type: 'bar', color: '#8a9bb0', height: { band: 0.7 } },
        encoding: {
          y: { field: 'reason', type: 'nominal', title: null, sort: order },
          x: { field: 'count', type: 'quantitative', title: 'candidates rejected' },
          tooltip: [{ field: 'reason' }, { field: 'count' }],
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10, color: '#444444' },
        encoding: {
          y: { field: 'reason', type: 'nominal', sort: order },
          x: { field: 'count', type: 'quantitative' },
          text: { field: 'count', type: 'quantitative' },
        },
      },
    ],
  };
}

/** Every evaluated trial as (speed, accuracy); the non-dominated ones joined by a step line. */
export function paretoSpec(points: ParetoPoint[], rung: number): TopLevelSpec {
  return {
    ...base('Pareto front: accuracy against convergence speed'),
    data: { values: points },
    width: 420,
    height: 260,
    layer: [
      {
        mark: { type: 'point', size: 22, filled: true, color: '#b8b8b8', opacity: 0.7 },
        transform: [{ filter: '!datum.front' }],
        encoding: {
          x: { field: 'speed', type: 'quantitative' },
          y: { field: 'valAcc', type: 'quantitative' },
          tooltip: [
            { field: 'number', title: 'trial' },
            { field: 'expr' },
            { field: 'valAcc', format: '.2%' },
            { field: 'speed', format: '.2%' },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.front' }],
        mark: { type: 'line', interpolate: 'step-before', color: '#c0392b', strokeWidth: 1.3 },
        encoding: {
          x: { field: 'speed', type: 'quantitative' },
          y: { field: 'valAcc', type: 'quantitative' },
          order: { field: 'speed', type: 'quantitative' },
        },
      },
      {
        transform: [{ filter: 'datum.front' }],
        mark: { type: 'point', size: 46, filled: true, color: '#c0392b' },
        encoding: {
          x: {
            field: 'speed',
            type: 'quantitative',
            title: `speed: validation accuracy after epoch 1 (rung ${rung})`,
            scale: { zero: false },
            axis: { format: pct },
          },
          y: {
            field: 'valAcc',
            type: 'quantitative',
            title: `validation accuracy (rung ${rung})`,
            scale: { zero: false },
            axis: { format: pct },
          },
          tooltip: [
            { field: 'number', title: 'trial' },
            { field: 'expr' },
            { field: 'valAcc', format: '.2%' },
            { field: 'speed', format: '.2%' },
          ],
        },
      },
    ],
  };
}
