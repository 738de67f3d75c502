import { Asha } from './pruners/asha.js';
import { paretoFront, selectionOrder } from './pruners/pareto.js';
import { RandomSampler } from './samplers/random.js';
import { EvolutionSampler } from './samplers/evolution.js';
import { CmaEsSampler } from './samplers/cmaes-sampler.js';
import type { StudyConfig } from './study.js';
import type { Candidate, Outcome, Sampler, Space } from './types.js';
import type { SearchStore, TrialRow } from './persist.js';
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
  readonly size: number;
  run(job: TrialJob): Promise<RungMetrics | 'cancelled'>;
  close(): Promise<void>;
}

/** A trial-rung whose worker dies this many times is recorded as failed rather than tried again. */
const MAX_CANCELLATIONS = 3;

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
  best?: { number: number; rung: number; valAcc: number; expr: string };
  elapsedMs: number;
  /** Rung-0 evaluations finished in this session, per hour of this session's wall time. */
  rung0PerHour: number;
}

export interface TrialView {
  id: number;
  number: number;
  state: TrialState;
  expr: string;
  params?: number[];
  rung: number;
  metrics: TrialMetrics | null;
}

export interface SearchSummary {
  study: string;
  space: string;
  config: StudyConfig;
  stopReason: 'max-trials' | 'budget' | 'interrupted' | 'exhausted' | 'reject-streak';
  trials: TrialView[];
  rejections: Record<string, number>;
  best: TrialView | null;
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
    store.updateStudyConfig(studyId, JSON.stringify(stored));
  } else {
    if (!opts.config) throw new Error('runSearch: a new study needs a config');
    stored = { config: opts.config, limits: { maxTrials: opts.maxTrials, budgetMs: opts.budgetMs } };
    studyId = store.createStudy(opts.study, space.name, JSON.stringify(stored)).id;
  }
  const cfg = stored.config;
  const { maxTrials, budgetMs } = stored.limits;
  const deadline = budgetMs !== undefined ? t0 + budgetMs : Infinity;
  const top = cfg.ladder.length - 1;

  // ---- in-memory state, rebuilt from the database --------------------------------------------------------------
  const sampler = makeSampler(space, cfg);
  const asha = new Asha(cfg.eta, cfg.ladder.length);
  const rows = new Map<number, TrialRow>(); // by number
  const seenHashes = new Set<string>();
  const rejections: Record<string, number> = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0]));
  let evaluable = 0;
  let nextNumber = 0;

  const trials = store.listTrials(studyId).sort((a, b) => a.number - b.number);
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
  for (const r of rungRows) {
    const t = byId.get(r.trialId);
    if (t) rungMetrics.set(`${t.number}:${r.rung}`, r.metrics);
  }
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

  // ---- status --------------------------------------------------------------------------------------------------
  const running = new Set<number>();
  let rung0Done = 0;
  const rungCounts = (): number[] =>
    cfg.ladder.map((_, r) => asha.entered(r).filter((n) => asha.resultOf(n, r) !== undefined).length);

  function bestTrial(): TrialRow | undefined {
    for (let r = top; r >= 0; r--) {
      const done = asha.entered(r).filter((n) => asha.resultOf(n, r));
      if (done.length === 0) continue;
      const pts = done.map((n) => asha.resultOf(n, r)!);
      return rows.get(
        done[
          selectionOrder(
            pts.map((p) => [p[0]!]),
            done,
          )[0]!
        ]!,
      );
    }
    return undefined;
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
    const b = bestTrial();
    const s: SearchStatus = {
      study: opts.study,
      space: space.name,
      trials: evaluable,
      finished,
      running: running.size,
      queued,
      rungCounts: rungCounts(),
      rejections: { ...rejections },
      elapsedMs,
      rung0PerHour: elapsedMs > 0 ? (rung0Done * 3600_000) / elapsedMs : 0,
    };
    if (maxTrials !== undefined) s.maxTrials = maxTrials;
    if (b) {
      const r = asha.rungOf(b.number);
      const res = asha.resultOf(b.number, r) ?? asha.resultOf(b.number, r - 1);
      s.best = { number: b.number, rung: r, valAcc: res?.[0] ?? NaN, expr: b.expr };
    }
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
      const metrics: TrialMetrics | null = reason ? { rungs: {}, reject: detail ?? reason } : null;
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

  const dispatch = (job: { number: number; rung: number }) => {
    const t = rows.get(job.number)!;
    store.transaction(() => store.setTrialState(t.id, 'running', job.rung));
    t.state = 'running';
    t.rung = job.rung;
    running.add(job.number);
    const rung = cfg.ladder[job.rung]!;
    const trialJob: TrialJob = {
      number: job.number,
      rung: job.rung,
      space: space.name,
      candidate: candidateOf(t),
      headId: `${opts.study}#${job.number}`,
      ladderRung: rung,
      trainSeed: cfg.trainSeed,
      valFraction: cfg.valFraction,
      ...(cfg.evalLimit !== undefined ? { evalLimit: cfg.evalLimit } : {}),
    };
    void executor.run(trialJob).then(
      (res) => onResult(job, res),
      (e: unknown) => {
        // The executor itself broke (workers cannot start): stop the search; the trial stays 'running' → re-queued.
        fatal ??= e instanceof Error ? e : new Error(String(e));
        notify();
      },
    );
  };

  const cancellations = new Map<string, number>();
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
        res = {
          status: 'failed',
          valAcc: null,
          speed: null,
          seconds: 0,
          error: `its worker died ${times} times while training it`,
        };
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
      for (const [p, to] of promotions) {
        if (p === n) continue;
        const pt = rows.get(p)!;
        store.setTrialState(pt.id, 'queued', to);
        pt.state = 'queued';
        pt.rung = to;
      }
    });
    for (const [p, to] of promotions) queue.push({ number: p, rung: to });
    sortQueue();
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
        while (running.size < executor.size) {
          if (queue.length === 0) {
            last = proposeOne();
            if (last !== 'queued') break;
          }
          const job = queue.shift();
          if (!job) break;
          dispatch(job);
        }
        // Look ahead: filter the next candidates while the workers train, so that a free worker finds one waiting.
        if ((last === null || last === 'queued') && queue.filter((j) => j.rung === 0).length < executor.size)
          last = proposeOne() === 'queued' ? 'yield' : last;
      }
      emit();
      if (running.size === 0 && (stopping || queue.length === 0)) {
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
    const view = (t: TrialRow): TrialView => {
      const v: TrialView = {
        id: t.id,
        number: t.number,
        state: t.state,
        expr: t.expr,
        rung: t.rung,
        metrics: t.metrics,
      };
      if (t.params) v.params = t.params;
      return v;
    };
    const evaluated = [...rows.values()]
      .filter((t) => t.state !== 'rejected')
      .sort((a, b) => a.number - b.number);
    const b = bestTrial();
    const rung0Seconds = evaluated
      .map((t) => t.metrics?.rungs['0']?.seconds)
      .filter((x): x is number => x !== undefined && x > 0);
    const rung0MeanSeconds =
      rung0Seconds.length > 0 ? rung0Seconds.reduce((a, x) => a + x, 0) / rung0Seconds.length : null;
    const summary: SearchSummary = {
      study: opts.study,
      space: space.name,
      config: cfg,
      stopReason: reason,
      trials: evaluated.map(view),
      rejections: { ...rejections },
      best: b ? view(b) : null,
      throughput: {
        rung0Evaluations: r0,
        seconds,
        perHour: seconds > 0 ? (r0 * 3600) / seconds : 0,
        workers: executor.size,
        rung0MeanSeconds,
        capacityPerHour: rung0MeanSeconds === null ? null : (executor.size * 3600) / rung0MeanSeconds,
      },
      status: status(),
    };
    if (cfg.objectives.length > 1) {
      for (let r = top; r >= 0; r--) {
        const done = asha.entered(r).filter((n) => asha.resultOf(n, r));
        if (done.length === 0) continue;
        summary.pareto = paretoFront(done.map((n) => asha.resultOf(n, r)!)).map((i) =>
          view(rows.get(done[i]!)!),
        );
        break;
      }
    }
    return summary;
  }
}

export { Crash as SimulatedCrash };
