import { getModel } from '../nn/models/index.js';
import type { OptimizerConfig, RunConfig } from '../train/config.js';
import type { Store } from '../store/index.js';
import {
  crossHeadCka,
  loadRunViews,
  summarizeRuns,
  type CkaMatrix,
  type CompareRow,
} from '../compare/index.js';
import { createExecutor } from '../exec/index.js';
import { jobsFor, runJobs } from '../runs/index.js';
import './candidate-head.js';
import { studySpace } from './spaces/index.js';
import { HeadFilter } from './filters.js';
import type { StudyConfig } from './study.js';
import type { TrialMetrics } from './trial.js';
import type { Candidate } from './types.js';
import { parseUntyped, skeleton } from '../expr/index.js';

export interface ConfirmCandidate {
  /** Head name in the runs table: `<study>#<trial number>`. */
  head: string;
  number: number;
  expr: string;
  params?: number[];
  description: string;
  /** Where the search left it: the highest rung reached and its validation accuracy there. */
  rung: number;
  searchValAcc: number;
}

export interface ConfirmOptions {
  study: string;
  top: number;
  seeds: number;
  datasets: string[];
  models: string[];
  epochs?: number;
  trainLimit?: number;
  evalLimit?: number;
  workers: number;
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
  command?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ConfirmOutput {
  study: string;
  grid: string;
  baseline: string;
  seeds: number[];
  candidates: ConfirmCandidate[];
  /** Top trials passed over as known heads in disguise. */
  knownEquivalents: KnownEquivalent[];
  /** With distinct: top trials passed over as a constant-only variant of a better-ranked candidate. */
  relatives: Relative[];
  runs: number;
  ranNow: number;
  skipped: number;
  rows: CompareRow[];
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
 * The study's best trials by validation only: highest rung reached first (a rung-2 survivor beat a field of η²
 * others), then validation accuracy at that rung, then trial number.
 */
export function topTrials(
  store: Store,
  study: string,
  k: number,
  opts: { distinct?: boolean } = {},
): {
  candidates: ConfirmCandidate[];
  config: StudyConfig;
  knownEquivalents: KnownEquivalent[];
  relatives: Relative[];
} {
  const row = store.getStudy(study);
  if (!row) throw new ConfirmError(`no study '${study}' in ${store.path}`);
  const config = (JSON.parse(row.config) as { config: StudyConfig }).config;
  const space = studySpace(config);
  if (opts.distinct && space.kind === 'continuous')
    throw new ConfirmError(
      `--distinct groups candidates by expression structure, but study '${study}' searches the parametric space '${config.space}', where every candidate has the same structure; drop --distinct`,
    );
  const ranked = store
    .listTrials<TrialMetrics, number[]>(row.id)
    .filter((t) => t.state !== 'rejected' && t.metrics)
    .flatMap((t) => {
      const ok = Object.entries(t.metrics!.rungs)
        .filter(([, m]) => m.status === 'ok' && m.valAcc !== null)
        .map(([r, m]) => ({ rung: Number(r), acc: m.valAcc! }));
      if (ok.length === 0) return [];
      const best = ok.reduce((a, b) => (b.rung > a.rung ? b : a));
      const cand: Candidate = t.params ? { expr: t.expr, params: t.params } : { expr: t.expr };
      const c: ConfirmCandidate = {
        head: `${study}#${t.number}`,
        number: t.number,
        expr: t.expr,
        description: space.describe(cand),
        rung: best.rung,
        searchValAcc: best.acc,
      };
      if (t.params) c.params = t.params;
      return [c];
    })
    .sort((a, b) => b.rung - a.rung || b.searchValAcc - a.searchValAcc || a.number - b.number);
  // A trial that is a known head in disguise (one that reached the study before the filter knew it, such as
  // p − sqrt(t) = CE + 1e-6) would only retrain that head: it is listed and passed over, and the next one confirmed.
  const filter = new HeadFilter(space, undefined, true, config.scaleInvariantHash === true);
  const candidates: ConfirmCandidate[] = [];
  const knownEquivalents: KnownEquivalent[] = [];
  const relatives: Relative[] = [];
  const families = new Map<string, string>(); // skeleton → head of its best-ranked candidate
  for (const c of ranked) {
    if (candidates.length >= k) break;
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
  return { candidates, config, knownEquivalents, relatives };
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

/** Seeds 1001, 1002, … skipping the search's own training seed, so that no confirmation run repeats a search run. */
export function freshSeeds(n: number, used: number): number[] {
  const out: number[] = [];
  for (let s = 1001; out.length < n; s++) if (s !== used) out.push(s);
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
  const { candidates, config, knownEquivalents, relatives } = topTrials(store, opts.study, opts.top, {
    distinct: opts.distinct ?? false,
  });
  if (candidates.length === 0)
    throw new ConfirmError(`study '${opts.study}' has no trained trial to confirm yet`);
  const seeds = freshSeeds(opts.seeds, config.trainSeed);
  // Repr runs have their own keys; a grid of their own keeps the report from pooling them with plain ones.
  const grid = `confirm:${opts.study}${opts.repr ? ':repr' : ''}`;
  const jobs = jobsFor(confirmConfigs(opts, config.space, candidates, seeds));
  const keys = jobs.map((j) => j.id);
  const executor = createExecutor({ workers: opts.workers, device: opts.device ?? 'cpu' });
  let progress;
  try {
    progress = await runJobs(jobs, {
      store,
      executor,
      grid,
      command: opts.command,
      onProgress: (p) => opts.onProgress?.(p.done, p.total),
      interruptible: opts.workers > 0,
    });
  } finally {
    await executor.close();
  }
  const views = loadRunViews(store, keys);
  const rows = summarizeRuns(views, { baseline: opts.baseline ?? 'softmax-ce' });
  const cka = opts.repr
    ? crossHeadCka(store, keys, [opts.baseline ?? 'softmax-ce', ...candidates.map((c) => c.head)])
    : undefined;
  return {
    study: opts.study,
    grid,
    baseline: opts.baseline ?? 'softmax-ce',
    seeds,
    candidates,
    knownEquivalents,
    relatives,
    runs: views.length,
    ranNow: progress.done - progress.skipped,
    skipped: progress.skipped,
    rows,
    ...(cka ? { cka } : {}),
  };
}
