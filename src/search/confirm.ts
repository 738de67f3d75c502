import type { JobEvent, PopulationChoice } from '../exec/index.js';
import { getModel } from '../nn/models/index.js';
import { runKey, type OptimizerConfig, type RunConfig } from '../train/config.js';
import type { Store } from '../store/index.js';
import {
  crossHeadCka,
  loadRunViews,
  summarizeGrid,
  type CkaMatrix,
  type CompareRow,
  type PanelSummary,
} from '../compare/index.js';
import { openExecutor } from '../exec/index.js';
import { planJobs, runJobs, type RunsProgress } from '../runs/index.js';
import { journalPlan } from '../compare/journal.js';
import './candidate-head.js';
import { studySpace } from './spaces/index.js';
import { HeadFilter } from './filters.js';
import type { StudyConfig } from './study.js';
import type { TrialMetrics } from './trial.js';
import type { Candidate } from './types.js';
import {
  BASELINE_HEAD,
  baselinesOf,
  formatPoints,
  isBaselineTrial,
  rankByScore,
  studyMargin,
  trialScore,
  withinMargin,
  type TrialScore,
} from './ranking.js';
import { parseUntyped, skeleton } from '../expr/index.js';

export interface ConfirmCandidate {
  /** Head name in the runs table: `<study>#<trial number>`. */
  head: string;
  number: number;
  expr: string;
  params?: number[];
  description: string;
  /** Where the search left it: the highest rung it completed and its validation accuracy there. */
  rung: number;
  searchValAcc: number;
  /** The study's softmax-ce baseline at that rung (null: none, e.g. a study stored before baselines). */
  baselineValAcc: number | null;
  /** searchValAcc − baselineValAcc: the score it was ranked by (null when there is no baseline). */
  delta: number | null;
}

export interface ConfirmOptions {
  study: string;
  top: number;
  /** These trials (by number, in this order) instead of the top of the ranking. */
  trials?: number[];
  seeds: number;
  /** The first fresh seed (default 1001): a later confirmation of the same trials can use seeds no earlier one saw. */
  firstSeed?: number;
  datasets: string[];
  models: string[];
  epochs?: number;
  trainLimit?: number;
  evalLimit?: number;
  workers: number;
  /** A Redis URL: train through that BullMQ queue (see `headroom worker`). */
  queue?: string;
  /** Runs that differ only in the head train as fused populations of up to this many. */
  population?: PopulationChoice;
  /** Where the runs train (resolved, never 'auto'). */
  device?: 'cpu' | 'cuda';
  baseline?: string;
  /**
   * One candidate per structure: a trial whose expression differs from a better-ranked candidate's only in its
   * constants is passed over (listed in `relatives`), so k confirmations test k ideas rather than one tuned k ways.
   */
  distinct?: boolean;
  /** Also measure the representation metrics (kNN, probe, R², NC1, transfer MAP@R), as `compare --repr`. */
  repr?: boolean;
  /** Confirm candidates more than the margin below the baseline (or without one) instead of refusing them. */
  force?: boolean;
  command?: string;
  /** Called with the chosen candidates before anything trains (the CLI lists them with their Δ). */
  onSelected?: (candidates: ConfirmCandidate[], margin: number) => void;
  /** After each finished run and epoch; `p` says which run and epoch (the CLI's progress line). */
  onProgress?: (done: number, total: number, p: RunsProgress) => void;
  /** Listeners of every job event (the CLI's progress reads each epoch's validation accuracy here). */
  sinks?: ((e: JobEvent) => void)[];
}

export interface ConfirmOutput {
  study: string;
  grid: string;
  baseline: string;
  seeds: number[];
  candidates: ConfirmCandidate[];
  /** The study's margin: candidates further below the search baseline were refused unless forced. */
  margin: number;
  /** Candidates outside the margin that --force confirmed anyway. */
  forced: number[];
  /** Top trials passed over as known heads in disguise. */
  knownEquivalents: KnownEquivalent[];
  /** With distinct: top trials passed over as a constant-only variant of a better-ranked candidate. */
  relatives: Relative[];
  runs: number;
  ranNow: number;
  skipped: number;
  rows: CompareRow[];
  /** Per dataset × model: the test its verdicts use and the seeds a 0.2-point difference needs (the power line). */
  panels: PanelSummary[];
  /** With repr: linear CKA between heads' bodies, per panel. */
  cka?: CkaMatrix[];
}

export class ConfirmError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfirmError';
  }
}

/**
 * The study's best trials by validation only, ranked as ranking.ts ranks them: those within the study's margin of
 * its softmax-ce baseline by the highest rung each completed, then Δ there; those further below after them, by Δ;
 * trials whose rung has no baseline after every scored one; failed ones never.
 */
export function topTrials(
  store: Store,
  study: string,
  k: number,
  opts: { distinct?: boolean; trials?: number[] } = {},
): {
  candidates: ConfirmCandidate[];
  config: StudyConfig;
  knownEquivalents: KnownEquivalent[];
  relatives: Relative[];
  /** The margin of the study's promotion gate (the default for studies stored before it). */
  margin: number;
} {
  const row = store.getStudy(study);
  if (!row) throw new ConfirmError(`no study '${study}' in ${store.path}`);
  const config = (JSON.parse(row.config) as { config: StudyConfig }).config;
  const space = studySpace(config);
  if (opts.distinct && space.kind === 'continuous')
    throw new ConfirmError(
      `--distinct groups candidates by expression structure, but study '${study}' searches the parametric space '${config.space}', where every candidate has the same structure; drop --distinct`,
    );
  const trials = store.listTrials<TrialMetrics, number[]>(row.id);
  const baselines = baselinesOf(trials.find(isBaselineTrial)?.metrics?.rungs, config.ladder.length);
  const scored = trials
    .filter((t) => !isBaselineTrial(t) && t.state !== 'rejected' && t.metrics)
    .map((t) => ({ t, number: t.number, score: trialScore(t.metrics!.rungs, baselines) }))
    .filter((x): x is typeof x & { score: TrialScore & { valAcc: number } } => x.score?.valAcc != null);
  const byNumber = new Map(scored.map((x) => [x.number, x]));
  const missing = (opts.trials ?? []).filter((n) => !byNumber.has(n));
  if (missing.length > 0)
    throw new ConfirmError(
      `study '${study}' has no trained trial ${missing.map((n) => `#${n}`).join(', ')} with a validation score; 'headroom ls --db ${store.path}' shows its best, 'headroom search --study ${study} --db ${store.path} --rerank --json' ranks them all`,
    );
  const margin = studyMargin(config);
  const chosen = opts.trials ? opts.trials.map((n) => byNumber.get(n)!) : rankByScore(scored, margin);
  const ranked = chosen.map(({ t, score }) => {
    const cand: Candidate = t.params ? { expr: t.expr, params: t.params } : { expr: t.expr };
    const c: ConfirmCandidate = {
      head: `${study}#${t.number}`,
      number: t.number,
      expr: t.expr,
      description: space.describe(cand),
      rung: score.rung,
      searchValAcc: score.valAcc,
      baselineValAcc: score.baseline,
      delta: score.delta,
    };
    if (t.params) c.params = t.params;
    return c;
  });
  // A trial that is a known head in disguise (one that reached the study before the filter knew it, such as
  // p − sqrt(t) = CE + 1e-6) would only retrain that head: it is listed and passed over, and the next one confirmed.
  const filter = new HeadFilter(space, undefined, true, config.scaleInvariantHash === true);
  const candidates: ConfirmCandidate[] = [];
  const knownEquivalents: KnownEquivalent[] = [];
  const relatives: Relative[] = [];
  const families = new Map<string, string>(); // skeleton → head of its best-ranked candidate
  for (const c of ranked) {
    if (!opts.trials && candidates.length >= k) break;
    const cand: Candidate = c.params ? { expr: c.expr, params: c.params } : { expr: c.expr };
    const known = filter.knownHeadOf(cand);
    if (known) {
      knownEquivalents.push({ head: c.head, expr: c.expr, knownHead: known });
      continue;
    }
    if (opts.distinct) {
      const structure = structureOf(c.expr);
      const first = families.get(structure);
      if (first) {
        relatives.push({ head: c.head, expr: c.expr, sameStructureAs: first, skeleton: structure });
        continue;
      }
      families.set(structure, c.head);
    }
    candidates.push(c);
  }
  return {
    candidates,
    config,
    knownEquivalents,
    relatives,
    margin,
  };
}

/**
 * The candidates confirm must not retrain without --force: more than `margin` below the search's softmax-ce at their
 * rung (the search already measured them losing), or without a baseline to tell. One line saying which and why.
 */
export function refusal(study: string, candidates: ConfirmCandidate[], margin: number): string | null {
  const pts = +(100 * margin).toFixed(2);
  const below = candidates.filter((c) => c.delta !== null && !withinMargin(c.delta, margin));
  const unknown = candidates.filter((c) => c.delta === null);
  if (below.length === 0 && unknown.length === 0) return null;
  const parts: string[] = [];
  if (below.length > 0)
    parts.push(
      `${below.length === 1 ? 'a candidate is' : `${below.length} candidates are`} more than ${pts} points below ${BASELINE_HEAD} at ${below.length === 1 ? 'its rung' : 'their rungs'} in the search: ${below
        .map((c) => `${c.head} (Δ ${formatPoints(c.delta!)} at rung ${c.rung})`)
        .join(', ')}`,
    );
  if (unknown.length > 0)
    parts.push(
      `${unknown.map((c) => `${c.head} (rung ${c.rung})`).join(', ')} ${unknown.length === 1 ? 'has' : 'have'} no ${BASELINE_HEAD} baseline to compare with ('headroom search --study ${study} --rerank' trains it)`,
    );
  // The ranking puts trials beyond the margin and those without a baseline last: --top ok keeps exactly the others.
  const ok = candidates.length - below.length - unknown.length;
  return `${parts.join('; ')}; ${ok > 0 ? `confirm the ${ok} within the margin with --top ${ok}` : 'nothing the search found is close enough to confirm'}, or these anyway with --force`;
}

function structureOf(expr: string): string {
  try {
    return skeleton(parseUntyped(expr));
  } catch {
    return expr; // stored before a grammar change: its own family
  }
}

/** A top trial that a distinct confirmation passed over: the same expression as a better-ranked one, up to constants. */
export interface Relative {
  head: string;
  expr: string;
  sameStructureAs: string;
  skeleton: string;
}

/** A top trial that confirmation passed over because it computes a known head. */
export interface KnownEquivalent {
  head: string;
  expr: string;
  knownHead: string;
}

/** Seeds first, first + 1, … skipping the search's own training seed, so that no confirmation run repeats a search run. */
export function freshSeeds(n: number, used: number, first = 1001): number[] {
  const out: number[] = [];
  for (let s = first; out.length < n; s++) if (s !== used) out.push(s);
  return out;
}

export function confirmConfigs(
  opts: ConfirmOptions,
  space: string,
  candidates: ConfirmCandidate[],
  seeds: number[],
): RunConfig[] {
  const baseline = opts.baseline ?? 'softmax-ce';
  const out: RunConfig[] = [];
  for (const dataset of opts.datasets)
    for (const model of opts.models) {
      const m = getModel(model);
      const heads: Array<{ head: string; cand?: ConfirmCandidate }> = [
        { head: baseline },
        ...candidates.map((c) => ({ head: c.head, cand: c })),
      ];
      for (const { head, cand } of heads)
        for (const seed of seeds) {
          const cfg: RunConfig = {
            dataset,
            model,
            head,
            seed,
            epochs: opts.epochs ?? m.defaultEpochs,
            batchSize: m.defaultBatchSize,
            optimizer: { ...m.defaultOptimizer } as OptimizerConfig,
            valFraction: 0.1,
            device: opts.device ?? 'cpu',
            evalTest: true,
          };
          if (opts.trainLimit !== undefined) cfg.trainLimit = opts.trainLimit;
          if (opts.evalLimit !== undefined) cfg.evalLimit = opts.evalLimit;
          if (opts.repr) cfg.repr = true;
          if (cand)
            cfg.candidate = { space, expr: cand.expr, ...(cand.params ? { params: cand.params } : {}) };
          out.push(cfg);
        }
    }
  return out;
}

/**
 * Retrains the study's top-k and the baseline with fresh seeds on the full data (and other datasets/models), stores
 * them as ordinary runs in grid `confirm:<study>` (so an interrupted confirmation resumes, like a compare grid) and
 * summarises test accuracy with the compare table: CIs, Δ against the baseline, Welch p-values Holm-corrected.
 */
export async function runConfirm(store: Store, opts: ConfirmOptions): Promise<ConfirmOutput> {
  const { candidates, config, knownEquivalents, relatives, margin } = topTrials(store, opts.study, opts.top, {
    distinct: opts.distinct ?? false,
    ...(opts.trials ? { trials: opts.trials } : {}),
  });
  if (candidates.length === 0)
    throw new ConfirmError(`study '${opts.study}' has no trained trial to confirm yet`);
  // Before anything trains: retraining a candidate the search already saw losing by more than the margin spends
  // hours to learn nothing (the issue's confirm --top 2 retrained two that were 30–67 points below).
  const refused = refusal(opts.study, candidates, margin);
  if (refused && !opts.force) throw new ConfirmError(refused);
  const forced = refused
    ? candidates.filter((c) => c.delta === null || !withinMargin(c.delta, margin)).map((c) => c.number)
    : [];
  opts.onSelected?.(candidates, margin);
  const seeds = freshSeeds(opts.seeds, config.trainSeed, opts.firstSeed);
  // Repr runs have their own keys; a grid of their own keeps the report from pooling them with plain ones.
  const grid = `confirm:${opts.study}${opts.repr ? ':repr' : ''}`;
  const configs = confirmConfigs(opts, config.space, candidates, seeds);
  const keys = configs.map(runKey);
  const { jobs, skipped } = planJobs(store, configs, opts.population);
  journalPlan(store, grid, jobs);
  const executor = await openExecutor({
    workers: opts.workers,
    device: opts.device ?? 'cpu',
    queue: opts.queue,
  });
  let progress;
  try {
    progress = await runJobs(jobs, {
      store,
      executor,
      grid,
      command: opts.command,
      onProgress: (p) => opts.onProgress?.(p.done, p.total, p),
      ...(opts.sinks ? { sinks: opts.sinks } : {}),
      interruptible: opts.workers > 0 || opts.queue !== undefined,
      skipped,
    });
  } finally {
    await executor.close();
  }
  const views = loadRunViews(store, keys);
  const { rows, panels } = summarizeGrid(views, { baseline: opts.baseline ?? 'softmax-ce' });
  const cka = opts.repr
    ? crossHeadCka(store, keys, [opts.baseline ?? 'softmax-ce', ...candidates.map((c) => c.head)])
    : undefined;
  return {
    study: opts.study,
    grid,
    baseline: opts.baseline ?? 'softmax-ce',
    seeds,
    candidates,
    margin,
    forced,
    knownEquivalents,
    relatives,
    runs: views.length,
    ranNow: progress.done - progress.skipped,
    skipped: progress.skipped,
    rows,
    panels,
    ...(cka ? { cka } : {}),
  };
}
