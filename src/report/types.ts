/**
 * View-model of the report: plain, JSON-serialisable objects. data.ts builds them from the store, charts.ts turns them
 * into vega-lite specs and html.ts into the page, so the last two never touch SQLite, the engine or the stats code.
 */
import type { BaselineComparison, Correlation } from '../stats/index.js';
import type { PowerLine } from '../compare/summary.js';

export interface ReportMeta {
  title: string;
  dbPath: string;
  generatedAt: string; // ISO
  /** The machine that wrote the report. */
  reportMachine: string;
  /** Distinct `runs.machine` values: where the numbers came from. */
  runMachines: string[];
  filters: { grid?: string; study?: string };
  counts: { runs: number; epochs: number; studies: number; trials: number };
  baseline: string;
}

export interface RunRow {
  id: number;
  key: string;
  grid: string;
  dataset: string;
  model: string;
  head: string;
  seed: number;
  status: string;
  divergedEpoch: number | null;
  error: string | null;
  valAcc: number | null;
  testAcc: number | null;
  ece: number | null;
  secondsPerEpoch: number | null;
  repr: Record<string, number> | null;
  config: string; // JSON text as stored
  /**
   * The panel the run is summarised in: `dataset · model`, plus what differs (e.g. `epochs 20`) when runs of one
   * dataset and model were trained under different configs, which must never be pooled into one mean.
   */
  panel?: string;
  command: string | null;
  machine: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One (dataset, model) cell of a grid. */
export interface Panel {
  dataset: string;
  model: string;
}

export interface Summary {
  n: number;
  mean: number;
  sd: number;
  lo: number;
  hi: number;
}

/** Mean validation accuracy at one epoch across the seeds of one head. */
export interface CurvePoint extends Panel, Summary {
  panel: string;
  head: string;
  epoch: number;
}

export type Verdict = 'baseline' | 'better' | 'worse' | 'no significant difference' | 'too few runs';

/** One row of the accuracy/Δ table (same shape for compare grids and study confirmations). */
export interface AccuracyRow extends Panel, Summary {
  panel: string;
  head: string;
  /** Which accuracy the row summarises: test when every run has one, otherwise validation. */
  metric: 'test' | 'val';
  values: number[]; // per-seed accuracies, for the dot strip
  seeds: number[];
  diverged: number; // runs with status diverged/failed (excluded from the statistics)
  valMean: number | null;
  ece: number | null;
  secondsPerEpoch: number | null;
  /** Δ = mean(head) − mean(baseline); null for the baseline or when the panel has no baseline runs. */
  delta: number | null;
  /** 95% interval for Δ of the verdict's test (needs two runs on each side; two pairs for the paired test). */
  deltaCi: [number, number] | null;
  pRaw: number | null; // the verdict test's two-sided p
  pHolm: number | null; // Holm across the non-baseline heads of the panel
  verdict: Verdict;
  /** The test the panel's verdicts use: paired when every head's seeds are the baseline's, else Welch. */
  test: 'paired' | 'welch' | null;
  pWelch: number | null;
  pWelchHolm: number | null;
  /** Paired t-test on the per-seed differences to the baseline (null with fewer than two shared seeds). */
  pPaired: number | null;
  pPairedHolm: number | null;
  /** Seeds shared with the baseline. */
  pairs: number | null;
  /** The panel's power line (the same on each of its rows): seeds needed to detect 0.2 points. */
  power: PowerLine | null;
}

export interface ReprMetricSummary extends Summary {
  key: string;
}

export interface ReprRow extends Panel {
  panel: string;
  head: string;
  n: number;
  metrics: Record<string, ReprMetricSummary>;
  accuracy: Summary | null; // test (or val) accuracy of the same runs, for the trade-off scatter
  /** Per metric key, this head against the baseline head of its panel (absent for the baseline, or n < 2). */
  vsBaseline: Record<string, ReprComparison>;
}

export interface ReprComparison extends BaselineComparison {
  /** Holm p below the report's α. */
  significant: boolean;
}

/** A correlation across the heads of one panel (one point per head: its mean over seeds). */
export interface ReprCorrelation extends Correlation {
  panel: string;
  /** Column labels, e.g. 'acc' and 'MAP@R'. */
  x: string;
  y: string;
}

export interface ReprView {
  /** Metric keys in display order, with labels. */
  /** higherIsBetter null: a geometric description (R², NC1) whose better direction is the question, not a given. */
  columns: { key: string; label: string; higherIsBetter: boolean | null }[];
  rows: ReprRow[];
  /** The key used as "transfer" on the scatter, when one exists. */
  transferKey: string | null;
  /** Kornblith et al.'s questions as numbers: accuracy and class separation against transfer, across heads. */
  correlations: ReprCorrelation[];
}

export interface DeltaPoint {
  head: string;
  margin: number;
  series: string; // 'target (head)' | 'other (head)' | 'target (softmax-ce)' | ...
  delta: number;
}

export interface DeltaHead {
  id: string;
  title: string;
  formula: string;
  outputLayer: string;
  params: Record<string, number>;
  marginRange: [number, number];
}

export interface DeltaView {
  numClasses: number;
  /** The head whose δ is dashed in every facet for comparison (the baseline), when it could be computed. */
  reference: string | null;
  heads: DeltaHead[];
  points: DeltaPoint[];
  /** Heads in the runs that could not be evaluated, with why (unknown id, engine not built, …). */
  skipped: { head: string; reason: string }[];
  /** Set when the whole section could not be computed. */
  unavailable?: string;
}

export interface TrialRow {
  number: number;
  expr: string;
  state: string;
  rejectReason: string | null;
  rung: number | null;
  seed: number | null;
  valAcc: number | null; // at the trial's highest rung
  speed: number | null;
  metrics: Record<string, unknown> | null;
  /** Validation Δ against the study's softmax-ce baseline at the trial's highest rung (its score); null: none. */
  delta: number | null;
  /** The baseline's accuracy at that rung. */
  baseline: number | null;
}

/** The study's built-in baseline (softmax-ce, the study's training seed) at one rung of its ladder. */
export interface StudyBaseline {
  rung: number;
  rungLabel: string;
  head: string;
  /** none: no baseline stored at this rung (a study from before baselines, or a rung no trial reached). */
  status: 'ok' | 'failed' | 'none';
  valAcc: number | null;
}

export interface SearchCurvePoint {
  rung: number;
  rungLabel: string; // 'rung 0 · keras-mlp · mnist · 2 ep · 10000 train' when the study config says

  number: number; // trial number
  valAcc: number;
  best: number; // best val acc so far at this rung
}

export interface ParetoPoint {
  number: number;
  expr: string;
  valAcc: number;
  speed: number;
  front: boolean;
}

export interface StudyView {
  name: string;
  space: string;
  config: string;
  /** Sampler, seeds, η, objectives, read from the stored study config ('' when it has another shape). */
  description: string;
  createdAt: string;
  states: Record<string, number>;
  /** The candidates (the baseline trial is in `baselines`, not here). */
  trials: TrialRow[];
  baselines: StudyBaseline[];
  /** Trial numbers best first: by the highest rung each completed, then Δ there (src/search/ranking.ts). */
  ranking: number[];
  searchCurve: SearchCurvePoint[];
  rejections: { reason: string; count: number }[];
  paretoRung: number | null;
  pareto: ParetoPoint[];
  confirmGrids: string[];
  confirmation: AccuracyRow[];
}

/** One cell of a head × head linear-CKA matrix (mean over the seeds both heads ran with features). */
export interface CkaCell {
  panel: string;
  a: string;
  b: string;
  mean: number;
  n: number;
}

export interface ReportData {
  meta: ReportMeta;
  runs: RunRow[];
  curves: CurvePoint[];
  accuracy: AccuracyRow[];
  repr: ReprView;
  /** Cross-head CKA from the `cka` table (both orders of each pair; no diagonal). */
  cka: CkaCell[];
  deltas: DeltaView;
  studies: StudyView[];
  /** Head ids in display order (baseline first); charts colour heads consistently with it. */
  headOrder: string[];
}
