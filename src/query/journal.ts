/**
 * What a database says about runs in flight: the `job_events` journal (planned by compare/confirm, started and epoch
 * events by the recorder) merged with the finished runs of `runs`/`epochs`. Read-only; `Journal` reads the table
 * incrementally (by id), so a dashboard that refreshes every second parses each event once.
 */
import type { JobEventRow, RunRecord, Store } from '../store/index.js';
import type { EpochRecord, RunConfig } from '../train/config.js';

export type LiveState = 'planned' | 'running' | 'stalled' | 'ok' | 'diverged' | 'failed';

export interface CurveRecord {
  epoch: number;
  valAcc: number | null;
  trainLoss: number | null;
  testAcc: number | null;
  seconds: number | null;
}

/** One run of a grid as the journal and the runs table describe it now. */
export interface LiveRun {
  key: string;
  grid: string;
  /** Its row in `runs` once it finished (or failed). */
  runId: number | null;
  /** From the run row, else from its 'planned' event; null for a run journaled without a plan (older commands). */
  config: RunConfig | null;
  state: LiveState;
  /** Epochs it trains (from its config or its epoch events). */
  epochs: number | null;
  /** Epochs finished so far. */
  epoch: number;
  /** Validation accuracy of its last finished epoch (the final one for a finished run). */
  valAcc: number | null;
  testAcc: number | null;
  startedAt: string | null;
  /** Its last event or its finish time. */
  updatedAt: string | null;
  curve: CurveRecord[];
  error: string | null;
}

export interface GridLive {
  name: string;
  runs: LiveRun[];
  counts: Record<LiveState, number> & { total: number; finished: number };
  lastActivity: string | null;
}

/** A run with no event for this long (and at least three of its own epoch times) is reported as stalled. */
export const STALL_MS = 120_000;

function hasTable(store: Store, name: string): boolean {
  return (
    store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined
  );
}

interface EventLike {
  type?: unknown;
  config?: unknown;
  epochs?: unknown;
  record?: unknown;
}

/** Reads `job_events` incrementally: each call to `refresh` adds the rows written since the last one. */
export class Journal {
  private lastId = 0;
  private readonly rows: JobEventRow[] = [];
  private readonly present: boolean;

  constructor(private readonly store: Store) {
    // Databases written before the journal existed have no job_events table: no run is in flight there.
    this.present = hasTable(store, 'job_events');
  }

  refresh(): void {
    if (!this.present) return;
    const fresh = this.store.listJobEvents({ afterId: this.lastId });
    for (const r of fresh) this.rows.push(r);
    if (fresh.length > 0) this.lastId = fresh.at(-1)!.id;
  }

  events(grid?: string): JobEventRow[] {
    return grid === undefined ? this.rows : this.rows.filter((r) => r.grid === grid);
  }

  /** Grid names that appear in the journal. */
  grids(): string[] {
    return [...new Set(this.rows.flatMap((r) => (r.grid ? [r.grid] : [])))];
  }
}

function toCurve(e: EpochRecord): CurveRecord {
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  return {
    epoch: e.epoch,
    valAcc: num(e.valAcc),
    trainLoss: num(e.trainLoss),
    testAcc: num(e.testAcc),
    seconds: num(e.seconds),
  };
}

function isConfig(v: unknown): v is RunConfig {
  const c = v as Partial<RunConfig> | null;
  return (
    c !== null &&
    typeof c === 'object' &&
    typeof c.head === 'string' &&
    typeof c.seed === 'number' &&
    typeof c.dataset === 'string' &&
    typeof c.model === 'string'
  );
}

const later = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null ? a : a > b ? a : b;

/**
 * The grid's runs now: every finished run of the grid, and every run its commands planned or started that has not
 * finished (planned: waiting for a worker; running: an epoch event in the last STALL_MS or three epoch times;
 * stalled: the command may have stopped, rerunning it resumes). `now` is for tests.
 */
export function gridLive(store: Store, journal: Journal, grid: string, now = Date.now()): GridLive {
  const finished = store.listRuns({ grid }) as RunRecord[];
  const byKey = new Map<string, LiveRun>();
  const epochsOf = new Map<number, CurveRecord[]>();
  for (const e of store.listEpochsOf(finished.map((r) => r.id))) {
    const list = epochsOf.get(e.runId) ?? [];
    list.push(toCurve(e));
    epochsOf.set(e.runId, list);
  }
  for (const r of finished) {
    const curve = epochsOf.get(r.id) ?? [];
    const cfg = r.config as unknown;
    byKey.set(r.key, {
      key: r.key,
      grid,
      runId: r.id,
      config: isConfig(cfg) ? cfg : null,
      state: r.status,
      epochs: isConfig(cfg) ? cfg.epochs : curve.length,
      epoch: curve.length,
      valAcc: r.valAcc,
      testAcc: r.testAcc,
      startedAt: r.startedAt,
      updatedAt: r.finishedAt,
      curve,
      error: r.error,
    });
  }
  for (const ev of journal.events(grid)) {
    const key = ev.runKey;
    if (!key) continue;
    const prev = byKey.get(key);
    // A finished run keeps its stored result; a failed one is live again when a later command retries it.
    if (prev && prev.runId !== null) {
      if (prev.state !== 'failed' || (prev.updatedAt !== null && ev.at <= prev.updatedAt)) continue;
    }
    const p = (ev.payload ?? {}) as EventLike;
    const run: LiveRun =
      prev && prev.runId === null
        ? prev
        : {
            key,
            grid,
            runId: null,
            config: prev?.config ?? null,
            state: 'planned',
            epochs: prev?.config?.epochs ?? null,
            epoch: 0,
            valAcc: null,
            testAcc: null,
            startedAt: null,
            updatedAt: ev.at,
            curve: [],
            error: null,
          };
    if (ev.type === 'planned' && isConfig(p.config)) {
      run.config = p.config;
      run.epochs = p.config.epochs;
      // A new plan of a run that was started before (a command rerun after a kill) starts it over.
      if (run.state !== 'planned')
        Object.assign(run, { state: 'planned', epoch: 0, curve: [], valAcc: null });
    } else if (ev.type === 'started') {
      run.state = 'running';
      run.startedAt = ev.at;
      run.epoch = 0;
      run.curve = [];
    } else if (ev.type === 'epoch' && p.record && typeof p.record === 'object') {
      const rec = toCurve(p.record as EpochRecord);
      run.state = 'running';
      run.startedAt ??= ev.at;
      run.curve = [...run.curve.filter((c) => c.epoch < rec.epoch), rec];
      run.epoch = rec.epoch;
      run.valAcc = rec.valAcc;
      if (typeof p.epochs === 'number') run.epochs = p.epochs;
    }
    run.updatedAt = ev.at;
    byKey.set(key, run);
  }
  for (const run of byKey.values()) {
    if (run.state !== 'running' || run.updatedAt === null) continue;
    const secs = run.curve.map((c) => c.seconds ?? 0);
    const epochMs = secs.length > 0 ? (1000 * secs.reduce((a, b) => a + b, 0)) / secs.length : 0;
    if (now - Date.parse(run.updatedAt) > Math.max(STALL_MS, 3 * epochMs)) run.state = 'stalled';
  }
  const runs = [...byKey.values()].sort(
    (a, b) =>
      (a.config?.seed ?? 0) - (b.config?.seed ?? 0) ||
      (a.config?.head ?? '').localeCompare(b.config?.head ?? '') ||
      a.key.localeCompare(b.key),
  );
  const counts = { planned: 0, running: 0, stalled: 0, ok: 0, diverged: 0, failed: 0, total: 0, finished: 0 };
  let lastActivity: string | null = null;
  for (const r of runs) {
    counts[r.state]++;
    counts.total++;
    if (r.state === 'ok' || r.state === 'diverged' || r.state === 'failed') counts.finished++;
    lastActivity = later(lastActivity, r.updatedAt);
  }
  return { name: grid, runs, counts, lastActivity };
}
