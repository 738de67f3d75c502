import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ADDED_COLUMNS, SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import {
  TRIAL_STATES,
  type CkaRow,
  type EpochInput,
  type FeatureSketch,
  type EpochRecordRow,
  type JobEventInput,
  type JobEventRow,
  type RunFilter,
  type RunInput,
  type RunRecord,
  type RungInput,
  type RungRecord,
  type SaveRunInput,
  type StudyRow,
  type TrialInput,
  type TrialPatch,
  type TrialRecord,
  type TrialState,
} from './types.js';

/** The database cannot be used (not a headroom file, newer schema, duplicate study, unknown trial): exit code 2. */
export class StoreError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface OpenOptions {
  /** Open an existing file without writing (reports). */
  readonly?: boolean;
  /** With readonly: only check that the file is headroom's (or may become it), nothing else (see checkStore). */
  checkOnly?: boolean;
  /** SQLite busy timeout in ms; default 10000 (a reader may briefly hold a lock during a WAL checkpoint). */
  busyTimeoutMs?: number;
}

type Row = Record<string, unknown>;

/** SQLite turns NaN into NULL silently and rejects nothing; make that explicit for every REAL column. */
function real(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function json(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

function parse<T>(text: unknown): T | null {
  return typeof text === 'string' ? (JSON.parse(text) as T) : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function toRun<C>(r: Row): RunRecord<C> {
  return {
    id: r.id as number,
    key: r.key as string,
    grid: str(r.grid),
    dataset: r.dataset as string,
    model: r.model as string,
    head: r.head as string,
    seed: r.seed as number,
    config: (parse<C>(r.config) ?? {}) as C,
    status: r.status as RunRecord['status'],
    divergedEpoch: numOrNull(r.diverged_epoch),
    error: str(r.error),
    valAcc: numOrNull(r.val_acc),
    testAcc: numOrNull(r.test_acc),
    ece: numOrNull(r.ece),
    secondsPerEpoch: numOrNull(r.seconds_per_epoch),
    repr: parse<Record<string, number>>(r.repr),
    command: str(r.command),
    machine: str(r.machine),
    startedAt: str(r.started_at),
    finishedAt: str(r.finished_at),
  };
}

const numOrNaN = (v: unknown): number => (typeof v === 'number' ? v : NaN);

function toEpoch(r: Row): EpochRecordRow {
  const e: EpochRecordRow = {
    runId: r.run_id as number,
    epoch: r.epoch as number,
    trainLoss: numOrNaN(r.train_loss),
    valAcc: numOrNaN(r.val_acc),
    seconds: numOrNaN(r.seconds),
  };
  if (typeof r.test_acc === 'number') e.testAcc = r.test_acc;
  return e;
}

function toStudy(r: Row): StudyRow {
  return {
    id: r.id as number,
    name: r.name as string,
    space: r.space as string,
    config: r.config as string,
    createdAt: r.created_at as string,
  };
}

function toTrial<M, P, R extends string>(r: Row): TrialRecord<M, P, R> {
  return {
    id: r.id as number,
    studyId: r.study_id as number,
    number: r.number as number,
    expr: r.expr as string,
    params: parse<P>(r.params),
    hash: str(r.hash),
    state: r.state as TrialState,
    rejectReason: str(r.reject_reason) as R | null,
    rung: r.rung as number,
    metrics: parse<M>(r.metrics),
    seed: r.seed as number,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

function toRung<M>(r: Row): RungRecord<M> {
  const valAcc = numOrNull(r.val_acc);
  const speed = numOrNull(r.speed);
  const seconds = numOrNull(r.seconds);
  // Files written by plain SQL without the metrics column still read back with the three columns as metrics.
  const metrics = parse<M>(r.metrics) ?? ({ valAcc, speed, seconds } as M);
  return { trialId: r.trial_id as number, rung: r.rung as number, valAcc, speed, seconds, metrics };
}

function checkState(state: string): void {
  if (!(TRIAL_STATES as readonly string[]).includes(state)) {
    throw new StoreError(`unknown trial state '${state}' (expected one of ${TRIAL_STATES.join(', ')})`);
  }
}

/**
 * A connection that reads an existing file and never writes to it. It is opened read-write at the file level with
 * `query_only`: a read-only connection to a WAL database creates its -wal and -shm files and cannot remove them, while
 * SQLite removes them when the last read-write connection closes, so a reader leaves the folder as it found it. Where
 * the file cannot be opened for writing, a plain read-only connection.
 */
function openReader(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('query_only = ON');
    return db;
  } catch {
    db?.close();
    return new Database(path, { readonly: true, fileMustExist: true });
  }
}

/**
 * Refuses (StoreError, exit 2) a file that is not a headroom database, or is a newer headroom's, without writing to it
 * or creating anything: a command checks its --db with this before slow validation, and opens it for writing later.
 * A missing or empty file passes (it may become a headroom database).
 */
export function checkStore(path: string): void {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return;
  }
  if (size > 0) new Store(path, { readonly: true, checkOnly: true }).close();
}

/**
 * Creates `dir` and its missing parents one level at a time. Node's recursive mkdir never returns where a parent
 * exists but refuses new entries with ENOENT (procfs, sysfs: it retries the parent forever); level by level, that
 * is one ENOENT error naming the folder.
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // made meanwhile by another process
    }
  }
}

/**
 * Typed repository over one SQLite file. One process writes (the CLI driver); others may read at the same time (WAL).
 * Methods that write several rows do so in one transaction, so a process killed mid-call leaves the file as it was.
 */
export class Store {
  readonly db: Database.Database;
  readonly path: string;
  private readonly now: () => string;

  constructor(path: string, opts: OpenOptions = {}, now: () => string = () => new Date().toISOString()) {
    this.path = path;
    this.now = now;
    const memory = path === ':memory:' || path === '';
    if (!memory && !opts.readonly) makeFolders(dirname(path));
    try {
      this.db = opts.readonly ? openReader(path) : new Database(path);
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 10000))}`);
    } catch (e) {
      throw new StoreError(`cannot open database '${path}': ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      // Before anything that writes (switching to WAL rewrites the file header): another program's database, or a
      // newer headroom's, is refused untouched.
      this.checkOwnership();
      if (opts.readonly && opts.checkOnly) return;
      if (!opts.readonly) {
        if (!memory) this.db.pragma('journal_mode = WAL');
        // WAL + NORMAL: a committed transaction survives a killed process; only an OS crash may lose the last one.
        this.db.pragma('synchronous = NORMAL');
      }
      this.db.pragma('foreign_keys = ON');
      this.migrate(!!opts.readonly);
    } catch (e) {
      this.db.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(
        `'${path}' is not a usable headroom database: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /** The names of the file's own tables and indices (SQLite's internal ones left out). */
  private objectNames(): Set<string> {
    let rows: { name: string }[];
    try {
      rows = this.db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'",
        )
        .all() as { name: string }[];
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
        throw new StoreError(
          `'${this.path}' is not a SQLite database (${e instanceof Error ? e.message : String(e)}); give --db a new file name or a headroom database.`,
        );
      throw e;
    }
    return new Set(rows.map((r) => r.name));
  }

  /**
   * A database is headroom's or it is refused: an empty file (or one without tables) may become a headroom database;
   * one with tables needs headroom's `meta` schema version and `runs` table, at a version this headroom knows.
   */
  private checkOwnership(): void {
    const names = this.objectNames();
    if (names.size === 0) return;
    let version: number | null = null;
    if (names.has('meta') && names.has('runs')) {
      try {
        const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
          { value: unknown } | undefined;
        const v = row ? Number(row.value) : NaN;
        version = Number.isInteger(v) && v > 0 ? v : null;
      } catch {
        version = null; // a 'meta' table without key/value columns is another program's
      }
    }
    if (version === null) {
      const shown = [...names].slice(0, 5).join(', ') + (names.size > 5 ? ', …' : '');
      throw new StoreError(
        `'${this.path}' is another program's SQLite database (${shown}), not a headroom database; it is left untouched, give --db a new file name.`,
      );
    }
    if (version > SCHEMA_VERSION)
      throw new StoreError(
        `'${this.path}' has schema version ${version}, newer than this headroom's ${SCHEMA_VERSION}; update headroom.`,
      );
  }

  /** True when the file already has every table, index and column of this schema version (nothing to write). */
  private upToDate(): boolean {
    const names = this.objectNames();
    const expected = [...SCHEMA_SQL.matchAll(/CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)/g)].map((m) => m[1]);
    if (!expected.every((n) => names.has(n))) return false;
    if (this.schemaVersion() !== SCHEMA_VERSION) return false;
    return ADDED_COLUMNS.every((c) =>
      (this.db.prepare(`PRAGMA table_info(${c.table})`).all() as { name: string }[]).some(
        (col) => col.name === c.column,
      ),
    );
  }

  private migrate(readonly: boolean): void {
    if (readonly) {
      if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").get()) {
        throw new StoreError(`'${this.path}' is not a headroom database (no 'runs' table).`);
      }
      return;
    }
    // Opening a current database writes nothing: a read-only command, or one refused later, leaves the file as it was.
    if (this.upToDate()) return;
    this.db.transaction(() => {
      this.db.exec(SCHEMA_SQL);
      for (const c of ADDED_COLUMNS) {
        const cols = this.db.prepare(`PRAGMA table_info(${c.table})`).all() as { name: string }[];
        if (!cols.some((col) => col.name === c.column))
          this.db.exec(`ALTER TABLE ${c.table} ADD COLUMN ${c.column} ${c.decl}`);
      }
      this.db
        .prepare(
          "INSERT INTO meta(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .run(String(SCHEMA_VERSION));
    })();
  }

  /**
   * Runs fn in one transaction (nested calls become savepoints): all of its writes land, or none do if it throws.
   * fn must be synchronous — better-sqlite3 cannot keep a transaction open across an await.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  // ------------------------------------------------------------------------------------------------------ runs

  /** Inserts a run, or replaces every column of the run with the same key (its id and epochs stay). Returns the id. */
  upsertRun(r: RunInput): number {
    const row = this.db
      .prepare(
        `INSERT INTO runs (key, grid, dataset, model, head, seed, config, status, diverged_epoch, error, val_acc, test_acc,
           ece, seconds_per_epoch, repr, command, machine, started_at, finished_at)
         VALUES (@key, @grid, @dataset, @model, @head, @seed, @config, @status, @divergedEpoch, @error, @valAcc, @testAcc,
           @ece, @secondsPerEpoch, @repr, @command, @machine, @startedAt, @finishedAt)
         ON CONFLICT(key) DO UPDATE SET grid = excluded.grid, dataset = excluded.dataset, model = excluded.model,
           head = excluded.head, seed = excluded.seed, config = excluded.config, status = excluded.status,
           diverged_epoch = excluded.diverged_epoch, error = excluded.error, val_acc = excluded.val_acc,
           test_acc = excluded.test_acc, ece = excluded.ece, seconds_per_epoch = excluded.seconds_per_epoch,
           repr = excluded.repr, command = excluded.command, machine = excluded.machine,
           started_at = excluded.started_at, finished_at = excluded.finished_at
         RETURNING id`,
      )
      .get({
        key: r.key,
        grid: r.grid ?? null,
        dataset: r.dataset,
        model: r.model,
        head: r.head,
        seed: r.seed,
        config: JSON.stringify(r.config),
        status: r.status,
        divergedEpoch: r.divergedEpoch ?? null,
        error: r.error ?? null,
        valAcc: real(r.valAcc),
        testAcc: real(r.testAcc),
        ece: real(r.ece),
        secondsPerEpoch: real(r.secondsPerEpoch),
        repr: json(r.repr),
        command: r.command ?? null,
        machine: r.machine ?? null,
        startedAt: r.startedAt ?? null,
        finishedAt: r.finishedAt ?? null,
      }) as { id: number };
    return row.id;
  }

  /** Inserts or replaces epoch rows of one run, all in one transaction. */
  addEpochs(runId: number, epochs: readonly EpochInput[]): void {
    const stmt = this.db.prepare(
      `INSERT INTO epochs (run_id, epoch, train_loss, val_acc, test_acc, seconds) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(run_id, epoch) DO UPDATE SET train_loss = excluded.train_loss, val_acc = excluded.val_acc,
         test_acc = excluded.test_acc, seconds = excluded.seconds`,
    );
    this.transaction(() => {
      for (const e of epochs)
        stmt.run(runId, e.epoch, real(e.trainLoss), real(e.valAcc), real(e.testAcc), real(e.seconds));
    });
  }

  /**
   * Stores a finished run and exactly its epochs (older epochs of the same key are replaced) in one transaction.
   * Returns the run id.
   */
  saveRun(s: SaveRunInput): number {
    const { result } = s;
    const finishedAt = s.finishedAt ?? this.now();
    const total = result.epochs.reduce((acc, e) => acc + (Number.isFinite(e.seconds) ? e.seconds : 0), 0);
    const startedAt = s.startedAt ?? new Date(Date.parse(finishedAt) - total * 1000).toISOString();
    return this.transaction(() => {
      const id = this.upsertRun({
        key: s.key,
        grid: s.grid ?? null,
        dataset: result.config.dataset,
        model: result.config.model,
        head: result.config.head,
        seed: result.config.seed,
        config: result.config,
        status: result.status,
        divergedEpoch: result.divergedEpoch ?? null,
        error: result.error ?? null,
        valAcc: result.final.valAcc,
        testAcc: result.final.testAcc ?? null,
        ece: result.final.ece ?? null,
        secondsPerEpoch: result.final.secondsPerEpoch,
        repr: result.final.repr ?? null,
        command: s.command ?? null,
        machine: s.machine ?? null,
        startedAt,
        finishedAt,
      });
      this.db.prepare('DELETE FROM epochs WHERE run_id = ?').run(id);
      this.addEpochs(id, result.epochs);
      // A re-trained run's features changed: drop them and any CKA computed from them.
      this.db.prepare('DELETE FROM run_features WHERE run_id = ?').run(id);
      this.db.prepare('DELETE FROM cka WHERE run_a = ? OR run_b = ?').run(id, id);
      if (result.final.features) this.saveFeatures(id, result.final.features);
      return id;
    });
  }

  private readonly tables = new Map<string, boolean>();

  /** Whether a table exists: a database opened read-only may predate the representation tables. */
  private hasTable(name: string): boolean {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = !!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name);
      this.tables.set(name, t);
    }
    return t;
  }

  saveFeatures(runId: number, f: FeatureSketch): void {
    const data = Buffer.from(f.base64, 'base64');
    if (data.length !== f.rows * f.cols * 4)
      throw new Error(
        `run_features: ${data.length} bytes for ${f.rows}×${f.cols} float32 (want ${f.rows * f.cols * 4})`,
      );
    this.db
      .prepare('INSERT OR REPLACE INTO run_features (run_id, rows, cols, data) VALUES (?, ?, ?, ?)')
      .run(runId, f.rows, f.cols, data);
  }

  /** The stored features of a run as a row-major float32 array, or undefined. */
  getFeatures(runId: number): { rows: number; cols: number; data: Float32Array } | undefined {
    if (!this.hasTable('run_features')) return undefined;
    const r = this.db.prepare('SELECT rows, cols, data FROM run_features WHERE run_id = ?').get(runId) as
      { rows: number; cols: number; data: Buffer } | undefined;
    if (!r) return undefined;
    // Copy: the Buffer may not be 4-byte aligned.
    const data = new Float32Array(r.rows * r.cols);
    new Uint8Array(data.buffer).set(r.data.subarray(0, data.byteLength));
    return { rows: r.rows, cols: r.cols, data };
  }

  hasFeatures(runId: number): boolean {
    if (!this.hasTable('run_features')) return false;
    return this.db.prepare('SELECT 1 FROM run_features WHERE run_id = ?').get(runId) !== undefined;
  }

  saveCka(row: CkaRow): void {
    const [a, b] = row.runA < row.runB ? [row.runA, row.runB] : [row.runB, row.runA];
    this.db
      .prepare('INSERT OR REPLACE INTO cka (run_a, run_b, examples, value) VALUES (?, ?, ?, ?)')
      .run(a, b, row.examples, row.value !== null && Number.isFinite(row.value) ? row.value : null);
  }

  getCka(runA: number, runB: number): CkaRow | undefined {
    if (!this.hasTable('cka')) return undefined;
    const [a, b] = runA < runB ? [runA, runB] : [runB, runA];
    const r = this.db.prepare('SELECT * FROM cka WHERE run_a = ? AND run_b = ?').get(a, b) as
      { run_a: number; run_b: number; examples: number; value: number | null } | undefined;
    return r ? { runA: r.run_a, runB: r.run_b, examples: r.examples, value: r.value } : undefined;
  }

  /** Every CKA row whose two runs are both among `runIds`. */
  listCka(runIds: readonly number[]): CkaRow[] {
    if (runIds.length === 0 || !this.hasTable('cka')) return [];
    const ids = new Set(runIds);
    const rows = this.db.prepare('SELECT * FROM cka').all() as Array<{
      run_a: number;
      run_b: number;
      examples: number;
      value: number | null;
    }>;
    return rows
      .filter((r) => ids.has(r.run_a) && ids.has(r.run_b))
      .map((r) => ({ runA: r.run_a, runB: r.run_b, examples: r.examples, value: r.value }));
  }

  getRunByKey<C = Record<string, unknown>>(key: string): RunRecord<C> | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE key = ?').get(key) as Row | undefined;
    return r ? toRun<C>(r) : undefined;
  }

  getRun<C = Record<string, unknown>>(id: number): RunRecord<C> | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return r ? toRun<C>(r) : undefined;
  }

  /** Runs matching every given filter, in insertion order. */
  listRuns<C = Record<string, unknown>>(f: RunFilter = {}): RunRecord<C>[] {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['grid', f.grid],
      ['dataset', f.dataset],
      ['model', f.model],
      ['head', f.head],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    const inList = (col: string, vs: readonly string[]): void => {
      where.push(vs.length === 0 ? '0' : `${col} IN (${vs.map(() => '?').join(', ')})`);
      args.push(...vs);
    };
    if (f.status !== undefined) inList('status', Array.isArray(f.status) ? f.status : [f.status]);
    if (f.keys !== undefined) inList('key', f.keys);
    const sql = `SELECT * FROM runs${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY id`;
    return (this.db.prepare(sql).all(...args) as Row[]).map((r) => toRun<C>(r));
  }

  /** Epochs of one run, by epoch. */
  /**
   * Journals one job event (a run started, an epoch finished) while the run is in flight, so that a reader of the
   * database sees progress before the run's row exists. Finished runs stay in `runs`/`epochs`; this is the live part.
   */
  addJobEvent(e: JobEventInput): number {
    const r = this.db
      .prepare(
        'INSERT INTO job_events (job_id, run_key, grid, type, epoch, payload, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        e.jobId,
        e.runKey ?? null,
        e.grid ?? null,
        e.type,
        e.epoch ?? null,
        JSON.stringify(e.payload),
        this.now(),
      );
    return Number(r.lastInsertRowid);
  }

  /** Journaled job events after `afterId` (all by default), oldest first. */
  listJobEvents(opts: { afterId?: number; grid?: string } = {}): JobEventRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, job_id, run_key, grid, type, epoch, payload, at FROM job_events
         WHERE id > ? AND (? IS NULL OR grid = ?) ORDER BY id`,
      )
      .all(opts.afterId ?? 0, opts.grid ?? null, opts.grid ?? null) as Array<{
      id: number;
      job_id: string;
      run_key: string | null;
      grid: string | null;
      type: string;
      epoch: number | null;
      payload: string;
      at: string;
    }>;
    return rows.map((r) => ({
      id: r.id,
      jobId: r.job_id,
      runKey: r.run_key,
      grid: r.grid,
      type: r.type,
      epoch: r.epoch,
      payload: JSON.parse(r.payload) as unknown,
      at: r.at,
    }));
  }

  listEpochs(runId: number): EpochRecordRow[] {
    return (this.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch').all(runId) as Row[]).map(
      toEpoch,
    );
  }

  /** Epochs of several runs, by run then epoch. */
  listEpochsOf(runIds: readonly number[]): EpochRecordRow[] {
    if (runIds.length === 0) return [];
    const out: EpochRecordRow[] = [];
    // SQLite caps bound parameters; chunk long id lists.
    for (let i = 0; i < runIds.length; i += 500) {
      const chunk = runIds.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT * FROM epochs WHERE run_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY run_id, epoch`,
        )
        .all(...chunk) as Row[];
      out.push(...rows.map(toEpoch));
    }
    return out.sort((a, b) => a.runId - b.runId || a.epoch - b.epoch);
  }

  // --------------------------------------------------------------------------------------------------- studies

  /** Creates a study; a second study with the same name is a StoreError (resume it instead). */
  createStudy(name: string, space: string, config: string | object): StudyRow {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    try {
      const r = this.db
        .prepare('INSERT INTO studies (name, space, config, created_at) VALUES (?, ?, ?, ?) RETURNING *')
        .get(name, space, text, this.now()) as Row;
      return toStudy(r);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new StoreError(
          `study '${name}' already exists in ${this.path}; resume it with --resume or pick another --study name.`,
        );
      }
      throw e;
    }
  }

  getStudy(name: string): StudyRow | undefined {
    const r = this.db.prepare('SELECT * FROM studies WHERE name = ?').get(name) as Row | undefined;
    return r ? toStudy(r) : undefined;
  }

  getStudyById(id: number): StudyRow | undefined {
    const r = this.db.prepare('SELECT * FROM studies WHERE id = ?').get(id) as Row | undefined;
    return r ? toStudy(r) : undefined;
  }

  listStudies(): StudyRow[] {
    return (this.db.prepare('SELECT * FROM studies ORDER BY id').all() as Row[]).map(toStudy);
  }

  updateStudyConfig(id: number, config: string | object): void {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    const info = this.db.prepare('UPDATE studies SET config = ? WHERE id = ?').run(text, id);
    if (info.changes === 0) throw new StoreError(`no study with id ${id} in ${this.path}`);
  }

  /**
   * Notes the settings of a study a command is about to create (a `meta` row 'pending-study:<name>'), so that when the
   * command dies before the study row is written, `search --resume` can still start it from those settings.
   */
  setPendingStudy(name: string, config: string | object): void {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    this.db
      .prepare(
        'INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(`pending-study:${name}`, text);
  }

  /** The settings noted by setPendingStudy, or undefined. */
  getPendingStudy(name: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(`pending-study:${name}`) as
      { value: string } | undefined;
    return row?.value;
  }

  clearPendingStudy(name: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(`pending-study:${name}`);
  }

  // ---------------------------------------------------------------------------------------------------- trials

  /** The number the next trial of the study gets: one more than the largest so far, 0 for the first. */
  nextTrialNumber(studyId: number): number {
    const r = this.db.prepare('SELECT MAX(number) AS m FROM trials WHERE study_id = ?').get(studyId) as {
      m: number | null;
    };
    return r.m === null ? 0 : r.m + 1;
  }

  /** Adds a trial (number assigned atomically when not given). Returns its id. */
  addTrial(studyId: number, t: TrialInput): number {
    const state = t.state ?? 'queued';
    checkState(state);
    return this.transaction(() => {
      const number = t.number ?? this.nextTrialNumber(studyId);
      const now = this.now();
      try {
        const r = this.db
          .prepare(
            `INSERT INTO trials (study_id, number, expr, params, hash, state, reject_reason, rung, metrics, seed, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          )
          .get(
            studyId,
            number,
            t.expr,
            json(t.params),
            t.hash ?? null,
            state,
            t.rejectReason ?? null,
            t.rung ?? 0,
            json(t.metrics),
            t.seed,
            now,
            now,
          ) as { id: number };
        return r.id;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new StoreError(`study ${studyId} already has a trial number ${number}`);
        if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
          throw new StoreError(`no study with id ${studyId} in ${this.path}`);
        throw e;
      }
    });
  }

  getTrial<M = unknown, P = unknown, R extends string = string>(
    id: number,
  ): TrialRecord<M, P, R> | undefined {
    const r = this.db.prepare('SELECT * FROM trials WHERE id = ?').get(id) as Row | undefined;
    return r ? toTrial<M, P, R>(r) : undefined;
  }

  /** Changes some fields of a trial and stamps updated_at. Unknown id: StoreError. */
  updateTrial(id: number, patch: TrialPatch): void {
    const sets: string[] = ['updated_at = ?'];
    const args: unknown[] = [this.now()];
    if (patch.state !== undefined) {
      checkState(patch.state);
      sets.push('state = ?');
      args.push(patch.state);
    }
    if (patch.rung !== undefined) {
      sets.push('rung = ?');
      args.push(patch.rung);
    }
    if (patch.metrics !== undefined) {
      sets.push('metrics = ?');
      args.push(json(patch.metrics));
    }
    if (patch.rejectReason !== undefined) {
      sets.push('reject_reason = ?');
      args.push(patch.rejectReason);
    }
    const info = this.db.prepare(`UPDATE trials SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
    if (info.changes === 0) throw new StoreError(`no trial with id ${id} in ${this.path}`);
  }

  /** The search driver's shorthand: state and rung, and metrics when given (undefined keeps, null clears). */
  setTrialState(id: number, state: TrialState, rung: number, metrics?: unknown): void {
    this.updateTrial(id, { state, rung, metrics });
  }

  /** Trials of a study by number, optionally only in the given state(s). */
  listTrials<M = unknown, P = unknown, R extends string = string>(
    studyId: number,
    opts: { state?: TrialState | readonly TrialState[] } = {},
  ): TrialRecord<M, P, R>[] {
    const states =
      opts.state === undefined ? undefined : typeof opts.state === 'string' ? [opts.state] : [...opts.state];
    const where = states === undefined ? '' : ` AND state IN (${states.map(() => '?').join(', ') || "''"})`;
    const rows = this.db
      .prepare(`SELECT * FROM trials WHERE study_id = ?${where} ORDER BY number`)
      .all(studyId, ...(states ?? [])) as Row[];
    return rows.map((r) => toTrial<M, P, R>(r));
  }

  findTrialsByHash<M = unknown, P = unknown, R extends string = string>(
    studyId: number,
    hash: string,
  ): TrialRecord<M, P, R>[] {
    const rows = this.db
      .prepare('SELECT * FROM trials WHERE study_id = ? AND hash = ? ORDER BY number')
      .all(studyId, hash) as Row[];
    return rows.map((r) => toTrial<M, P, R>(r));
  }

  /** Trial counts per state (every state present, zeros included). */
  countTrials(studyId: number): Record<TrialState, number> {
    const out = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
    const rows = this.db
      .prepare('SELECT state, COUNT(*) AS n FROM trials WHERE study_id = ? GROUP BY state')
      .all(studyId) as {
      state: TrialState;
      n: number;
    }[];
    for (const r of rows) out[r.state] = r.n;
    return out;
  }

  /** On resume: trials left 'running' by a dead driver go back to 'queued'. Returns how many. */
  requeueRunning(studyId: number): number {
    return this.db
      .prepare("UPDATE trials SET state = 'queued', updated_at = ? WHERE study_id = ? AND state = 'running'")
      .run(this.now(), studyId).changes;
  }

  // ----------------------------------------------------------------------------------------------- trial rungs

  /** Records one rung's result (replacing an earlier record of the same rung, so a re-run after resume is harmless). */
  addRung(row: RungInput): void {
    const m = row.metrics;
    try {
      this.db
        .prepare(
          `INSERT INTO trial_rungs (trial_id, rung, val_acc, speed, seconds, metrics) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(trial_id, rung) DO UPDATE SET val_acc = excluded.val_acc, speed = excluded.speed,
             seconds = excluded.seconds, metrics = excluded.metrics`,
        )
        .run(row.trialId, row.rung, real(m.valAcc), real(m.speed), real(m.seconds), JSON.stringify(m));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new StoreError(`no trial with id ${row.trialId} in ${this.path}`);
      }
      throw e;
    }
  }

  /** Rung records of every trial of a study, by trial id then rung. */
  listRungs<M = RungInput['metrics']>(studyId: number): RungRecord<M>[] {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM trial_rungs r JOIN trials t ON t.id = r.trial_id WHERE t.study_id = ? ORDER BY r.trial_id, r.rung`,
      )
      .all(studyId) as Row[];
    return rows.map((r) => toRung<M>(r));
  }

  /** Rung records of one trial. */
  listTrialRungs<M = RungInput['metrics']>(trialId: number): RungRecord<M>[] {
    const rows = this.db
      .prepare('SELECT * FROM trial_rungs WHERE trial_id = ? ORDER BY rung')
      .all(trialId) as Row[];
    return rows.map((r) => toRung<M>(r));
  }
}

/** Opens (creating when needed) a headroom database: WAL, busy timeout, schema and version checked. */
export function openStore(path: string, opts: OpenOptions = {}): Store {
  return new Store(path, opts);
}
