import { Asha } from './pruners/asha.js';
import { paretoFront } from './pruners/pareto.js';
import { RandomSampler } from './samplers/random.js';
import { EvolutionSampler } from './samplers/evolution.js';
import { CmaEsSampler } from './samplers/cmaes-sampler.js';
import type { StudyConfig } from './study.js';
import type { Candidate, Outcome, Sampler, Space } from './types.js';
import type { SearchStore, TrialRow } from './persist.js';
import {
  BASELINE_HEAD,
  BASELINE_NUMBER,
  promotionFloor,
  rankByScore,
  rankingVerdict,
  rungDelta,
  studyMargin,
  trialScore,
  type TrialScore,
} from './ranking.js';
import {
  FINISHED_STATES,
  objectiveValues,
  REJECT_REASONS,
  type RejectReason,
  type RungMetrics,
  type TrialJob,
  type TrialMetrics,
  type TrialState,
} from './trial.js';

/** What the pre-training filters say about one candidate. */
export interface FilterVerdict {
  /** The canonical form (parsed and printed back), when it parsed. */
  candidate?: Candidate;
  hash?: string;
  reason?: Exclude<RejectReason, 'duplicate'>;
  detail?: string;
}

/**
 * The filters, as the driver sees them. `isDuplicate(hash)` answers for trials already in the study; the filter adds
 * the known heads itself. Called in trial-number order, so duplicates are decided deterministically.
 */
export interface CandidateFilter {
  check(c: Candidate, isDuplicate: (hash: string) => boolean): FilterVerdict & { duplicateOf?: string };
}

/** Runs trial-rungs somewhere (worker processes, or in-process in tests). 'cancelled' when the executor was closed. */
export interface Executor {
  /** Trial-rungs it takes at once (the driver keeps this many in flight). */
  readonly size: number;
  /** Training jobs it runs at once (fewer than size when it fuses trials into populations); default size. */
  readonly workers?: number;
  /** Training jobs started and the trial-rungs they carried, when it fuses trials into populations. */
  populationStats?(): { jobs: number; trialRungs: number };
  run(job: TrialJob): Promise<RungMetrics | 'cancelled'>;
  close(): Promise<void>;
}

/** A trial-rung whose worker dies this many times is recorded as failed rather than tried again. */
const MAX_CANCELLATIONS = 3;

const workerDied = (times: number): RungMetrics => ({
  status: 'failed',
  valAcc: null,
  speed: null,
  seconds: 0,
  error: `its worker died ${times} times while training it`,
});

export class StudyError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'StudyError';
  }
}

export interface SearchStatus {
  study: string;
  space: string;
  /** Non-rejected trials proposed so far, and the limit (if any). */
  trials: number;
  maxTrials?: number;
  finished: number;
  running: number;
  queued: number;
  /** Trials that have finished each rung. */
  rungCounts: number[];
  rejections: Record<string, number>;
  /** softmax-ce at each rung's setting (the study's training seed): where Δ is measured from. */
  baselines: BaselineStatus[];
  /**
   * The best Δ any trial has reached at any rung so far (a running maximum, so it never goes down while a search
   * runs; the final ranking scores each trial at its highest completed rung and ranks rung first instead). Absent
   * before any Δ exists.
   */
  best?: { number: number; rung: number; valAcc: number; delta: number; expr: string };
  elapsedMs: number;
  /** Rung-0 evaluations finished in this session, per hour of this session's wall time. */
  rung0PerHour: number;
}

export interface BaselineStatus {
  rung: number;
  head: string;
  /** none: no trial needs this rung yet. */
  state: 'none' | 'queued' | 'running' | 'ok' | 'failed';
  valAcc: number | null;
}

export interface TrialView {
  id: number;
  number: number;
  state: TrialState;
  expr: string;
  params?: number[];
  rung: number;
  metrics: TrialMetrics | null;
  /** Its score: validation Δ against the baseline at the highest rung it completed (what ranks it). */
  score: TrialScore | null;
  /** Δ against the baseline at every rung it has a result for (null where it cannot be computed). */
  deltas: Record<string, number | null>;
}

export interface SearchSummary {
  study: string;
  space: string;
  config: StudyConfig;
  /** rerank: a --rerank run, which trains only missing baselines. */
  stopReason: 'max-trials' | 'budget' | 'interrupted' | 'exhausted' | 'reject-streak' | 'rerank';
  /** In trial-number order. */
  trials: TrialView[];
  /** Trial numbers, best score first (see ranking.ts): what `best` and `confirm --top` read. */
  ranking: number[];
  rejections: Record<string, number>;
  /** The first of `ranking`. */
  best: TrialView | null;
  /** The study's baseline trial: softmax-ce at each rung. */
  baseline: { head: string; trialId: number | null; rungs: BaselineStatus[] };
  /** The margin of the promotion gate (null: a study stored before the gate, promoted without it). */
  promotionMargin: number | null;
  /** One sentence: how the best trial compares with the baseline, or that nothing came close. */
  verdict: string;
  /** With several objectives: the Pareto front at the highest rung reached by anyone. */
  pareto?: TrialView[];
  /**
   * perHour is wall-clock: rung-0 evaluations over the whole run, however the workers' time was split between
   * rungs. capacityPerHour is what the issue's target means: workers × 3600 / mean seconds of one stored rung-0
   * evaluation, i.e. the rate if every worker screened candidates (null before any rung-0 result).
   */
  throughput: {
    rung0Evaluations: number;
    seconds: number;
    perHour: number;
    workers: number;
    rung0MeanSeconds: number | null;
    capacityPerHour: number | null;
    /**
     * With population training: trial-rungs per training job in this invocation (1 = no fusion happened). A member's
     * stored seconds are its share of the fused job's time, so capacityPerHour is the fused rate.
     */
    trialsPerJob?: number;
  };
  status: SearchStatus;
}

export interface DriverOptions {
  store: SearchStore;
  study: string;
  /** For a new study; ignored (the stored one wins) on resume. */
  config?: StudyConfig;
  resume: boolean;
  maxTrials?: number;
  budgetMs?: number;
  space: Space;
  filter: CandidateFilter;
  executor: Executor;
  onStatus?: (s: SearchStatus) => void;
  /** Stop after this many consecutive rejections (a space that only produces junk or duplicates). */
  maxRejectStreak?: number;
  /** Tests: stop abruptly (no further writes) once this returns true, as if the process had been killed. */
  crashWhen?: (s: SearchStatus) => boolean;
  /**
   * Train only the baselines the study lacks at the rungs its trials reached (studies stored before baselines were
   * built in), then summarise: no candidate is proposed or trained, so the re-ranking adds numbers and changes none.
   */
  rerank?: boolean;
}

interface Limits {
  maxTrials?: number;
  budgetMs?: number;
}

interface StoredStudy {
  config: StudyConfig;
  limits: Limits;
}

export function makeSampler(space: Space, cfg: StudyConfig): Sampler {
  switch (cfg.sampler) {
    case 'random':
      return new RandomSampler(space, cfg.seed);
    case 'evolution':
      return new EvolutionSampler(space, cfg.seed, cfg.evolution);
    case 'cmaes':
      return new CmaEsSampler(space, cfg.seed, cfg.cmaesLambda ?? (space.name === 'taylor' ? 20 : undefined));
  }
}

class Crash extends Error {}

/**
 * The search driver: the only process that writes the study. Trials are proposed in trial-number order from the
 * sampler (a pure function of the seed and earlier outcomes), filtered, written 'queued', dispatched to the executor
 * and recorded one transaction per trial-rung. Everything in memory (sampler, ASHA, job queue) is rebuilt from the
 * database on --resume; a trial that was 'running' when the driver died is simply queued again.
 */
export async function runSearch(opts: DriverOptions): Promise<SearchSummary> {
  const { store, space, filter, executor } = opts;
  const t0 = Date.now();

  // ---- study -------------------------------------------------------------------------------------------------
  const existing = store.getStudy(opts.study);
  let studyId: number;
  let stored: StoredStudy;
  if (existing && !opts.resume)
    throw new StudyError(
      `study '${opts.study}' already exists in this database; add --resume to continue it or pick another --study name`,
    );
  if (!existing && opts.resume)
    throw new StudyError(
      `--resume: there is no study '${opts.study}' in this database (drop --resume to start it)`,
    );
  if (existing) {
    stored = JSON.parse(existing.config) as StoredStudy;
    if (stored.config.space !== space.name)
      throw new StudyError(
        `study '${opts.study}' searches the '${stored.config.space}' space, not '${space.name}'`,
      );
    const limits: Limits = { ...stored.limits };
    if (opts.maxTrials !== undefined) limits.maxTrials = opts.maxTrials;
    if (opts.budgetMs !== undefined) limits.budgetMs = opts.budgetMs;
    stored = { config: stored.config, limits };
    studyId = existing.id;
    // A re-ranking trains no candidate, so it leaves the study's limits as the search left them.
    if (opts.rerank !== true) store.updateStudyConfig(studyId, JSON.stringify(stored));
  } else {
    if (!opts.config) throw new Error('runSearch: a new study needs a config');
    stored = { config: opts.config, limits: { maxTrials: opts.maxTrials, budgetMs: opts.budgetMs } };
    studyId = store.createStudy(opts.study, space.name, JSON.stringify(stored)).id;
  }
  const cfg = stored.config;
  const { maxTrials, budgetMs } = stored.limits;
  const rerank = opts.rerank === true;
  // The stored budget was the search's; a re-ranking is bounded only by a --budget given to it.
  const runBudget = rerank ? opts.budgetMs : budgetMs;
  const deadline = runBudget !== undefined ? t0 + runBudget : Infinity;
  const top = cfg.ladder.length - 1;
  // Studies stored before the gate have no margin: their promotions were made ungated and are replayed ungated.
  const gateMargin = cfg.promotionMargin;
  // The margin that ranks trials (and sets the floors when gated).
  const rankingMargin = studyMargin(cfg);

  // ---- in-memory state, rebuilt from the database --------------------------------------------------------------
  const sampler = makeSampler(space, cfg);
  const asha = new Asha(cfg.eta, cfg.ladder.length, { gated: gateMargin !== undefined });
  const rows = new Map<number, TrialRow>(); // by number
  const seenHashes = new Set<string>();
  const rejections: Record<string, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0]));
  let evaluable = 0;
  let nextNumber = 0;

  const allTrials = store.listTrials(studyId).sort((a, b) => a.number - b.number);
  // The baseline is a trial row of its own (BASELINE_NUMBER): recorded and resumed like the others, but never seen
  // by the sampler, the hash set or ASHA.
  let baselineRow: TrialRow | undefined = allTrials.find((t) => t.number === BASELINE_NUMBER);
  const trials = allTrials.filter((t) => t.number !== BASELINE_NUMBER);
  const byId = new Map<number, TrialRow>();
  for (const t of trials) {
    rows.set(t.number, t);
    byId.set(t.id, t);
    if (t.hash) seenHashes.add(t.hash);
    nextNumber = Math.max(nextNumber, t.number + 1);
    if (t.state === 'rejected') {
      rejections[t.rejectReason ?? 'parse'] = (rejections[t.rejectReason ?? 'parse'] ?? 0) + 1;
    } else {
      evaluable++;
      asha.add(t.number);
    }
  }
  const rungRows = store.listRungs(studyId);
  const rungMetrics = new Map<string, RungMetrics>(); // `${number}:${rung}`
  /** The baseline's result per rung (undefined: not trained yet). */
  const baselineResults: Array<RungMetrics | undefined> = cfg.ladder.map(() => undefined);
  for (const r of rungRows) {
    if (baselineRow && r.trialId === baselineRow.id) {
      if (r.rung <= top) baselineResults[r.rung] = r.metrics;
      continue;
    }
    const t = byId.get(r.trialId);
    if (t) rungMetrics.set(`${t.number}:${r.rung}`, r.metrics);
  }
  const baselineValue = (r: number): number | null | undefined => {
    const m = baselineResults[r];
    if (!m) return undefined;
    return m.status === 'ok' && m.valAcc !== null ? m.valAcc : null;
  };
  const floorOf = (r: number): number => promotionFloor(baselineValue(r) ?? null, rankingMargin);
  // Floors first: the replay below then makes exactly the promotions the gate made when the results came in.
  if (asha.gated) for (let r = 0; r <= top; r++) if (baselineResults[r]) asha.setFloor(r, floorOf(r));
  // Replay rung results bottom-up: the promotions they imply are re-derived, not read, so they cannot disagree.
  for (let r = 0; r <= top; r++)
    for (const n of [...asha.entered(r)]) {
      const m = rungMetrics.get(`${n}:${r}`);
      if (m) asha.report(n, r, objectiveValues(m, cfg.objectives));
    }
  const candidateOf = (t: TrialRow): Candidate =>
    t.params ? { expr: t.expr, params: t.params } : { expr: t.expr };
  for (const t of trials) {
    if (t.state === 'rejected')
      sampler.tell({
        number: t.number,
        candidate: candidateOf(t),
        outcome: { kind: 'rejected', reason: t.rejectReason ?? '' },
      });
    else {
      const m = rungMetrics.get(`${t.number}:0`);
      if (m) sampler.tell({ number: t.number, candidate: candidateOf(t), outcome: outcomeOf(m) });
    }
  }

  function outcomeOf(m: RungMetrics): Outcome {
    const v = objectiveValues(m, cfg.objectives);
    return v ? { kind: 'ok', values: v } : { kind: 'failed' };
  }

  /** Where a trial stands according to ASHA and the recorded rungs. */
  function derivedState(n: number): { state: TrialState; rung: number } {
    const r = asha.rungOf(n);
    const res = asha.resultOf(n, r);
    if (res === undefined) return { state: 'queued', rung: r };
    if (res === null) return { state: 'failed', rung: r };
    return { state: r === top ? 'complete' : 'pruned', rung: r };
  }

  // Reconcile: 'running' rows of a dead driver go back to 'queued'; any other drift is corrected the same way.
  const queue: Array<{ number: number; rung: number }> = [];
  store.transaction(() => {
    for (const t of trials) {
      if (t.state === 'rejected') continue;
      const d = derivedState(t.number);
      if (d.state !== t.state || d.rung !== t.rung) {
        store.setTrialState(t.id, d.state, d.rung);
        t.state = d.state;
        t.rung = d.rung;
      }
      if (d.state === 'queued') queue.push({ number: t.number, rung: d.rung });
    }
  });
  sortQueue();

  function sortQueue(): void {
    // Higher rungs first (they are the scarce, promoted ones), then by arrival order at that rung.
    queue.sort(
      (a, b) =>
        b.rung - a.rung || asha.entered(a.rung).indexOf(a.number) - asha.entered(b.rung).indexOf(b.number),
    );
  }

  // ---- the baseline --------------------------------------------------------------------------------------------
  const running = new Set<number>();
  /** Rungs whose baseline waits for a worker (ascending: rung 0 gates the first promotions) or is training. */
  const baselineQueue: number[] = [];
  const baselineRunning = new Set<number>();
  const inFlight = (): number => running.size + baselineRunning.size;

  /**
   * The rungs whose baseline the study needs: rung 0 from the start and every rung a trial has entered (Δ and the
   * gate are measured there); with --rerank, the rungs that hold a trial's result.
   */
  function neededBaselineRungs(): number[] {
    const withResults = new Set([...rungMetrics.keys()].map((k) => Number(k.split(':')[1])));
    return cfg.ladder
      .map((_, r) => r)
      .filter((r) => (rerank ? withResults.has(r) : r === 0 || asha.entered(r).length > 0));
  }

  /** Queues every needed baseline that is neither recorded, queued nor running; creates the baseline row first. */
  function ensureBaselines(): void {
    const missing = neededBaselineRungs().filter(
      (r) => !baselineResults[r] && !baselineQueue.includes(r) && !baselineRunning.has(r),
    );
    if (missing.length === 0) return;
    store.transaction(() => {
      if (!baselineRow) {
        const metrics: TrialMetrics = { rungs: {}, baseline: BASELINE_HEAD };
        const row = {
          number: BASELINE_NUMBER,
          expr: BASELINE_HEAD,
          params: null,
          hash: null,
          state: 'queued' as const,
          rejectReason: null,
          metrics,
          seed: cfg.trainSeed,
        };
        baselineRow = { ...row, id: store.addTrial(studyId, row), rung: 0 };
      }
      baselineQueue.push(...missing);
      baselineQueue.sort((a, b) => a - b);
      syncBaselineRow();
    });
  }

  /**
   * Writes the baseline row's state (call inside a transaction): running or queued while a rung is pending, else
   * complete at its highest rung (failed if a rung failed); its metrics hold every rung's result.
   */
  function syncBaselineRow(): void {
    const b = baselineRow;
    if (!b) return;
    const done = baselineResults.flatMap((m, r) => (m ? [r] : []));
    let state: TrialState;
    let rung: number;
    if (baselineRunning.size > 0) {
      state = 'running';
      rung = Math.min(...baselineRunning);
    } else if (baselineQueue.length > 0) {
      state = 'queued';
      rung = baselineQueue[0]!;
    } else {
      state = done.some((r) => baselineValue(r) === null) ? 'failed' : 'complete';
      rung = done.length > 0 ? Math.max(...done) : 0;
    }
    const metrics: TrialMetrics = {
      rungs: Object.fromEntries(done.map((r) => [String(r), baselineResults[r]!])),
      baseline: BASELINE_HEAD,
    };
    store.setTrialState(b.id, state, rung, metrics);
    b.state = state;
    b.rung = rung;
    b.metrics = metrics;
  }

  ensureBaselines();
  // A baseline row left 'running' by a dead driver, or one with nothing left to train, gets its derived state.
  if (baselineRow) store.transaction(() => syncBaselineRow());

  // ---- status --------------------------------------------------------------------------------------------------
  let rung0Done = 0;
  const rungCounts = (): number[] =>
    cfg.ladder.map((_, r) => asha.entered(r).filter((n) => asha.resultOf(n, r) !== undefined).length);

  function baselineStatuses(): BaselineStatus[] {
    return cfg.ladder.map((_, r) => {
      const m = baselineResults[r];
      const v = baselineValue(r);
      const state: BaselineStatus['state'] = m
        ? v === null
          ? 'failed'
          : 'ok'
        : baselineRunning.has(r)
          ? 'running'
          : baselineQueue.includes(r)
            ? 'queued'
            : 'none';
      return { rung: r, head: BASELINE_HEAD, state, valAcc: v ?? null };
    });
  }

  /**
   * The best Δ of any trial at any rung so far: a maximum over recorded results, which only grow (and baselines are
   * never replaced), so the live "best" cannot go down (issue 21). Ties go to the higher rung, then the earlier trial.
   * The final ranking orders by rung first instead (ranking.ts); a running maximum of that order would show a Δ
   * that falls whenever a trial first reaches a higher rung.
   */
  function bestSoFar(): SearchStatus['best'] {
    let best: SearchStatus['best'];
    for (const [key, m] of rungMetrics) {
      const [n, r] = key.split(':').map(Number) as [number, number];
      const d = rungDelta(m, baselineValue(r));
      if (d === null) continue;
      if (
        !best ||
        d > best.delta ||
        (d === best.delta && (r > best.rung || (r === best.rung && n < best.number)))
      )
        best = { number: n, rung: r, valAcc: m.valAcc!, delta: d, expr: rows.get(n)?.expr ?? '' };
    }
    return best;
  }

  function status(): SearchStatus {
    let finished = 0;
    let queued = 0;
    for (const t of rows.values()) {
      if (t.state === 'rejected') continue;
      if (FINISHED_STATES.has(t.state)) finished++;
      else if (t.state === 'queued') queued++;
    }
    const elapsedMs = Date.now() - t0;
    const s: SearchStatus = {
      study: opts.study,
      space: space.name,
      trials: evaluable,
      finished,
      running: running.size,
      queued,
      rungCounts: rungCounts(),
      rejections: { ...rejections },
      baselines: baselineStatuses(),
      elapsedMs,
      rung0PerHour: elapsedMs > 0 ? (rung0Done * 3600_000) / elapsedMs : 0,
    };
    if (maxTrials !== undefined) s.maxTrials = maxTrials;
    const b = bestSoFar();
    if (b) s.best = b;
    return s;
  }

  // ---- proposing -------------------------------------------------------------------------------------------------
  let stopReason: SearchSummary['stopReason'] | null = null;
  let rejectStreak = 0;
  const maxRejectStreak = opts.maxRejectStreak ?? 20000;
  let crashed = false;
  let fatal: Error | null = null;
  const checkCrash = () => {
    if (opts.crashWhen && opts.crashWhen(status())) {
      crashed = true;
      throw new Crash();
    }
  };

  /**
   * Proposes until one trial is queued ('queued'), the sampler must wait for results ('blocked'), a limit is hit
   * ('limit'), or a long run of rejections should give the event loop a turn ('yield').
   */
  function proposeOne(): 'queued' | 'blocked' | 'limit' | 'yield' {
    for (let i = 0; i < 200; i++) {
      if (maxTrials !== undefined && evaluable >= maxTrials) {
        stopReason ??= 'max-trials';
        return 'limit';
      }
      if (rejectStreak >= maxRejectStreak) {
        stopReason ??= 'reject-streak';
        return 'limit';
      }
      const n = nextNumber;
      const cand = sampler.ask(n);
      if (cand === null) return 'blocked';
      const verdict = filter.check(cand, (h) => seenHashes.has(h));
      const canonical = verdict.candidate ?? cand;
      let reason: RejectReason | null = verdict.reason ?? null;
      let detail = verdict.detail;
      if (!reason && verdict.duplicateOf !== undefined) {
        reason = 'duplicate';
        detail = `same function as ${verdict.duplicateOf}`;
      }
      // An evolved candidate keeps its parents' numbers with it, rejected or not: the family tree shows both.
      const lineage = cand.parents && cand.parents.length > 0 ? { parents: cand.parents } : {};
      const metrics: TrialMetrics | null = reason
        ? { rungs: {}, reject: detail ?? reason, ...lineage }
        : cand.parents && cand.parents.length > 0
          ? { rungs: {}, ...lineage }
          : null;
      const id = store.transaction(() =>
        store.addTrial(studyId, {
          number: n,
          expr: canonical.expr,
          params: canonical.params ?? null,
          hash: verdict.hash ?? null,
          state: reason ? 'rejected' : 'queued',
          rejectReason: reason,
          metrics,
          seed: cfg.trainSeed,
        }),
      );
      const row: TrialRow = {
        id,
        number: n,
        expr: canonical.expr,
        params: canonical.params ?? null,
        hash: verdict.hash ?? null,
        state: reason ? 'rejected' : 'queued',
        rejectReason: reason,
        rung: 0,
        metrics,
        seed: cfg.trainSeed,
      };
      rows.set(n, row);
      nextNumber++;
      if (verdict.hash) seenHashes.add(verdict.hash);
      if (reason) {
        rejections[reason] = (rejections[reason] ?? 0) + 1;
        rejectStreak++;
        sampler.tell({ number: n, candidate: canonical, outcome: { kind: 'rejected', reason } });
        checkCrash();
        continue;
      }
      rejectStreak = 0;
      evaluable++;
      asha.add(n);
      queue.push({ number: n, rung: 0 });
      return 'queued';
    }
    return 'yield';
  }

  // ---- the loop ----------------------------------------------------------------------------------------------------
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    notify();
  };
  process.on('SIGINT', onSigint);
  const budgetTimer =
    deadline !== Infinity ? setTimeout(notify, Math.max(0, deadline - Date.now())) : undefined;
  let lastStatus = 0;
  const emit = (force = false) => {
    if (!opts.onStatus) return;
    const now = Date.now();
    if (!force && now - lastStatus < 250) return;
    lastStatus = now;
    opts.onStatus(status());
  };

  /** What a worker trains for `headId` at rung r: the rung's setting with the study's seed, split and budget. */
  const rungJob = (number: number, r: number, headId: string, candidate?: Candidate): TrialJob => ({
    number,
    rung: r,
    space: space.name,
    ...(candidate ? { candidate } : {}),
    headId,
    ladderRung: cfg.ladder[r]!,
    trainSeed: cfg.trainSeed,
    valFraction: cfg.valFraction,
    ...(cfg.evalLimit !== undefined ? { evalLimit: cfg.evalLimit } : {}),
  });
  const submit = (job: TrialJob, onDone: (res: RungMetrics | 'cancelled') => void) =>
    void executor.run(job).then(onDone, (e: unknown) => {
      // The executor itself broke (workers cannot start): stop the search; the trial stays 'running' → re-queued.
      fatal ??= e instanceof Error ? e : new Error(String(e));
      notify();
    });

  const dispatch = (job: { number: number; rung: number }) => {
    const t = rows.get(job.number)!;
    store.transaction(() => store.setTrialState(t.id, 'running', job.rung));
    t.state = 'running';
    t.rung = job.rung;
    running.add(job.number);
    submit(rungJob(job.number, job.rung, `${opts.study}#${job.number}`, candidateOf(t)), (res) =>
      onResult(job, res),
    );
  };

  /** The study's baseline at one rung: softmax-ce with exactly a trial's settings there (rungRunConfig). */
  const dispatchBaseline = (r: number) => {
    baselineRunning.add(r);
    store.transaction(() => syncBaselineRow());
    submit(rungJob(BASELINE_NUMBER, r, BASELINE_HEAD), (res) => onBaselineResult(r, res));
  };

  const cancellations = new Map<string, number>();
  const onBaselineResult = (r: number, res: RungMetrics | 'cancelled') => {
    if (crashed || closing) return;
    baselineRunning.delete(r);
    try {
      if (res === 'cancelled') {
        const key = `baseline@${r}`;
        const times = (cancellations.get(key) ?? 0) + 1;
        cancellations.set(key, times);
        if (times < MAX_CANCELLATIONS) {
          baselineQueue.unshift(r);
          store.transaction(() => syncBaselineRow());
          notify();
          return;
        }
        res = workerDied(times);
      }
      recordBaseline(r, res);
    } catch (e) {
      if (!(e instanceof Crash)) fatal ??= e instanceof Error ? e : new Error(String(e));
    }
    notify();
  };

  /**
   * One transaction: the baseline's rung row and the promotions its floor unlocks (a gated rung promotes nothing
   * before). A failed baseline sets no floor (−Infinity): the gate cannot judge, so ASHA alone decides there.
   */
  function recordBaseline(r: number, m: RungMetrics): void {
    baselineResults[r] = m;
    const promotions = asha.gated ? asha.setFloor(r, floorOf(r)) : [];
    store.transaction(() => {
      store.addRung({ trialId: baselineRow!.id, rung: r, metrics: m });
      syncBaselineRow();
      writePromotions(promotions);
    });
    queuePromotions(promotions);
    ensureBaselines();
    checkCrash();
  }

  /** Marks promoted trials queued at their new rung (inside the caller's transaction), skipping `except`. */
  function writePromotions(promotions: Array<[number, number]>, except?: number): void {
    for (const [p, to] of promotions) {
      if (p === except) continue;
      const pt = rows.get(p)!;
      store.setTrialState(pt.id, 'queued', to);
      pt.state = 'queued';
      pt.rung = to;
    }
  }

  function queuePromotions(promotions: Array<[number, number]>): void {
    for (const [p, to] of promotions) queue.push({ number: p, rung: to });
    sortQueue();
  }

  const onResult = (job: { number: number; rung: number }, res: RungMetrics | 'cancelled') => {
    // After a crash nothing is written; after a stop the trial is re-queued below, from `running`.
    if (crashed || closing) return;
    running.delete(job.number);
    try {
      if (res === 'cancelled') {
        // Its worker died (killed, out of memory): nothing was measured, so it runs again, a few times at most.
        const key = `${job.number}@${job.rung}`;
        const times = (cancellations.get(key) ?? 0) + 1;
        cancellations.set(key, times);
        if (times < MAX_CANCELLATIONS) {
          const t = rows.get(job.number)!;
          store.transaction(() => store.setTrialState(t.id, 'queued', job.rung));
          t.state = 'queued';
          queue.unshift(job);
          notify();
          return;
        }
        res = workerDied(times);
      }
      record(job.number, job.rung, res);
    } catch (e) {
      if (!(e instanceof Crash)) fatal ??= e instanceof Error ? e : new Error(String(e));
    }
    notify();
  };

  function record(n: number, r: number, m: RungMetrics): void {
    const t = rows.get(n)!;
    const values = objectiveValues(m, cfg.objectives);
    const promotions = asha.report(n, r, values);
    const metrics: TrialMetrics = {
      ...(t.metrics ?? { rungs: {} }),
      rungs: { ...(t.metrics?.rungs ?? {}), [r]: m },
    };
    store.transaction(() => {
      store.addRung({ trialId: t.id, rung: r, metrics: m });
      const d = derivedState(n);
      store.setTrialState(t.id, d.state, d.rung, metrics);
      t.state = d.state;
      t.rung = d.rung;
      t.metrics = metrics;
      writePromotions(promotions, n);
    });
    rungMetrics.set(`${n}:${r}`, m);
    queuePromotions(promotions);
    // A promotion into a rung no trial had reached needs that rung's baseline (for Δ, and for the gate above it).
    ensureBaselines();
    if (r === 0) {
      rung0Done++;
      sampler.tell({ number: n, candidate: candidateOf(t), outcome: outcomeOf(m) });
    }
    checkCrash();
  }

  let closing = false;
  try {
    emit(true);
    for (;;) {
      if (crashed) break;
      if (fatal) throw fatal;
      if (interrupted) stopReason = 'interrupted';
      else if (Date.now() >= deadline) stopReason = 'budget';
      const stopping = stopReason === 'interrupted' || stopReason === 'budget';
      let last: ReturnType<typeof proposeOne> | null = null;
      if (!stopping) {
        while (inFlight() < executor.size) {
          // Baselines first: Δ is measured from them, and a gated rung promotes nothing until its own is in.
          const baselineRung = baselineQueue.shift();
          if (baselineRung !== undefined) {
            dispatchBaseline(baselineRung);
            continue;
          }
          if (rerank) break;
          if (queue.length === 0) {
            last = proposeOne();
            if (last !== 'queued') break;
          }
          const job = queue.shift();
          if (!job) break;
          dispatch(job);
        }
        // Look ahead: filter the next candidates while the workers train, so that a free worker finds one waiting.
        if (
          !rerank &&
          (last === null || last === 'queued') &&
          queue.filter((j) => j.rung === 0).length < executor.size
        )
          last = proposeOne() === 'queued' ? 'yield' : last;
      }
      emit();
      if (rerank && inFlight() === 0 && (stopping || baselineQueue.length === 0)) {
        stopReason ??= 'rerank';
        break;
      }
      if (inFlight() === 0 && (stopping || (queue.length === 0 && baselineQueue.length === 0))) {
        if (stopping || last === 'limit') break;
        if (last === 'blocked') throw new Error('search: the sampler waits for results but none are pending');
      }
      if (last === 'yield') {
        // A long run of rejections: let worker messages in, then go on proposing.
        await new Promise((r) => setImmediate(r));
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } catch (e) {
    if (!(e instanceof Crash)) fatal ??= e instanceof Error ? e : new Error(String(e));
  } finally {
    process.off('SIGINT', onSigint);
    if (budgetTimer) clearTimeout(budgetTimer);
  }

  if (crashed) {
    // Simulated SIGKILL: no cleanup writes at all.
    await executor.close();
    throw new Crash('simulated crash');
  }

  // Interrupted or out of time: what was running goes back to the queue for a later --resume.
  closing = true;
  await executor.close();
  if (baselineRunning.size > 0) {
    baselineQueue.push(...baselineRunning);
    baselineQueue.sort((x, y) => x - y);
    baselineRunning.clear();
    store.transaction(() => syncBaselineRow());
  }
  if (running.size > 0) {
    store.transaction(() => {
      for (const n of running) {
        const t = rows.get(n)!;
        store.setTrialState(t.id, 'queued', t.rung);
        t.state = 'queued';
      }
    });
    running.clear();
  }
  if (fatal) throw fatal;
  stopReason ??= 'exhausted';
  emit(true);
  return summarize(stopReason, (Date.now() - t0) / 1000, rung0Done);

  function summarize(reason: SearchSummary['stopReason'], seconds: number, r0: number): SearchSummary {
    const baselines = cfg.ladder.map((_, r) => baselineValue(r));
    const view = (t: TrialRow): TrialView => {
      const rungs = t.metrics?.rungs ?? {};
      const v: TrialView = {
        id: t.id,
        number: t.number,
        state: t.state,
        expr: t.expr,
        rung: t.rung,
        metrics: t.metrics,
        score: trialScore(rungs, baselines),
        deltas: Object.fromEntries(
          Object.entries(rungs).map(([r, m]) => [r, rungDelta(m, baselines[Number(r)])]),
        ),
      };
      if (t.params) v.params = t.params;
      return v;
    };
    const evaluated = [...rows.values()]
      .filter((t) => t.state !== 'rejected')
      .sort((a, b) => a.number - b.number);
    const views = evaluated.map(view);
    const ranked = rankByScore(views, rankingMargin).filter(
      (v) => v.score !== null && v.score.valAcc !== null,
    );
    const rung0Seconds = evaluated
      .map((t) => t.metrics?.rungs['0']?.seconds)
      .filter((x): x is number => x !== undefined && x > 0);
    const workers = executor.workers ?? executor.size;
    const pop = executor.populationStats?.();
    const rung0MeanSeconds =
      rung0Seconds.length > 0 ? rung0Seconds.reduce((a, x) => a + x, 0) / rung0Seconds.length : null;
    const summary: SearchSummary = {
      study: opts.study,
      space: space.name,
      config: cfg,
      stopReason: reason,
      trials: views,
      ranking: ranked.map((v) => v.number),
      rejections: { ...rejections },
      best: ranked[0] ?? null,
      baseline: { head: BASELINE_HEAD, trialId: baselineRow?.id ?? null, rungs: baselineStatuses() },
      promotionMargin: gateMargin ?? null,
      verdict: rankingVerdict(ranked[0] ?? null, rankingMargin),
      throughput: {
        rung0Evaluations: r0,
        seconds,
        perHour: seconds > 0 ? (r0 * 3600) / seconds : 0,
        workers,
        rung0MeanSeconds,
        capacityPerHour: rung0MeanSeconds === null ? null : (workers * 3600) / rung0MeanSeconds,
        ...(pop && pop.jobs > 0 ? { trialsPerJob: pop.trialRungs / pop.jobs } : {}),
      },
      status: status(),
    };
    if (cfg.objectives.length > 1) {
      for (let r = top; r >= 0; r--) {
        const done = asha.entered(r).filter((n) => asha.resultOf(n, r));
        if (done.length === 0) continue;
        const byNumber = new Map(views.map((v) => [v.number, v]));
        summary.pareto = paretoFront(done.map((n) => asha.resultOf(n, r)!)).map((i) =>
          byNumber.get(done[i]!)!,
        );
        break;
      }
    }
    return summary;
  }
}

export { Crash as SimulatedCrash };
