/**
 * Reads a headroom database (through the store, read-only) into the report's view-model, and computes the
 * statistics the report shows.
 */
import { existsSync } from 'node:fs';
import { cpus, hostname, platform, release } from 'node:os';
import { correlation, summarize, verdictTest, versusBaseline, versusBaselinePaired } from '../stats/index.js';
import { openStore, type RunRecord, type Store, type StudyRow } from '../store/index.js';
import { ckaMatrices } from '../compare/cka.js';
import { isReprSetting, powerLine } from '../compare/summary.js';
import { HEAD_FIELDS, runKey, type RunConfig } from '../train/config.js';
import {
  BASELINE_HEAD,
  baselinesOf,
  isBaselineTrial,
  rankByScore,
  studyMargin,
  trialScore,
  type RungResultLike,
} from '../search/ranking.js';
import type {
  AccuracyRow,
  CkaCell,
  CurvePoint,
  ParetoPoint,
  ReportData,
  ReprCorrelation,
  ReprView,
  RunRow,
  SearchCurvePoint,
  StudyBaseline,
  StudyView,
  Summary,
  TrialRow,
  Verdict,
} from './types.js';

export const DEFAULT_BASELINE = 'softmax-ce';
export const ALPHA = 0.05;

export interface ReadOptions {
  dbPath: string;
  grid?: string;
  study?: string;
  baseline?: string;
  now?: Date;
}

// ---------------------------------------------------------------------------------------------------- helpers

function finite(xs: Array<number | null | undefined>): number[] {
  return xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

/** summarize() as a flat object; a single value has no interval, so lo = hi = mean. */
export function summary(xs: number[]): Summary {
  const s = summarize(xs);
  const lo = Number.isFinite(s.ci[0]) ? s.ci[0] : s.mean;
  const hi = Number.isFinite(s.ci[1]) ? s.ci[1] : s.mean;
  return { n: s.n, mean: s.mean, sd: Number.isFinite(s.sd) ? s.sd : 0, lo, hi };
}

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function panelName(dataset: string, model: string): string {
  return `${dataset} · ${model}`;
}

function panelOf(r: RunRow): string {
  return r.panel ?? panelName(r.dataset, r.model);
}

/** Config fields that name the head, the seed or the machine, or that the panel name already says. */
const NOT_EXPERIMENT = new Set<string>([...HEAD_FIELDS, 'seed', 'threads', 'dataset', 'model']);

function flatten(v: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      if (prefix !== '' || !NOT_EXPERIMENT.has(k)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (v !== undefined) out[prefix] = JSON.stringify(v);
  return out;
}

/**
 * Sets each run's panel. Runs of one dataset and model whose configs differ in anything but head and seed (3 vs 20
 * epochs, a repr grid next to a plain one) are different experiments: they get one panel each, named by the fields
 * that differ, so that no mean, CI or test pools them.
 */
export function assignPanels(runs: RunRow[]): void {
  const byDm = groupBy(runs, (r) => panelName(r.dataset, r.model));
  for (const [dm, list] of byDm) {
    const flat = new Map(list.map((r) => [r, flatten(JSON.parse(r.config) as unknown)]));
    const signature = (f: Record<string, string>) => JSON.stringify(Object.entries(f).sort());
    const sigs = new Set([...flat.values()].map(signature));
    if (sigs.size <= 1) {
      for (const r of list) r.panel = dm;
      continue;
    }
    const keys = new Set([...flat.values()].flatMap((f) => Object.keys(f)));
    const differing = [...keys]
      .filter((k) => new Set([...flat.values()].map((f) => f[k] ?? '—')).size > 1)
      .sort();
    for (const [r, f] of flat) {
      const label = differing.map((k) => `${k} ${(f[k] ?? '—').replace(/^"|"$/g, '')}`).join(', ');
      r.panel = `${dm} · ${label}`;
    }
  }
}

function numericRecord(v: unknown): Record<string, number> | null {
  if (v === null || typeof v !== 'object') return null;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'number') out[k] = x;
  return Object.keys(out).length > 0 ? out : null;
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k) ?? [];
    list.push(x);
    m.set(k, list);
  }
  return m;
}

/** Baseline first, then alphabetical: the order of every table and legend. */
export function orderHeads(heads: Iterable<string>, baseline: string): string[] {
  return [...new Set(heads)].sort((a, b) => (a === baseline ? -1 : b === baseline ? 1 : a.localeCompare(b)));
}

export function reportMachine(): string {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown cpu';
  return `${hostname()} · ${platform()} ${release()} · ${cpus().length} cores · ${cpu} · node ${process.version}`;
}

// ---------------------------------------------------------------------------------------------------- statistics

/**
 * One row per (dataset, model, head), Δ against the baseline, Holm across the non-baseline heads of each panel.
 * Matches `headroom compare`: the metric is test accuracy when the panel's runs stored it, else validation; diverged
 * and failed runs are counted, not averaged; a head needs two runs (and so does the baseline) for a p-value.
 */
export function accuracyRows(runs: RunRow[], baseline: string, alpha = ALPHA): AccuracyRow[] {
  const out: AccuracyRow[] = [];
  const panels = groupBy(runs, panelOf);
  for (const [panel, panelRuns] of [...panels.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const ok = panelRuns.filter((r) => r.status === 'ok');
    const useTest = ok.some((r) => r.testAcc !== null && Number.isFinite(r.testAcc));
    const metricOf = (r: RunRow): number | null => (useTest ? r.testAcc : r.valAcc);
    const byHead = groupBy(panelRuns, (r) => r.head);
    const baseValues = finite(ok.filter((r) => r.head === baseline).map(metricOf));
    const rows: AccuracyRow[] = [];
    for (const head of orderHeads(byHead.keys(), baseline)) {
      const all = byHead.get(head)!;
      const good = all.filter((r) => r.status === 'ok');
      const withValue = good.filter((r) => metricOf(r) !== null && Number.isFinite(metricOf(r)));
      const values = withValue.map((r) => metricOf(r)!);
      if (values.length === 0 && all.length === good.length) continue; // nothing to show
      const s = values.length > 0 ? summary(values) : { n: 0, mean: NaN, sd: NaN, lo: NaN, hi: NaN };
      const row: AccuracyRow = {
        dataset: all[0].dataset,
        model: all[0].model,
        panel,
        head,
        metric: useTest ? 'test' : 'val',
        ...s,
        values,
        seeds: withValue.map((r) => r.seed),
        diverged: all.length - good.length,
        valMean: mean(finite(good.map((r) => r.valAcc))),
        ece: mean(finite(good.map((r) => r.ece))),
        secondsPerEpoch: mean(finite(good.map((r) => r.secondsPerEpoch))),
        delta: null,
        deltaCi: null,
        pRaw: null,
        pHolm: null,
        verdict: head === baseline ? 'baseline' : 'too few runs',
        test: null,
        pWelch: null,
        pWelchHolm: null,
        pPaired: null,
        pPairedHolm: null,
        pairs: null,
        power: null,
      };
      if (head !== baseline && baseValues.length > 0 && values.length > 0)
        row.delta = s.mean - mean(baseValues)!;
      rows.push(row);
    }
    // Welch and the paired test on the same values, one of them for the verdicts (as headroom compare decides).
    const tests = versusBaseline(new Map(rows.map((r) => [r.head, r.values])), baseline);
    const paired = versusBaselinePaired(
      new Map(rows.map((r) => [r.head, new Map(r.seeds.map((seed, i) => [seed, r.values[i]!]))])),
      baseline,
    );
    const test = verdictTest(tests, paired);
    const power = powerLine(
      new Map(rows.map((r) => [r.head, r.values])),
      [...paired.values()].map((c) => c.sdDiff),
      tests.size,
      alpha,
    );
    for (const row of rows) {
      row.power = power;
      const t = tests.get(row.head);
      if (!t) continue;
      const pt = paired.get(row.head);
      row.test = test;
      row.pWelch = t.p;
      row.pWelchHolm = t.pHolm;
      row.pPaired = pt?.p ?? null;
      row.pPairedHolm = pt?.pHolm ?? null;
      row.pairs = pt?.pairs ?? null;
      const used = test === 'paired' && pt ? pt : t;
      row.pRaw = used.p;
      if (Number.isFinite(used.ci[0]) && Number.isFinite(used.ci[1])) row.deltaCi = used.ci;
      row.pHolm = used.pHolm;
      row.verdict = verdictFor(row.delta!, used.pHolm, alpha);
    }
    out.push(...rows);
  }
  return out;
}

export function verdictFor(delta: number, pHolm: number, alpha = ALPHA): Verdict {
  if (!(pHolm < alpha)) return 'no significant difference';
  return delta > 0 ? 'better' : 'worse';
}

export function learningCurves(runs: RunRow[], epochs: EpochRow[]): CurvePoint[] {
  const byId = new Map(runs.filter((r) => r.status === 'ok').map((r) => [r.id, r]));
  const groups = new Map<string, { run: RunRow; epoch: number; values: number[] }>();
  for (const e of epochs) {
    const run = byId.get(e.runId);
    if (!run || e.valAcc === null || !Number.isFinite(e.valAcc)) continue;
    const k = `${panelOf(run)}\u0000${run.head}\u0000${e.epoch}`;
    const g = groups.get(k) ?? { run, epoch: e.epoch, values: [] };
    g.values.push(e.valAcc);
    groups.set(k, g);
  }
  const out: CurvePoint[] = [];
  for (const g of groups.values()) {
    out.push({
      dataset: g.run.dataset,
      model: g.run.model,
      panel: panelOf(g.run),
      head: g.run.head,
      epoch: g.epoch,
      ...summary(g.values),
    });
  }
  return out.sort(
    (a, b) => a.panel.localeCompare(b.panel) || a.head.localeCompare(b.head) || a.epoch - b.epoch,
  );
}

// ---------------------------------------------------------------------------------------------------- representations

interface ReprKeyInfo {
  label: string;
  /** null: a description of the geometry (class separation, collapse), not a quality with a better direction. */
  higherIsBetter: boolean | null;
  order: number;
}

// The metrics folder and compare may name keys slightly differently; normalise on a lower-case, punctuation-free form.
const REPR_KEYS: Record<string, ReprKeyInfo> = {
  knn: { label: 'kNN acc', higherIsBetter: true, order: 0 },
  knnacc: { label: 'kNN acc', higherIsBetter: true, order: 0 },
  knnaccuracy: { label: 'kNN acc', higherIsBetter: true, order: 0 },
  probe: { label: 'probe acc', higherIsBetter: true, order: 1 },
  probeacc: { label: 'probe acc', higherIsBetter: true, order: 1 },
  linearprobe: { label: 'probe acc', higherIsBetter: true, order: 1 },
  linearprobeacc: { label: 'probe acc', higherIsBetter: true, order: 1 },
  r2: { label: 'R²', higherIsBetter: null, order: 2 },
  classseparationr2: { label: 'R²', higherIsBetter: null, order: 2 },
  separationr2: { label: 'R²', higherIsBetter: null, order: 2 },
  nc1: { label: 'NC1', higherIsBetter: null, order: 3 },
  mapatr: { label: 'MAP@R', higherIsBetter: true, order: 4 },
  mapr: { label: 'MAP@R', higherIsBetter: true, order: 4 },
  transfermapatr: { label: 'MAP@R', higherIsBetter: true, order: 4 },
  precisionat1: { label: 'P@1', higherIsBetter: true, order: 5 },
  p1: { label: 'P@1', higherIsBetter: true, order: 5 },
  transferprecisionat1: { label: 'P@1', higherIsBetter: true, order: 5 },
  transferp1: { label: 'P@1', higherIsBetter: true, order: 5 }, // the key compare --repr stores
  cka: { label: 'CKA', higherIsBetter: true, order: 6 },
};

function normKey(k: string): string {
  return k.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function reprView(runs: RunRow[], accuracy: AccuracyRow[], baseline: string): ReprView {
  const ok = runs.filter((r) => r.status === 'ok' && r.repr !== null);
  const keys = new Set<string>();
  for (const r of ok) for (const k of Object.keys(r.repr!)) if (!isReprSetting(k)) keys.add(k);
  const columns = [...keys]
    .map((key) => {
      const info = REPR_KEYS[normKey(key)];
      return {
        key,
        label: info?.label ?? key,
        higherIsBetter: info ? info.higherIsBetter : true,
        order: info?.order ?? 99,
      };
    })
    .sort((a, b) => a.order - b.order || a.key.localeCompare(b.key));
  const accByHead = new Map(accuracy.map((a) => [`${a.panel}\u0000${a.head}`, a]));
  const rows: ReprView['rows'] = [];
  const panels = groupBy(ok, panelOf);
  for (const [panel, list] of [...panels.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const byHead = groupBy(list, (r) => r.head);
    // Per metric, each head's finite values: summarised per head, and tested against the baseline across heads.
    const values = new Map(
      columns.map((c) => [
        c.key,
        new Map([...byHead].map(([head, hr]) => [head, finite(hr.map((r) => r.repr![c.key]))])),
      ]),
    );
    const tests = new Map(
      [...values].map(([key, byHeadValues]) => [key, versusBaseline(byHeadValues, baseline)]),
    );
    for (const head of orderHeads(byHead.keys(), baseline)) {
      const hr = byHead.get(head)!;
      const metrics: ReprView['rows'][number]['metrics'] = {};
      const vsBaseline: ReprView['rows'][number]['vsBaseline'] = {};
      for (const c of columns) {
        const xs = values.get(c.key)!.get(head)!;
        if (xs.length > 0) metrics[c.key] = { key: c.key, ...summary(xs) };
        const t = tests.get(c.key)!.get(head);
        if (t) vsBaseline[c.key] = { ...t, significant: t.pHolm < ALPHA };
      }
      const acc = accByHead.get(`${panel}\u0000${head}`);
      rows.push({
        dataset: hr[0].dataset,
        model: hr[0].model,
        panel,
        head,
        n: hr.length,
        metrics,
        accuracy: acc && acc.n > 0 ? { n: acc.n, mean: acc.mean, sd: acc.sd, lo: acc.lo, hi: acc.hi } : null,
        vsBaseline,
      });
    }
  }
  const byLabel = (label: string) => columns.find((c) => c.label === label)?.key ?? null;
  const transfer = byLabel('MAP@R');
  return {
    columns: columns.map(({ key, label, higherIsBetter }) => ({ key, label, higherIsBetter })),
    rows,
    transferKey: transfer,
    correlations: reprCorrelations(rows, byLabel('R²'), transfer),
  };
}

/**
 * Across the heads of each panel (head means, so each head counts once whatever its seed count): accuracy and class
 * separation against transfer, and accuracy against class separation, the three links of Kornblith et al. 2021.
 */
function reprCorrelations(
  rows: ReprView['rows'],
  r2: string | null,
  transfer: string | null,
): ReprCorrelation[] {
  const axes: [string, (r: ReprView['rows'][number]) => number | undefined][] = [
    ['acc', (r) => r.accuracy?.mean],
    ['R²', (r) => (r2 === null ? undefined : r.metrics[r2]?.mean)],
    ['MAP@R', (r) => (transfer === null ? undefined : r.metrics[transfer]?.mean)],
  ];
  const pairs: [number, number][] = [
    [0, 2],
    [1, 2],
    [0, 1],
  ];
  const out: ReprCorrelation[] = [];
  for (const [panel, list] of groupBy(rows, (r) => r.panel)) {
    for (const [i, j] of pairs) {
      const xs = list.map(axes[i][1]);
      const ys = list.map(axes[j][1]);
      const c = correlation(
        xs.map((x) => x ?? NaN),
        ys.map((y) => y ?? NaN),
      );
      if (c.n >= 3) out.push({ panel, x: axes[i][0], y: axes[j][0], ...c });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- studies

/** Grids that hold a study's confirmation runs: `confirm:<study>` and anything under it (`confirm:<study>:…`). */
export function isConfirmGrid(grid: string, study: string): boolean {
  const g = `confirm:${study}`;
  return grid === g || grid.startsWith(`${g}:`);
}

/**
 * A study's confirmation runs: those in its grids, plus the baseline runs they are compared with. A baseline run
 * has the same config as a candidate run but for the head, so two studies confirmed under the same settings share
 * it (same run key, trained once) and it is stored under the grid that trained it first.
 */
export function confirmationRuns(allRuns: RunRow[], study: string, baseline: string): RunRow[] {
  const own = allRuns.filter((r) => isConfirmGrid(r.grid, study));
  const byKey = new Map(allRuns.map((r) => [r.key, r]));
  const shared = new Map<number, RunRow>();
  for (const r of own) {
    if (r.head === baseline) continue;
    const { candidate: _candidate, ...rest } = JSON.parse(r.config) as RunConfig & { candidate?: unknown };
    const b = byKey.get(runKey({ ...rest, head: baseline }));
    if (b && !isConfirmGrid(b.grid, study)) shared.set(b.id, { ...b }); // a copy: panels are assigned per study
  }
  return [...own, ...shared.values()];
}

/** Non-dominated points when both coordinates are maximised. */
export function paretoFront<T extends { valAcc: number; speed: number }>(pts: T[]): boolean[] {
  return pts.map(
    (p) =>
      !pts.some(
        (q) => q.valAcc >= p.valAcc && q.speed >= p.speed && (q.valAcc > p.valAcc || q.speed > p.speed),
      ),
  );
}

interface StudyConfigLike {
  sampler?: string;
  seed?: number;
  trainSeed?: number;
  eta?: number;
  objectives?: string[];
  promotionMargin?: number;
  ladder?: { model?: string; dataset?: string; epochs?: number; trainLimit?: number }[];
}

/** The search stores `{ config: StudyConfig }`; accept the bare config too, and anything else as unknown. */
export function studyConfig(text: string): StudyConfigLike {
  try {
    const v = JSON.parse(text) as { config?: unknown };
    const c = v && typeof v === 'object' && v.config && typeof v.config === 'object' ? v.config : v;
    return c && typeof c === 'object' ? (c as StudyConfigLike) : {};
  } catch {
    return {};
  }
}

export function rungLabel(cfg: StudyConfigLike, rung: number): string {
  const r = cfg.ladder?.[rung];
  if (!r) return `rung ${rung}`;
  const parts = [r.model, r.dataset, r.epochs !== undefined ? `${r.epochs} ep` : undefined];
  if (r.trainLimit !== undefined) parts.push(`${r.trainLimit} train`);
  return `rung ${rung} · ${parts.filter((x) => x !== undefined).join(' · ')}`;
}

function describeStudy(cfg: StudyConfigLike): string {
  const parts: string[] = [];
  if (cfg.sampler) parts.push(`sampler ${cfg.sampler}`);
  if (cfg.seed !== undefined) parts.push(`seed ${cfg.seed}`);
  if (cfg.trainSeed !== undefined) parts.push(`training seed ${cfg.trainSeed}`);
  if (cfg.eta !== undefined) parts.push(`η = ${cfg.eta}`);
  if (cfg.objectives) parts.push(`objectives ${cfg.objectives.join(', ')}`);
  if (cfg.ladder) parts.push(`ladder: ${cfg.ladder.map((_, i) => rungLabel(cfg, i)).join('; ')}`);
  return parts.join(' · ');
}

export function searchCurve(
  rungs: RungRow[],
  trialNumber: Map<number, number>,
  label: (rung: number) => string = (r) => `rung ${r}`,
): SearchCurvePoint[] {
  const out: SearchCurvePoint[] = [];
  const byRung = groupBy(
    rungs.filter((r) => r.valAcc !== null && Number.isFinite(r.valAcc) && trialNumber.has(r.trialId)),
    (r) => String(r.rung),
  );
  for (const [rung, list] of byRung) {
    let best = -Infinity;
    const sorted = list
      .map((r) => ({ number: trialNumber.get(r.trialId)!, valAcc: r.valAcc! }))
      .sort((a, b) => a.number - b.number);
    for (const p of sorted) {
      best = Math.max(best, p.valAcc);
      out.push({
        rung: Number(rung),
        rungLabel: label(Number(rung)),
        number: p.number,
        valAcc: p.valAcc,
        best,
      });
    }
  }
  return out.sort((a, b) => a.rung - b.rung || a.number - b.number);
}

// ---------------------------------------------------------------------------------------------------- the store

export interface EpochRow {
  runId: number;
  epoch: number;
  valAcc: number | null;
}

export interface RungRow {
  trialId: number;
  rung: number;
  valAcc: number | null;
  speed: number | null;
  /** The stored rung status ('ok', 'diverged', 'failed'); rows without one count as ok when they have an accuracy. */
  status: string;
}

export function toRun(r: RunRecord): RunRow {
  return {
    id: r.id,
    key: r.key,
    grid: r.grid ?? '',
    dataset: r.dataset,
    model: r.model,
    head: r.head,
    seed: r.seed,
    status: r.status,
    divergedEpoch: r.divergedEpoch,
    error: r.error,
    valAcc: r.valAcc,
    testAcc: r.testAcc,
    ece: r.ece,
    secondsPerEpoch: r.secondsPerEpoch,
    repr: numericRecord(r.repr),
    config: JSON.stringify(r.config),
    command: r.command,
    machine: r.machine,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}

/** A database the report cannot read: one line saying what is wrong (CLI exit code 2). */
export class ReportError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/** `--grid`, `--study` and an explicit `--baseline` must name something in the database: an empty report is no answer. */
function checkNames(opts: ReadOptions, runs: RunRow[], studies: StudyRow[]): void {
  const listing = (what: string, names: string[]): string =>
    names.length > 0 ? `${what} there: ${[...new Set(names)].join(', ')}` : `it has no ${what}`;
  if (opts.grid !== undefined && !runs.some((r) => r.grid === opts.grid))
    throw new ReportError(
      `--grid '${opts.grid}' matches no run in ${opts.dbPath}; ${listing(
        'grids',
        runs.flatMap((r) => (r.grid ? [r.grid] : [])),
      )}.`,
    );
  if (opts.study !== undefined && !studies.some((s) => s.name === opts.study))
    throw new ReportError(
      `--study '${opts.study}' matches no study in ${opts.dbPath}; ${listing(
        'studies',
        studies.map((s) => s.name),
      )}.`,
    );
  if (opts.baseline !== undefined && !runs.some((r) => r.head === opts.baseline))
    throw new ReportError(
      `--baseline '${opts.baseline}' matches no run's head in ${opts.dbPath}; ${listing(
        'heads',
        runs.map((r) => r.head),
      )}.`,
    );
}

export function openReadOnly(dbPath: string): Store {
  if (!existsSync(dbPath))
    throw new ReportError(`no database at '${dbPath}' (give the file compare/search wrote with --db).`);
  try {
    return openStore(dbPath, { readonly: true });
  } catch (e) {
    throw new ReportError(e instanceof Error ? e.message : String(e));
  }
}

function readStudy(store: Store, s: StudyRow, confirmRuns: RunRow[], baseline: string): StudyView {
  const cfg = studyConfig(s.config);
  const allRecords = store.listTrials(s.id);
  // The search's own baseline (softmax-ce at each rung, trial −1) is the reference, not a candidate.
  const baselineRecord = allRecords.find(isBaselineTrial);
  const trialRecords = allRecords.filter((t) => !isBaselineTrial(t));
  const allRungs: RungRow[] = store.listRungs(s.id).map((r) => {
    const m = r.metrics as { status?: unknown } | null;
    return {
      trialId: r.trialId,
      rung: r.rung,
      valAcc: r.valAcc,
      speed: r.speed,
      status: typeof m?.status === 'string' ? m.status : r.valAcc !== null ? 'ok' : 'failed',
    };
  });
  const rungs = allRungs.filter((r) => r.trialId !== baselineRecord?.id);
  const results = (own: RungRow[]): Record<string, RungResultLike> =>
    Object.fromEntries(own.map((r) => [String(r.rung), { status: r.status, valAcc: r.valAcc }]));
  const ladderLength = Math.max(cfg.ladder?.length ?? 0, ...allRungs.map((r) => r.rung + 1));
  const baselineValues = baselinesOf(
    results(allRungs.filter((r) => r.trialId === baselineRecord?.id)),
    ladderLength,
  );
  const baselines: StudyBaseline[] = baselineValues.map((v, r) => ({
    rung: r,
    rungLabel: rungLabel(cfg, r),
    head: BASELINE_HEAD,
    status: v === undefined ? 'none' : v === null ? 'failed' : 'ok',
    valAcc: v ?? null,
  }));
  const rungsByTrial = groupBy(rungs, (r) => String(r.trialId));
  const scores = new Map<number, ReturnType<typeof trialScore>>();
  const trials: TrialRow[] = trialRecords.map((t) => {
    const own = rungsByTrial.get(String(t.id)) ?? [];
    const top = own.filter((r) => r.valAcc !== null).at(-1);
    const metrics =
      t.metrics !== null && typeof t.metrics === 'object' ? (t.metrics as Record<string, unknown>) : null;
    const score = own.length > 0 ? trialScore(results(own), baselineValues) : null;
    scores.set(t.number, score);
    return {
      number: t.number,
      expr: t.expr,
      state: t.state,
      rejectReason: t.rejectReason,
      rung: top?.rung ?? t.rung,
      seed: t.seed,
      valAcc: top?.valAcc ?? null,
      speed: top?.speed ?? null,
      metrics,
      delta: score?.delta ?? null,
      baseline: score?.baseline ?? null,
    };
  });
  const ranking = rankByScore(
    trials.map((t) => ({ number: t.number, score: scores.get(t.number) ?? null })),
    studyMargin(cfg),
  )
    .filter((t) => t.score?.valAcc != null)
    .map((t) => t.number);
  const states: Record<string, number> = {};
  for (const t of trials) states[t.state] = (states[t.state] ?? 0) + 1;
  const reasons = new Map<string, number>();
  for (const t of trials) {
    if (t.state !== 'rejected') continue;
    const reason = t.rejectReason ?? 'unspecified';
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }

  // The Pareto front is drawn at the lowest rung where trials have both objectives: every trial reaches it, so they compare.
  const numberOf = new Map(trialRecords.map((t) => [t.id, t.number]));
  const exprOf = new Map(trialRecords.map((t) => [t.id, t.expr]));
  const both = rungs.filter(
    (r) => r.valAcc !== null && r.speed !== null && Number.isFinite(r.valAcc) && Number.isFinite(r.speed),
  );
  const paretoRung = both.length > 0 ? Math.min(...both.map((r) => r.rung)) : null;
  const atRung = both
    .filter((r) => r.rung === paretoRung)
    .map((r) => ({
      number: numberOf.get(r.trialId) ?? -1,
      expr: exprOf.get(r.trialId) ?? '',
      valAcc: r.valAcc!,
      speed: r.speed!,
    }));
  const front = paretoFront(atRung);
  const pareto: ParetoPoint[] = atRung.map((p, i) => ({ ...p, front: front[i] }));

  assignPanels(confirmRuns);
  return {
    name: s.name,
    space: s.space,
    config: s.config,
    description: describeStudy(cfg),
    createdAt: s.createdAt,
    states,
    trials,
    baselines,
    ranking,
    searchCurve: searchCurve(rungs, numberOf, (r) => rungLabel(cfg, r)),
    rejections: [...reasons.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count),
    paretoRung,
    pareto,
    confirmGrids: [...new Set(confirmRuns.map((r) => r.grid))].sort(),
    confirmation: accuracyRows(confirmRuns, baseline),
  };
}

function ckaCells(store: Store, runs: RunRow[], headOrder: string[]): CkaCell[] {
  const panelById = new Map(runs.map((r) => [r.id, panelOf(r)]));
  const records = store.listRuns().filter((r) => panelById.has(r.id));
  return ckaMatrices(store, records, headOrder, (r) => panelById.get(r.id)!).flatMap((m) =>
    m.heads.flatMap((a, i) =>
      m.heads.flatMap((b, j) => {
        const c = m.cells[i]![j];
        return c ? [{ panel: m.panel ?? panelName(m.dataset, m.model), a, b, mean: c.mean, n: c.n }] : [];
      }),
    ),
  );
}

/**
 * Everything the report shows except the δ shapes (computed by the engine, see delta.ts). The database is opened
 * read-only, so a report can be written while a grid or a search is still writing (WAL). `--grid` restricts the
 * runs, `--study` the studies; confirmation runs of a shown study are always read, whatever `--grid` says.
 */
export function readReportData(opts: ReadOptions): Omit<ReportData, 'deltas'> {
  const store = openReadOnly(opts.dbPath);
  try {
    return readReportDataFrom(store, opts);
  } finally {
    store.close();
  }
}

/**
 * readReportData on an open store: the dashboard keeps one read-only connection for its lifetime and reads through it
 * on every change, instead of opening the file per request.
 */
export function readReportDataFrom(store: Store, opts: ReadOptions): Omit<ReportData, 'deltas'> {
  const baseline = opts.baseline ?? DEFAULT_BASELINE;
  const allRuns = store.listRuns().map(toRun);
  const allStudies = store.listStudies();
  checkNames(opts, allRuns, allStudies);
  const shownStudies =
    opts.study === undefined ? allStudies : allStudies.filter((s) => s.name === opts.study);
  const isConfirm = (r: RunRow) => allStudies.some((s) => isConfirmGrid(r.grid, s.name));
  // Confirmation runs get their own tables in the study section; the main sections show the compare grids.
  const runs = allRuns.filter((r) => (opts.grid !== undefined ? r.grid === opts.grid : !isConfirm(r)));
  assignPanels(runs);
  const runIds = new Set(runs.map((r) => r.id));
  const epochs: EpochRow[] = store
    .listEpochsOf([...runIds])
    .map((e) => ({ runId: e.runId, epoch: e.epoch, valAcc: Number.isFinite(e.valAcc) ? e.valAcc : null }));
  const confirmRunsOf = shownStudies.map((s) => confirmationRuns(allRuns, s.name, baseline));
  const studies = shownStudies.map((s, i) => readStudy(store, s, confirmRunsOf[i]!, baseline));
  const listed = new Map(runs.map((r) => [r.id, r]));
  for (const r of confirmRunsOf.flat()) if (!listed.has(r.id)) listed.set(r.id, r);
  const listedRuns = [...listed.values()];
  const accuracy = accuracyRows(runs, baseline);
  const heads = [...runs.map((r) => r.head), ...studies.flatMap((s) => s.confirmation.map((c) => c.head))];
  return {
    meta: {
      title: opts.study ? `headroom report: study ${opts.study}` : 'headroom report',
      dbPath: opts.dbPath,
      generatedAt: (opts.now ?? new Date()).toISOString(),
      reportMachine: reportMachine(),
      runMachines: [...new Set(listedRuns.map((r) => r.machine).filter((m): m is string => !!m))].sort(),
      filters: { grid: opts.grid, study: opts.study },
      counts: {
        runs: listedRuns.length,
        epochs: epochs.length,
        studies: studies.length,
        trials: studies.reduce((a, s) => a + s.trials.length, 0),
      },
      baseline,
    },
    runs: listedRuns,
    curves: learningCurves(runs, epochs),
    accuracy,
    repr: reprView(runs, accuracy, baseline),
    cka: ckaCells(store, runs, orderHeads(heads, baseline)),
    studies,
    headOrder: orderHeads(heads, baseline),
  };
}
