/**
 * vega-lite specs for the dashboard's drill-down views (a study's rungs, family tree and parameters; one run's curve).
 * Same conventions as charts.ts: pure functions of plain data, data inline, the shared config.
 */
import type { TopLevelSpec } from 'vega-lite';
import { base, PALETTE, zoomDomain } from './charts.js';

export interface RungCount {
  rung: number;
  label: string;
  /** Candidates with a result at this rung. */
  evaluated: number;
  /** Of those, how many went on to the next rung. */
  promoted: number;
  failed: number;
}

/** Successive halving at a glance: candidates evaluated at each rung, and how many of them were promoted. */
export function rungsSpec(rungs: RungCount[]): TopLevelSpec {
  const values = rungs.flatMap((r) => [
    { label: r.label, rung: r.rung, what: 'evaluated', n: r.evaluated },
    { label: r.label, rung: r.rung, what: 'promoted to the next rung', n: r.promoted },
    { label: r.label, rung: r.rung, what: 'failed or diverged', n: r.failed },
  ]);
  const order = rungs.map((r) => r.label);
  const what = ['evaluated', 'promoted to the next rung', 'failed or diverged'];
  return {
    ...base('Candidates per rung'),
    data: { values },
    width: 520,
    height: { step: 16 },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'label', type: 'nominal', title: null, sort: order, axis: { labelLimit: 360 } },
      yOffset: { field: 'what', type: 'nominal', sort: what },
      x: { field: 'n', type: 'quantitative', title: 'candidates' },
      color: {
        field: 'what',
        type: 'nominal',
        title: null,
        sort: what,
        scale: { domain: what, range: ['#a0cbe8', '#4e79a7', '#e15759'] },
        legend: { orient: 'bottom', direction: 'horizontal' },
      },
      tooltip: [{ field: 'label', title: 'rung' }, { field: 'what' }, { field: 'n', title: 'candidates' }],
    },
  };
}

export interface LineageNode {
  number: number;
  expr: string;
  state: string;
  /** Validation accuracy at rung 0 (every evaluated candidate has it), null when it never trained. */
  valAcc: number | null;
  /** Highlighted: one of the study's best candidates. */
  top: boolean;
}

/**
 * The family tree of evolved candidates: each trial at (trial number, rung-0 accuracy), a line from each parent to its
 * child, the best candidates labelled. Mutation chains read left to right; a good child of a poor parent stands out.
 */
export function lineageSpec(
  nodes: LineageNode[],
  edges: { from: number; to: number }[],
  baseline: number | null,
): TopLevelSpec {
  const at = new Map(nodes.map((n) => [n.number, n]));
  const [lo, hi] = zoomDomain(
    nodes.flatMap((n) => (n.valAcc === null ? [] : [n.valAcc])),
    baseline,
  );
  const yOf = (n: LineageNode) => Math.max(lo, n.valAcc ?? lo);
  const links = edges.flatMap((e) => {
    const a = at.get(e.from);
    const b = at.get(e.to);
    return a && b ? [{ from: e.from, to: e.to, x: a.number, y: yOf(a), x2: b.number, y2: yOf(b) }] : [];
  });
  const points = nodes.map((n) => ({ ...n, y: yOf(n), label: `#${n.number}` }));
  const states = ['complete', 'pruned', 'failed', 'rejected', 'running', 'queued'];
  const yScale = { domain: [lo, hi], zero: false, nice: false };
  return {
    ...base('Family tree of evolved candidates'),
    width: 620,
    height: 260,
    // Layers only where they have data: an empty layer leaves its scale without an extent (vega warns).
    layer: [
      ...(links.length > 0
        ? [
            {
              data: { values: links },
              mark: { type: 'rule' as const, color: '#9aa7b5', strokeWidth: 1, opacity: 0.7 },
              encoding: {
                x: { field: 'x', type: 'quantitative' as const },
                y: { field: 'y', type: 'quantitative' as const, scale: yScale },
                x2: { field: 'x2' },
                y2: { field: 'y2' },
                tooltip: [
                  { field: 'from', title: 'parent' },
                  { field: 'to', title: 'child' },
                ],
              },
            },
          ]
        : []),
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.9 },
        encoding: {
          x: { field: 'number', type: 'quantitative', title: 'trial number', scale: { nice: false } },
          y: {
            field: 'y',
            type: 'quantitative',
            title: 'validation accuracy at rung 0',
            scale: yScale,
            axis: { format: '.1%' },
          },
          size: { condition: { test: 'datum.top', value: 90 }, value: 26 },
          color: {
            field: 'state',
            type: 'nominal',
            title: 'state',
            scale: {
              domain: states,
              range: ['#4e79a7', '#a0cbe8', '#e15759', '#bab0ac', '#f28e2b', '#edc948'],
            },
          },
          tooltip: [
            { field: 'number', title: 'trial' },
            { field: 'expr' },
            { field: 'state' },
            { field: 'valAcc', title: 'rung-0 val acc', format: '.2%' },
          ],
        },
      },
      ...(points.some((p) => p.top)
        ? [
            {
              data: { values: points.filter((p) => p.top) },
              mark: {
                type: 'text' as const,
                dy: -9,
                fontSize: 10,
                fontWeight: 600 as const,
                color: '#333333',
              },
              encoding: {
                x: { field: 'number', type: 'quantitative' as const },
                y: { field: 'y', type: 'quantitative' as const, scale: yScale },
                text: { field: 'label', type: 'nominal' as const },
              },
            },
          ]
        : []),
    ],
  };
}

/**
 * Parallel coordinates of a parametric space (TaylorGLO, PolyLoss): one line per evaluated trial across its
 * parameters (each axis scaled to the range the search explored), coloured by rung-0 validation accuracy.
 */
export function parallelCoordinatesSpec(
  trials: { number: number; params: number[]; valAcc: number }[],
  names?: string[],
): TopLevelSpec | null {
  const dim = Math.max(0, ...trials.map((t) => t.params.length));
  if (dim === 0 || trials.length === 0) return null;
  const axes = Array.from({ length: dim }, (_, i) => names?.[i] ?? `θ${i}`);
  const lo = axes.map((_, i) => Math.min(...trials.map((t) => t.params[i] ?? Infinity)));
  const hi = axes.map((_, i) => Math.max(...trials.map((t) => t.params[i] ?? -Infinity)));
  const values = trials.flatMap((t) =>
    t.params.map((v, i) => ({
      number: t.number,
      axis: axes[i],
      value: v,
      scaled: hi[i]! > lo[i]! ? (v - lo[i]!) / (hi[i]! - lo[i]!) : 0.5,
      valAcc: t.valAcc,
    })),
  );
  const accs = trials.map((t) => t.valAcc);
  return {
    ...base('Parallel coordinates of the parameters'),
    data: { values },
    width: Math.max(360, 90 * dim),
    height: 240,
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.1, opacity: 0.55 },
        encoding: {
          x: { field: 'axis', type: 'nominal', sort: axes, title: null, axis: { labelAngle: 0, grid: true } },
          y: {
            field: 'scaled',
            type: 'quantitative',
            title: 'parameter (scaled to the explored range)',
            axis: null,
          },
          detail: { field: 'number', type: 'nominal' },
          order: { field: 'valAcc', type: 'quantitative' },
          color: {
            field: 'valAcc',
            type: 'quantitative',
            title: 'rung-0 val acc',
            scale: { scheme: 'viridis', domain: [Math.min(...accs), Math.max(...accs)] },
            legend: { format: '.1%' },
          },
          tooltip: [
            { field: 'number', title: 'trial' },
            { field: 'axis', title: 'parameter' },
            { field: 'value', format: '.4g' },
            { field: 'valAcc', title: 'val acc', format: '.2%' },
          ],
        },
      },
      {
        data: {
          values: axes.flatMap((a, i) => [
            { axis: a, scaled: 0, label: lo[i]!.toPrecision(3) },
            { axis: a, scaled: 1, label: hi[i]!.toPrecision(3) },
          ]),
        },
        mark: { type: 'text', fontSize: 9, color: '#666666', dx: 4, align: 'left' },
        encoding: {
          x: { field: 'axis', type: 'nominal', sort: axes },
          y: { field: 'scaled', type: 'quantitative' },
          text: { field: 'label', type: 'nominal' },
        },
      },
    ],
  };
}

/**
 * One run's curve: validation (and test) accuracy and training loss against epoch. The epoch axis spans the epochs the
 * run will train, so a run in flight fills it as its epochs finish.
 */
export function runCurveSpec(
  curve: { epoch: number; valAcc: number | null; testAcc: number | null; trainLoss: number | null }[],
  epochs: number | null,
): TopLevelSpec | null {
  const last = Math.max(1, epochs ?? 0, ...curve.map((c) => c.epoch));
  const acc = curve.flatMap((c) => [
    ...(c.valAcc !== null ? [{ epoch: c.epoch, series: 'validation', value: c.valAcc }] : []),
    ...(c.testAcc !== null ? [{ epoch: c.epoch, series: 'test', value: c.testAcc }] : []),
  ]);
  const loss = curve.flatMap((c) => (c.trainLoss !== null ? [{ epoch: c.epoch, value: c.trainLoss }] : []));
  const x = {
    field: 'epoch',
    type: 'quantitative' as const,
    title: 'epoch',
    scale: { domain: [1, last], nice: false },
    axis:
      last <= 40 ? { values: Array.from({ length: last }, (_, i) => i + 1), format: 'd' } : { format: 'd' },
  };
  // Null before the first epoch: an empty chart would have no extent to draw.
  if (acc.length === 0) return null;
  return {
    ...base('One run: accuracy and training loss against epoch'),
    hconcat: [
      {
        width: 320,
        height: 200,
        data: { values: acc },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: {
            field: 'value',
            type: 'quantitative',
            title: 'accuracy',
            scale: { zero: false },
            axis: { format: '.1%' },
          },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            scale: { domain: ['validation', 'test'], range: [PALETTE[0]!, PALETTE[1]!] },
            legend: { orient: 'bottom' },
          },
          tooltip: [{ field: 'epoch' }, { field: 'series' }, { field: 'value', format: '.2%' }],
        },
      },
      ...(loss.length > 0
        ? [
            {
              width: 320,
              height: 200,
              data: { values: loss },
              mark: {
                type: 'line' as const,
                point: { filled: true, color: '#59a14f' },
                color: '#59a14f',
              },
              encoding: {
                x,
                y: {
                  field: 'value',
                  type: 'quantitative' as const,
                  title: 'training loss',
                  scale: { zero: false },
                },
                tooltip: [{ field: 'epoch' }, { field: 'value', title: 'loss', format: '.4g' }],
              },
            },
          ]
        : []),
    ],
    resolve: { scale: { color: 'independent' } },
  };
}
