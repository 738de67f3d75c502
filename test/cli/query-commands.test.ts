/**
 * `headroom ls`, `show` and `export` return the stored numbers: every value they print is checked against the store
 * it was read from (the report's rich fixture: two panels, four heads, a diverged run, a study and its confirmation).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { richFixture } from '../report/fixture.js';
import { run as ls } from '../../src/cli/commands/ls.js';
import { run as show } from '../../src/cli/commands/show.js';
import { run as exportCmd } from '../../src/cli/commands/export.js';
import type { Overview, RunDetail, RunExport, TrialDetail, TrialExport } from '../../src/query/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let db: string;
let store: Store;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-query-cli-'));
  db = join(dir, 'rich.db');
  richFixture(db);
  store = openStore(db, { readonly: true });
});
after(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a command in this process and returns what it printed on stdout. */
async function capture(cmd: (argv: string[]) => Promise<number>, argv: string[]): Promise<string> {
  let out = '';
  const log = console.log;
  const write = process.stdout.write.bind(process.stdout);
  console.log = (...a: unknown[]) => (out += `${a.map(String).join(' ')}\n`);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    assert.equal(await cmd(argv), 0);
  } finally {
    console.log = log;
    process.stdout.write = write;
  }
  return out;
}

/** A minimal RFC 4180 reader: quoted cells with doubled quotes and commas. */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

test('ls: every grid and study with counts that match the store', async () => {
  const o = JSON.parse(await capture(ls, ['--db', db, '--json'])) as Overview;
  const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;
  assert.deepEqual(
    o.grids.map((g) => g.name),
    ['compare', 'confirm:delta-search'],
  );
  const compare = o.grids[0]!;
  assert.equal(
    compare.counts.ok,
    count("SELECT COUNT(*) AS n FROM runs WHERE grid = 'compare' AND status = 'ok'"),
  );
  assert.equal(compare.counts.diverged, 1);
  assert.equal(compare.counts.total, count("SELECT COUNT(*) AS n FROM runs WHERE grid = 'compare'"));
  assert.deepEqual(compare.panels, ['fashion-mnist · keras-cnn', 'mnist · keras-mlp']);
  assert.equal(compare.state, 'complete');
  assert.equal(o.grids[1]!.kind, 'confirm');
  assert.equal(o.grids[1]!.study, 'delta-search');
  const s = o.studies[0]!;
  assert.equal(s.name, 'delta-search');
  assert.equal(s.trials, count('SELECT COUNT(*) AS n FROM trials'));
  assert.equal(s.states.rejected, count("SELECT COUNT(*) AS n FROM trials WHERE state = 'rejected'"));
  assert.deepEqual(
    s.rungs.map((r) => r.trials),
    [0, 1].map((r) => count(`SELECT COUNT(*) AS n FROM trial_rungs WHERE rung = ${r}`)),
  );
  assert.deepEqual(s.confirmGrids, ['confirm:delta-search']);
  const text = await capture(ls, ['--db', db]);
  assert.match(text, /^compare\s+complete\s+25\/25 \(1 diverged\)/m);
  assert.match(text, /^delta-search\s+delta/m);
});

test('show RUN: config, every epoch and the command, as stored', async () => {
  const run = store.listRuns({ grid: 'compare' })[3]!;
  const d = JSON.parse(await capture(show, ['--db', db, String(run.id), '--json'])) as RunDetail;
  assert.equal(d.key, run.key);
  assert.deepEqual(d.config, run.config);
  assert.equal(d.command, run.command);
  assert.equal(d.valAcc, run.valAcc);
  assert.equal(d.testAcc, run.testAcc);
  assert.deepEqual(
    d.curve.map((c) => [c.epoch, c.valAcc, c.trainLoss]),
    store.listEpochs(run.id).map((e) => [e.epoch, e.valAcc, e.trainLoss]),
  );
  const text = await capture(show, [run.key, '--db', db]);
  assert.ok(text.includes(run.command!));
  for (const e of store.listEpochs(run.id)) assert.ok(text.includes(`${(100 * e.valAcc).toFixed(2)}%`));
});

test('show STUDY#N: the trial, its rungs and the commands', async () => {
  const row = store.getStudy('delta-search')!;
  const t = store.listTrials(row.id).find((x) => x.state === 'complete')!;
  const d = JSON.parse(
    await capture(show, ['--db', db, `delta-search#${t.number}`, '--json']),
  ) as TrialDetail;
  assert.equal(d.expr, t.expr);
  assert.equal(d.state, t.state);
  assert.deepEqual(
    d.rungs.map((r) => [r.rung, r.valAcc, r.speed]),
    store.listTrialRungs(t.id).map((r) => [r.rung, r.valAcc, r.speed]),
  );
  assert.match(d.command, /^headroom search --space delta --study delta-search --db /);
});

test('export: one CSV row per run with its final and per-epoch numbers, JSON per grid, trials per study', async () => {
  const csv = parseCsv(await capture(exportCmd, ['--db', db, '--format', 'csv']));
  const runs = store.listRuns();
  assert.equal(csv.length, runs.length);
  for (const row of csv) {
    const r = runs.find((x) => x.id === Number(row.id))!;
    assert.equal(row.key, r.key);
    assert.equal(row.valAcc === '' ? null : Number(row.valAcc), r.valAcc);
    assert.equal(row.testAcc === '' ? null : Number(row.testAcc), r.testAcc);
    assert.deepEqual(JSON.parse(row.config!), r.config);
    const epochs = store.listEpochs(r.id);
    for (const e of epochs) assert.equal(Number(row[`val_acc_e${e.epoch}`]), e.valAcc);
    assert.equal(row[`val_acc_e${epochs.length + 1}`] ?? '', '');
  }
  const confirm = JSON.parse(
    await capture(exportCmd, ['--db', db, '--format', 'json', '--grid', 'confirm:delta-search']),
  ) as RunExport[];
  assert.equal(confirm.length, store.listRuns({ grid: 'confirm:delta-search' }).length);
  const trials = JSON.parse(
    await capture(exportCmd, ['--db', db, '--format', 'json', '--study', 'delta-search']),
  ) as TrialExport[];
  const stored = store.listTrials(store.getStudy('delta-search')!.id);
  assert.deepEqual(
    trials.map((t) => [t.number, t.expr, t.state]),
    stored.map((t) => [t.number, t.expr, t.state]),
  );
  for (const t of trials) {
    const id = stored.find((x) => x.number === t.number)!.id;
    assert.deepEqual(
      t.rungs.map((r) => r.valAcc),
      store.listTrialRungs(id).map((r) => r.valAcc),
    );
  }
  const out = join(dir, 'runs.csv');
  await capture(exportCmd, ['--db', db, '--out', out]);
  assert.equal(parseCsv(readFileSync(out, 'utf8')).length, runs.length);
});

test('a name that matches nothing: exit 2, one line listing what exists, the database untouched', async () => {
  const before = statSync(db).mtimeMs;
  const cases: [typeof show, string[], RegExp][] = [
    [show, ['--db', db, '9999'], /no run '9999'/],
    [show, ['--db', db, 'nope#3'], /no study 'nope'.*studies there: delta-search/],
    [
      exportCmd,
      ['--db', db, '--grid', 'nope'],
      /--grid 'nope' matches no finished run.*grids there: compare, confirm:delta-search/,
    ],
    [show, ['--db', db], /name a RUN/],
  ];
  for (const [cmd, args, re] of cases)
    await assert.rejects(
      capture(cmd, args),
      (e: Error & { exitCode?: number }) => e.exitCode === 2 && re.test(e.message),
    );
  // Through the CLI's entry point: exit code 2 and the message as one line.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'show', '--db', db, '9999'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^headroom: show: no run '9999'/);
  assert.equal(statSync(db).mtimeMs, before);
});
