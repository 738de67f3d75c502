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
  StudyBaseline,
  StudyView,
} from './types.js';

// Tableau 10 then its lighter partners: distinguishable, print-safe, and the baseline (first) is always blue.
export const PALETTE = [
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

export function base(
  description: string,
): Pick<TopLevelSpec, '$schema' | 'description' | 'config' | 'background'> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description,
    config: CONFIG,
    background: 'white',
  };
}

/** How many facet columns to use so a row of panels fits the page (~1000 px). */
export function facetColumns(panels: number, cellWidth: number): number {
  return Math.max(1, Math.min(panels, Math.floor(1000 / (cellWidth + 60))));
}

const pct = '.1%';

/**
 * A Student-t interval over two or three seeds can reach past 0% or 100%; the tables print it as computed, the charts
 * stop it at the bounds an accuracy can take so the axis stays readable.
 */
function clip01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** Legend entries as solid strokes: the faint band layer would otherwise wash out the legend's symbols. */
const STROKE_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2.5, symbolOpacity: 1, symbolSize: 120 };

/** A vega expression that is true for the baseline head's rows (the name quoted as a JSON string literal). */
function isBaseline(baseline: string | undefined): string {
  return baseline === undefined ? 'false' : `datum.head === ${JSON.stringify(baseline)}`;
}

function panelTitle(text: string) {
  return { text, fontSize: 11, fontWeight: 600 as const, anchor: 'start' as const, offset: 6 };
}

/** Whole epochs 1…last as axis ticks (a 3-epoch panel would otherwise tick at 1.5 and 2.5). */
function epochAxis(last: number) {
  return {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'epoch',
    scale: { domain: [1, Math.max(2, last)], nice: false },
    axis:
      last <= 40
        ? { values: Array.from({ length: Math.max(2, last) }, (_, i) => i + 1), format: 'd' }
        : { tickMinStep: 1, format: 'd' },
  };
}

/**
 * Validation accuracy against epoch: mean line, Student-t 95% band, one panel per dataset · model. Each panel has its
 * own epoch axis (a 3-epoch grid beside a 20-epoch one would otherwise fill 15% of its panel) and accuracy axis, and
 * the baseline's line is drawn heavier so the eye compares every head with it. Panels are separate sub-charts rather
 * than facets: a panel without two seeds anywhere simply has no band layer (an empty layer in a facet warns).
 */
export function learningCurvesSpec(
  points: CurvePoint[],
  allHeads: HeadScale,
  baseline?: string,
  /** Per panel, the epochs its runs will train: the dashboard's curves then grow into an axis that is already there. */
  plannedEpochs?: ReadonlyMap<string, number>,
): TopLevelSpec {
  const heads = subsetScale(
    allHeads,
    points.map((p) => p.head),
  );
  const panelNames = [...new Set(points.map((p) => p.panel))];
  const color = {
    field: 'head',
    type: 'nominal' as const,
    title: 'head',
    scale: heads,
    sort: heads.domain,
    legend: STROKE_LEGEND,
  };
  const charts = panelNames.map((panel) => {
    const pts = points.filter((p) => p.panel === panel);
    const x = epochAxis(Math.max(plannedEpochs?.get(panel) ?? 0, ...pts.map((p) => p.epoch)));
    const bands = pts
      .filter((p) => p.n >= 2)
      .map((p) => ({ ...p, loClip: clip01(p.lo), hiClip: clip01(p.hi) }));
    return {
      title: panelTitle(panel),
      width: 280,
      height: 190,
      layer: [
        // A band needs two seeds; single-seed points still get a line.
        ...(bands.length > 0
          ? [
              {
                data: { values: bands },
                mark: { type: 'area' as const, opacity: 0.16, interpolate: 'linear' as const },
                encoding: {
                  x,
                  y: { field: 'loClip', type: 'quantitative' as const },
                  y2: { field: 'hiClip' },
                  color,
                },
              },
            ]
          : []),
        {
          data: { values: pts },
          mark: { type: 'line' as const, point: { size: 18 } },
          encoding: {
            x,
            y: {
              field: 'mean',
              type: 'quantitative' as const,
              title: 'validation accuracy',
              scale: { zero: false },
              axis: { format: pct },
            },
            color,
            strokeWidth: { condition: { test: isBaseline(baseline), value: 3.2 }, value: 1.5 },
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
    };
  });
  return {
    ...base('Validation accuracy against epoch'),
    concat: charts,
    columns: facetColumns(charts.length, 280),
    spacing: { row: 26, column: 40 },
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared' } },
  };
}

/** The mark beside a head in a forest plot: its verdict against the baseline after Holm. */
export const VERDICT_MARKS: Record<AccuracyRow['verdict'], { text: string; color: string }> = {
  baseline: { text: 'baseline', color: '#4e79a7' },
  better: { text: '▲ better', color: '#1e7b34' },
  worse: { text: '▼ worse', color: '#b3261e' },
  'no significant difference': { text: 'n.s.', color: '#8a8a8a' },
  'too few runs': { text: 'n < 2', color: '#b0b0b0' },
};

/**
 * Final accuracy per head (a forest plot): one tick per seed, the mean and its 95% CI, the baseline's mean as a dashed
 * vertical line across the panel, and beside each head its verdict against the baseline (▲/▼ where Holm's p < α).
 * One sub-chart per panel, each layer only where it has data (see learningCurvesSpec).
 */
export function finalAccuracySpec(rows: AccuracyRow[], allHeads: HeadScale, baseline?: string): TopLevelSpec {
  const heads = subsetScale(
    allHeads,
    rows.map((r) => r.head),
  );
  const metric = rows.every((r) => r.metric === 'test')
    ? 'test accuracy'
    : 'accuracy (test, or validation where no test)';
  const baseHead = baseline ?? rows.find((r) => r.verdict === 'baseline')?.head;
  const width = 300;
  const color = { field: 'head', type: 'nominal' as const, scale: heads, legend: null };
  const panelNames = [...new Set(rows.map((r) => r.panel))];
  const charts = panelNames.map((panel) => {
    const list = rows.filter((r) => r.panel === panel);
    const order = heads.domain.filter((h) => list.some((r) => r.head === h));
    const y = { field: 'head', type: 'nominal' as const, title: null, sort: order };
    const summaries = list
      .filter((r) => r.n > 0)
      .map((r) => ({
        head: r.head,
        mean: r.mean,
        lo: r.lo,
        hi: r.hi,
        loClip: clip01(r.lo),
        hiClip: clip01(r.hi),
        n: r.n,
        verdict: r.verdict,
        mark: VERDICT_MARKS[r.verdict].text,
        pHolm: r.pHolm,
        delta: r.delta,
      }));
    const seeds = list.flatMap((r) => r.values.map((v, i) => ({ head: r.head, acc: v, seed: r.seeds[i] })));
    const base = list.find((r) => r.head === baseHead && r.n > 0);
    const verdicts = (Object.keys(VERDICT_MARKS) as AccuracyRow['verdict'][]).flatMap((v) => {
      const values = summaries.filter((s) => s.verdict === v);
      if (values.length === 0) return [];
      return [
        {
          data: { values },
          mark: {
            type: 'text' as const,
            align: 'left' as const,
            baseline: 'middle' as const,
            fontSize: 10,
            fontWeight: v === 'better' || v === 'worse' ? (700 as const) : (400 as const),
            color: VERDICT_MARKS[v].color,
          },
          encoding: {
            x: { value: width + 8 },
            y,
            text: { field: 'mark', type: 'nominal' as const },
            tooltip: [
              { field: 'head' },
              { field: 'verdict' },
              { field: 'delta', title: 'Δ', format: '+.2%' },
              { field: 'pHolm', title: 'p (Holm)', format: '.3g' },
            ],
          },
        },
      ];
    });
    const cis = summaries.filter((s) => s.n >= 2);
    return {
      title: panelTitle(panel),
      width,
      height: Math.max(60, 22 * order.length),
      layer: [
        ...(base
          ? [
              {
                data: { values: [{ head: base.head, mean: base.mean }] },
                mark: {
                  type: 'rule' as const,
                  strokeDash: [5, 3],
                  strokeWidth: 1.4,
                  color: '#4e79a7',
                  opacity: 0.85,
                },
                encoding: {
                  x: { field: 'mean', type: 'quantitative' as const },
                  tooltip: [
                    { field: 'head', title: 'baseline' },
                    { field: 'mean', title: 'mean', format: '.2%' },
                  ],
                },
              },
            ]
          : []),
        ...(seeds.length > 0
          ? [
              {
                data: { values: seeds },
                mark: { type: 'tick' as const, thickness: 1, size: 10, opacity: 0.55 },
                encoding: {
                  x: { field: 'acc', type: 'quantitative' as const },
                  y,
                  color,
                  tooltip: [{ field: 'head' }, { field: 'seed' }, { field: 'acc', format: '.2%' }],
                },
              },
            ]
          : []),
        ...(cis.length > 0
          ? [
              {
                data: { values: cis },
                mark: { type: 'rule' as const },
                encoding: {
                  x: { field: 'loClip', type: 'quantitative' as const },
                  x2: { field: 'hiClip' },
                  y,
                  color,
                  strokeWidth: { condition: { test: isBaseline(baseHead), value: 3.5 }, value: 2 },
                },
              },
            ]
          : []),
        {
          data: { values: summaries },
          mark: { type: 'point' as const, filled: true, size: 50, stroke: 'white', strokeWidth: 0.8 },
          encoding: {
            x: {
              field: 'mean',
              type: 'quantitative' as const,
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
        ...verdicts,
      ],
    };
  });
  return {
    ...base('Final accuracy per head with 95% confidence intervals and verdicts against the baseline'),
    concat: charts,
    // The verdict column sits right of each panel: 70 px more per column.
    columns: facetColumns(charts.length, width + 70),
    spacing: { row: 26, column: 90 },
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared' } },
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
  // The legend goes under the panels: on the right it pushed a third column of panels off the page.
  const color = {
    field: 'head',
    type: 'nominal' as const,
    scale: heads,
    title: 'head',
    sort: heads.domain,
    legend: { orient: 'bottom' as const, direction: 'horizontal' as const, columns: 4 },
  };
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
  // Every head's name on both axes: the shared config's greedy overlap removal dropped every other x label.
  const labels = { labelOverlap: false, labelLimit: 160, labelFontSize: 10 } as const;
  return {
    ...base('Linear CKA between heads'),
    data: { values: cells },
    facet: { field: 'panel', type: 'nominal', title: null, header: { labelAnchor: 'start' } },
    columns: facetColumns(panels, side + 120),
    spec: {
      width: side,
      height: side,
      encoding: {
        x: { ...axis, axis: { ...labels, labelAngle: -45 } },
        y: { ...axis, field: 'b', axis: labels },
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

/**
 * The y range a search-curve panel zooms to: from a little below the lower of the rung's softmax-ce and its best trial
 * (at least 3 points, or three times their gap) to just above the higher. Chance-level trials (10% on MNIST) would
 * otherwise squeeze every interesting difference into the top pixels of a 0–100% axis.
 */
export function zoomDomain(values: readonly number[], baseline: number | null): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  const best = finite.length > 0 ? Math.max(...finite) : (baseline ?? 1);
  const ref = baseline ?? best;
  const top = Math.max(best, ref);
  const bottom = Math.min(best, ref);
  const window = Math.max(0.03, 3 * (top - bottom));
  const lo = Math.max(0, bottom - window);
  const hi = Math.min(1, top + Math.max(0.003, 0.08 * (top - lo)));
  return [lo, hi];
}

/**
 * Each trial's validation accuracy (dots) and the best so far (step line), one panel per rung of the fidelity ladder
 * (rungs train different data and epochs, so their accuracies share no axis), with the study's softmax-ce at that rung
 * as a dashed rule. Each panel's y-axis is zoomed to where the candidates compete with the baseline; trials below it
 * are drawn as triangles on the floor (their value is in the tooltip).
 */
export function searchCurveSpec(
  points: SearchCurvePoint[],
  baselines: ReadonlyArray<Pick<StudyBaseline, 'rung' | 'rungLabel' | 'valAcc' | 'status'>> = [],
): TopLevelSpec {
  const rungs = [...new Set(points.map((p) => p.rung))].sort((a, b) => a - b);
  const numbers = points.map((p) => p.number);
  const xDomain = numbers.length > 0 ? [Math.min(...numbers), Math.max(...numbers)] : [0, 1];
  const panels = rungs.map((rung, i) => {
    const pts = points.filter((p) => p.rung === rung);
    const b = baselines.find((x) => x.rung === rung && x.status === 'ok' && x.valAcc !== null);
    const ref = b?.valAcc ?? null;
    const [lo, hi] = zoomDomain(
      pts.map((p) => p.valAcc),
      ref,
    );
    const values = pts.map((p) => ({
      ...p,
      y: Math.max(lo, p.valAcc),
      yBest: Math.max(lo, p.best),
      where: p.valAcc < lo ? 'below' : 'shown',
    }));
    const colour = PALETTE[i % PALETTE.length];
    const x = {
      field: 'number',
      type: 'quantitative' as const,
      title: i === rungs.length - 1 ? 'trial number' : null,
      scale: { domain: xDomain, nice: false },
    };
    const yScale = { domain: [lo, hi], zero: false, nice: false };
    return {
      title: { text: pts[0]?.rungLabel ?? `rung ${rung}`, fontSize: 11 },
      width: 620,
      height: 150,
      data: { values },
      layer: [
        {
          mark: { type: 'point' as const, size: 30, opacity: 0.65, filled: true, color: colour },
          encoding: {
            x,
            y: {
              field: 'y',
              type: 'quantitative' as const,
              title: 'validation accuracy',
              scale: yScale,
              axis: { format: '.1%', tickCount: 5 },
            },
            shape: {
              field: 'where',
              type: 'nominal' as const,
              scale: { domain: ['shown', 'below'], range: ['circle', 'triangle-down'] },
              legend: null,
            },
            tooltip: [
              { field: 'number', title: 'trial' },
              { field: 'valAcc', title: 'val acc', format: '.2%' },
              { field: 'best', title: 'best so far', format: '.2%' },
            ],
          },
        },
        {
          mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth: 2, color: colour },
          encoding: {
            x,
            y: { field: 'yBest', type: 'quantitative' as const, scale: yScale },
          },
        },
        ...(ref !== null
          ? [
              {
                data: { values: [{ head: 'softmax-ce', valAcc: ref, rungLabel: b!.rungLabel }] },
                mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 1.6, color: '#333333' },
                encoding: {
                  y: { field: 'valAcc', type: 'quantitative' as const, scale: yScale },
                  tooltip: [
                    { field: 'head', title: 'baseline' },
                    { field: 'rungLabel', title: 'rung' },
                    { field: 'valAcc', format: '.2%' },
                  ],
                },
              },
              {
                data: { values: [{ label: `softmax-ce ${(100 * ref).toFixed(2)}%`, valAcc: ref }] },
                mark: {
                  type: 'text' as const,
                  align: 'right' as const,
                  dy: -6,
                  fontSize: 10,
                  color: '#333333',
                },
                encoding: {
                  x: { value: 616 },
                  y: { field: 'valAcc', type: 'quantitative' as const, scale: yScale },
                  text: { field: 'label', type: 'nominal' as const },
                },
              },
            ]
          : []),
      ],
    };
  });
  return {
    ...base('Search curve per rung'),
    vconcat: panels,
    spacing: 18,
    resolve: { scale: { y: 'independent', shape: 'independent' } },
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
