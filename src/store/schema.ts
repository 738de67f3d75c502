/**
 * The SQLite schema (docs/dev/contracts.md), plus a `meta` table with the schema version, a `metrics` JSON column on
 * trial_rungs (the whole rung record; val_acc/speed/seconds stay as columns for plain-SQL readers such as the report),
 * indices for the queries the store makes, and two representation tables: `run_features` (the body's features on the
 * first test examples, float32, kept so that cross-head CKA can be computed for runs of different processes and
 * sessions; large, and optional in committed copies) and `cka` (linear CKA between two runs' features).
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  grid TEXT,
  dataset TEXT NOT NULL,
  model TEXT NOT NULL,
  head TEXT NOT NULL,
  seed INTEGER NOT NULL,
  config TEXT NOT NULL,
  status TEXT NOT NULL,
  diverged_epoch INTEGER,
  error TEXT,
  val_acc REAL,
  test_acc REAL,
  ece REAL,
  seconds_per_epoch REAL,
  repr TEXT,
  command TEXT,
  machine TEXT,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX IF NOT EXISTS runs_grid ON runs(grid);
CREATE INDEX IF NOT EXISTS runs_cell ON runs(dataset, model, head);
CREATE TABLE IF NOT EXISTS epochs (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  train_loss REAL,
  val_acc REAL,
  test_acc REAL,
  seconds REAL,
  PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS studies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  space TEXT NOT NULL,
  config TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS trials (
  id INTEGER PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  expr TEXT NOT NULL,
  params TEXT,
  hash TEXT,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'complete', 'pruned', 'failed', 'rejected')),
  reject_reason TEXT,
  rung INTEGER NOT NULL DEFAULT 0,
  metrics TEXT,
  seed INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (study_id, number)
);
CREATE INDEX IF NOT EXISTS trials_state ON trials(study_id, state);
CREATE INDEX IF NOT EXISTS trials_hash ON trials(study_id, hash);
CREATE TABLE IF NOT EXISTS run_features (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  rows INTEGER NOT NULL,
  cols INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cka (
  run_a INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  run_b INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  examples INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (run_a, run_b),
  CHECK (run_a < run_b)
);
CREATE TABLE IF NOT EXISTS trial_rungs (
  trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  rung INTEGER NOT NULL,
  val_acc REAL,
  speed REAL,
  seconds REAL,
  metrics TEXT,
  PRIMARY KEY (trial_id, rung)
);
CREATE TABLE IF NOT EXISTS job_events (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  run_key TEXT,
  grid TEXT,
  type TEXT NOT NULL,
  epoch INTEGER,
  payload TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_events_run ON job_events(run_key);
`;

/** Columns added after a table may already exist in an older file (ALTER TABLE ADD COLUMN when missing). */
export const ADDED_COLUMNS: { table: string; column: string; decl: string }[] = [
  { table: 'trial_rungs', column: 'metrics', decl: 'TEXT' },
];
