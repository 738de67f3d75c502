/** One run or one trial in full (`headroom show` and the dashboard's drill-down): config, curve and command. */
import type { RunRecord, Store } from '../store/index.js';
import type { RunConfig } from '../train/config.js';
import { gridLive, Journal, type CurveRecord, type LiveState } from './journal.js';
import { gridNames } from './overview.js';
import {
  ladderText,
  readStudyInfo,
  rungName,
  type RungResult,
  type StudyInfo,
  type TrialInfo,
} from './studies.js';

/** A reference that names nothing in the database: one line listing what does exist (CLI exit 2). */
export class QueryError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

export interface RunDetail {
  kind: 'run';
  key: string;
  id: number | null;
  grid: string;
  state: LiveState;
  config: RunConfig | null;
  curve: CurveRecord[];
  epochs: number | null;
  valAcc: number | null;
  testAcc: number | null;
  ece: number | null;
  secondsPerEpoch: number | null;
  repr: Record<string, number> | null;
  error: string | null;
  /** The command that trained it, as typed (rerunning it skips stored runs and trains missing ones). */
  command: string | null;
  machine: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TrialDetail {
  kind: 'trial';
  study: string;
  space: string;
  number: number;
  expr: string;
  params: number[] | null;
  state: string;
  rejectReason: string | null;
  rejectDetail: string | null;
  seed: number;
  rungs: (RungResult & { label: string })[];
  /** Validation Δ against softmax-ce at the highest rung it completed (its score), and its place in the ranking. */
  delta: number | null;
  rank: number | null;
  parents: { number: number; expr: string }[];
  children: { number: number; expr: string }[];
  /** The command that created the study: trial n is proposed and trained the same way by it (seeded proposals). */
  command: string;
  /** Retrains the study's best candidates (this one included when it ranks within --top) with fresh seeds. */
  confirmCommand: string | null;
  /** Runs of this candidate in the study's confirmation grids. */
  confirmRuns: {
    id: number;
    grid: string;
    dataset: string;
    model: string;
    seed: number;
    status: string;
    testAcc: number | null;
  }[];
  createdAt: string;
  updatedAt: string;
}

/** A shell word: quoted when it holds anything a shell would read specially. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./#-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The search command that creates this study with its stored settings. */
export function studyCommand(info: StudyInfo, dbPath: string): string {
  const c = info.config;
  const args = ['headroom', 'search', '--space', info.row.space, '--study', info.row.name, '--db', dbPath];
  if (c.tune !== undefined) args.push('--tune', c.tune);
  if (c.seed !== undefined) args.push('--seed', String(c.seed));
  const ladder = ladderText(c);
  if (ladder) args.push('--ladder', ladder);
  if (c.eta !== undefined) args.push('--eta', String(c.eta));
  if (c.sampler) args.push('--sampler', c.sampler);
  if (c.objectives && c.objectives.join(',') !== 'acc') args.push('--objectives', c.objectives.join(','));
  if (c.evalLimit !== undefined) args.push('--eval-limit', String(c.evalLimit));
  if (c.promotionMargin !== undefined)
    args.push('--promotion-margin', String(+(100 * c.promotionMargin).toFixed(4)));
  return args.map(shellWord).join(' ');
}

export function runDetail(store: Store, ref: string, journal: Journal = new Journal(store)): RunDetail {
  const r = findRun(store, ref);
  if (r) {
    const curve = store.listEpochs(r.id).map((e) => ({
      epoch: e.epoch,
      valAcc: Number.isFinite(e.valAcc) ? e.valAcc : null,
      trainLoss: Number.isFinite(e.trainLoss) ? e.trainLoss : null,
      testAcc: e.testAcc !== undefined && Number.isFinite(e.testAcc) ? e.testAcc : null,
      seconds: Number.isFinite(e.seconds) ? e.seconds : null,
    }));
    const cfg = r.config as unknown as RunConfig;
    return {
      kind: 'run',
      key: r.key,
      id: r.id,
      grid: r.grid ?? '',
      state: r.status,
      config: cfg,
      curve,
      epochs: typeof cfg.epochs === 'number' ? cfg.epochs : curve.length,
      valAcc: r.valAcc,
      testAcc: r.testAcc,
      ece: r.ece,
      secondsPerEpoch: r.secondsPerEpoch,
      repr: r.repr,
      error: r.error,
      command: r.command,
      machine: r.machine,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    };
  }
  // Not finished yet: the journal may know it (in flight, or planned by a command still running).
  journal.refresh();
  for (const g of gridNames(store, journal)) {
    const live = gridLive(store, journal, g).runs.find((x) => x.runId === null && x.key.startsWith(ref));
    if (live && ref.length >= 6)
      return {
        kind: 'run',
        key: live.key,
        id: null,
        grid: g,
        state: live.state,
        config: live.config,
        curve: live.curve,
        epochs: live.epochs,
        valAcc: live.valAcc,
        testAcc: null,
        ece: null,
        secondsPerEpoch: null,
        repr: null,
        error: null,
        command: null,
        machine: null,
        startedAt: live.startedAt,
        finishedAt: null,
      };
  }
  const n = (store.db.prepare('SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi FROM runs').get() as {
    n: number;
    lo: number | null;
    hi: number | null;
  }) ?? { n: 0, lo: null, hi: null };
  throw new QueryError(
    `no run '${ref}' in ${store.path}; ${n.n > 0 ? `give a run id (${n.lo}…${n.hi}) or key ('headroom ls' lists the grids, 'headroom export' the runs)` : 'it has no runs'}, or a trial as STUDY#N.`,
  );
}

function findRun(store: Store, ref: string): RunRecord | undefined {
  if (/^\d+$/.test(ref) && ref.length < 12) {
    const r = store.getRun(Number(ref));
    if (r) return r;
  }
  const exact = store.getRunByKey(ref);
  if (exact) return exact;
  if (/^[0-9a-f]{6,15}$/.test(ref)) {
    const hits = store.db.prepare('SELECT key FROM runs WHERE key LIKE ? LIMIT 2').all(`${ref}%`) as {
      key: string;
    }[];
    if (hits.length === 1) return store.getRunByKey(hits[0]!.key);
    if (hits.length > 1)
      throw new QueryError(`run key prefix '${ref}' matches several runs; give more of it.`);
  }
  return undefined;
}

/** `STUDY#N` (how confirmation runs name a candidate) into its parts; null when ref is not of that form. */
export function parseTrialRef(ref: string): { study: string; number: number } | null {
  const m = /^(.+)#(-?\d+)$/.exec(ref);
  return m ? { study: m[1]!, number: Number(m[2]) } : null;
}

export function trialDetail(store: Store, study: string, number: number, dbPath = store.path): TrialDetail {
  const row = store.getStudy(study);
  if (!row) {
    const names = store.listStudies().map((s) => s.name);
    throw new QueryError(
      `no study '${study}' in ${store.path}; ${names.length > 0 ? `studies there: ${names.join(', ')}` : 'it has no studies'}.`,
    );
  }
  const info = readStudyInfo(store, row);
  const t = info.trials.find((x) => x.number === number);
  if (!t) {
    const last = info.trials.at(-1)?.number;
    throw new QueryError(
      `study '${study}' has no trial #${number}; ${last !== undefined ? `its trials are #0…#${last}` : 'it has no trials yet'}.`,
    );
  }
  return trialDetailOf(store, info, t, dbPath);
}

export function trialDetailOf(store: Store, info: StudyInfo, t: TrialInfo, dbPath = store.path): TrialDetail {
  const byNumber = new Map(info.trials.map((x) => [x.number, x]));
  const name = info.row.name;
  const head = `${name}#${t.number}`;
  const rank = info.ranking.indexOf(t.number);
  const confirmRuns = (
    store.db
      .prepare(
        'SELECT id, grid, dataset, model, seed, status, test_acc FROM runs WHERE head = ? AND (grid = ? OR grid LIKE ?) ORDER BY id',
      )
      .all(head, `confirm:${name}`, `confirm:${name}:%`) as {
      id: number;
      grid: string;
      dataset: string;
      model: string;
      seed: number;
      status: string;
      test_acc: number | null;
    }[]
  ).map((r) => ({
    id: r.id,
    grid: r.grid,
    dataset: r.dataset,
    model: r.model,
    seed: r.seed,
    status: r.status,
    testAcc: r.test_acc,
  }));
  return {
    kind: 'trial',
    study: name,
    space: info.row.space,
    number: t.number,
    expr: t.expr,
    params: t.params,
    state: t.state,
    rejectReason: t.rejectReason,
    rejectDetail: t.rejectDetail,
    seed: t.seed,
    rungs: t.rungs.map((r) => ({ ...r, label: rungName(info.config, r.rung) })),
    delta: t.score?.delta ?? null,
    rank: rank >= 0 ? rank + 1 : null,
    parents: t.parents.map((n) => ({ number: n, expr: byNumber.get(n)?.expr ?? '?' })),
    children: info.trials
      .filter((x) => x.parents.includes(t.number))
      .map((x) => ({ number: x.number, expr: x.expr })),
    command: studyCommand(info, dbPath),
    confirmCommand:
      rank >= 0
        ? ['headroom', 'confirm', '--study', name, '--db', dbPath, '--top', String(rank + 1)]
            .map(shellWord)
            .join(' ')
        : null,
    confirmRuns,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}
