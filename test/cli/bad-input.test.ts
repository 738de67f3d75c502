// Bad input and faults against the built CLI (node bin/headroom.js, i.e. dist/): every case exits with its code and
// one line on stderr (no stack trace), and creates or changes no file. Also: a full disk mid-grid (a small tmpfs), and
// `search --resume` of a study whose first command died before creating it.
//
// The read-only and disk-full cases mount tmpfs file systems, which needs root (CI runs as root); without it the test
// fails and says so rather than skipping them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { makeStudyConfig, parseLadder } from '../../src/search/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'headroom.js');

/** The built CLI must be current, or this test would check yesterday's code. */
function assertDistFresh(): void {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), p)).replace(/\.ts$/, '.js');
        let outTime = 0;
        try {
          outTime = statSync(out).mtimeMs;
        } catch {
          outTime = 0;
        }
        if (outTime < statSync(p).mtimeMs) stale.push(relative(ROOT, p));
      }
    }
  };
  walk(join(ROOT, 'src'));
  assert.deepEqual(
    stale,
    [],
    `dist/ is older than ${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}: run \`npx tsc -p tsconfig.build.json\` (npm test builds it through scripts/setup.sh)`,
  );
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function headroom(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HEADROOM_THREADS: '1' };
    delete env.HEADROOM_DEBUG;
    delete env.HEADROOM_DATA;
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every file under `dir` with a hash of its content (folders as 'dir'): what "nothing created or changed" compares. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(relative(dir, p), 'dir');
        walk(p);
      } else out.set(relative(dir, p), createHash('sha1').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [k, v] of after)
    if (!before.has(k)) changes.push(`created ${k}`);
    else if (before.get(k) !== v) changes.push(`changed ${k}`);
  for (const k of before.keys()) if (!after.has(k)) changes.push(`removed ${k}`);
  return changes;
}

function mountTmpfs(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0)
    assert.fail(
      `cannot mount a tmpfs (${options}) at ${dir}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}. ` +
        'The read-only and disk-full cases need root (CI runs as root); run the tests as root.',
    );
}

function unmount(dir: string): void {
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
}

/** A small IDX file: magic, big-endian dims, then `bytes` data bytes (fewer than the dims say when truncated). */
function idx(magic: number, dims: number[], bytes = dims.reduce((a, d) => a * d, 1)): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(Array.from({ length: bytes }, (_, i) => i % 10))]);
}

function writeMnistLike(dir: string, kind: 'magic' | 'truncated' | '27x27'): void {
  mkdirSync(dir, { recursive: true });
  for (const [set, n] of [
    ['train', 30],
    ['t10k', 10],
  ] as const) {
    const side = kind === '27x27' ? 27 : 28;
    const images =
      kind === 'magic'
        ? idx(0x00000804, [n, side, side])
        : kind === 'truncated'
          ? idx(0x00000803, [n, side, side], 100)
          : idx(0x00000803, [n, side, side]);
    writeFileSync(join(dir, `${set}-images-idx3-ubyte`), images);
    writeFileSync(join(dir, `${set}-labels-idx1-ubyte`), idx(0x00000801, [n]));
  }
}

/** Fixtures every case reads: other programs' and newer databases, a headroom database, data folders, a file. */
function makeFixtures(fx: string): void {
  mkdirSync(fx, { recursive: true });
  const other = new Database(join(fx, 'other.db'));
  other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ada')");
  other.close();
  const h = openStore(join(fx, 'h.db'));
  h.upsertRun({
    key: 'k1',
    grid: 'g1',
    dataset: 'mnist',
    model: 'keras-mlp',
    head: 'softmax-ce',
    seed: 1,
    config: {},
    status: 'ok',
    valAcc: 0.9,
    testAcc: 0.9,
  });
  h.createStudy('s1', 'delta', { config: makeStudyConfig({ space: 'delta' }) });
  h.close();
  const newer = openStore(join(fx, 'newer.db'));
  newer.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
  newer.close();
  writeFileSync(join(fx, 'notes.txt'), 'not a database, just text\n'.repeat(50));
  writeFileSync(join(fx, 'afile'), 'a file, not a folder\n');
  mkdirSync(join(fx, 'data-empty'));
  writeMnistLike(join(fx, 'data-magic'), 'magic');
  writeMnistLike(join(fx, 'data-trunc'), 'truncated');
  writeMnistLike(join(fx, 'data-27'), '27x27');
}

interface Case {
  name: string;
  /** Arguments; FX and CASE in them are replaced by the fixture folder and the case's own (empty) folder. */
  args: string[];
  exit?: number;
  stderr: RegExp;
}

const COMPARE = [
  'compare',
  '--dataset',
  'mnist',
  '--model',
  'keras-mlp',
  '--heads',
  'softmax-ce',
  '--seeds',
  '1',
  '--epochs',
  '1',
  '--train-limit',
  '2000',
];
/** The compare base command with `over` replacing its options (or adding them), then `extra` as given. */
function compare(over: Record<string, string> = {}, extra: string[] = []): string[] {
  const args = [...COMPARE];
  for (const [k, v] of Object.entries(over)) {
    const i = args.indexOf(`--${k}`);
    if (i >= 0) args[i + 1] = v;
    else args.push(`--${k}`, v);
  }
  if (!('db' in over)) args.push('--db', 'CASE/x.db');
  return [...args, ...extra];
}

// The issue's cases and more of the same kind; the validators' finer points are unit-tested in args.test.ts.
const CASES: Case[] = [
  // Accepted silently before, now refused at parse time.
  { name: '--lr -1', args: compare({ lr: '-1' }), stderr: /compare: --lr must be a number > 0, got '-1'/ },
  { name: '--lr 0', args: compare({ lr: '0' }), stderr: /--lr must be a number > 0, got '0'/ },
  { name: "--lr ''", args: compare({ lr: '' }), stderr: /--lr must be a number > 0, got ''/ },
  {
    name: '--target-acc 5',
    args: compare({ 'target-acc': '5' }),
    stderr: /--target-acc must be a number in \(0, 1\]/,
  },
  {
    name: '--workers 1000',
    args: compare({ workers: '1000' }),
    stderr: /--workers must be an integer in 0…\d+ \(at most 4 × \d+ cores?\)/,
  },
  {
    name: '--batch-size 10000000',
    args: compare({ 'batch-size': '10000000' }),
    stderr: /--batch-size 10000000 is larger than the 2000 training examples of mnist.*use at most 2000/,
  },
  {
    name: 'stray positional word',
    args: compare({}, ['extra-word']),
    stderr: /compare: unexpected argument 'extra-word'/,
  },
  {
    name: '--seeds 100000000',
    args: compare({ seeds: '100000000' }),
    stderr: /--seeds must be an integer in 1…10000/,
  },
  { name: '--epochs 0', args: compare({ epochs: '0' }), stderr: /--epochs must be an integer in 1…10000/ },
  {
    name: '--first-seed 0',
    args: compare({ 'first-seed': '0' }),
    stderr: /--first-seed must be an integer in 1…/,
  },
  { name: '--seeds given twice', args: compare({}, ['--seeds', '2']), stderr: /--seeds is given twice/ },
  {
    name: 'misspelt option',
    args: compare({}, ['--jsn']),
    stderr: /unknown option '--jsn' \(did you mean --json\?\)/,
  },
  {
    name: '--features linear on a body without a linear feature layer',
    args: compare({ model: 'resnet20', features: 'linear' }),
    stderr:
      /resnet20 has no linear feature layer .*use --features linear with keras-mlp, keras-cnn, paper-fcn or lenet5/,
  },
  {
    name: '--features relu',
    args: compare({ features: 'relu' }),
    stderr: /--features 'relu' matches nothing; use one of linear/,
  },
  // Names that match nothing are refused, listing what exists.
  {
    name: 'unknown head',
    args: compare({ heads: 'softmax-ce,nosuch' }),
    stderr: /--heads 'nosuch' matches nothing; use .*softmax-ce.*oland-exp/,
  },
  {
    name: 'unknown model',
    args: compare({ model: 'nosuch' }),
    stderr: /--model 'nosuch' matches nothing; use .*keras-mlp/,
  },
  {
    name: 'unknown dataset',
    args: compare({ dataset: 'nosuch' }),
    stderr: /--dataset 'nosuch' matches nothing; use .*fashion-mnist/,
  },
  {
    name: 'unknown baseline',
    args: compare({ baseline: 'nosuch' }),
    stderr: /--baseline 'nosuch' matches nothing; use one of .*softmax-ce/,
  },
  {
    name: 'report --grid nosuch',
    args: ['report', '--db', 'FX/h.db', '--grid', 'nosuch', '--out', 'CASE/r.html'],
    stderr: /--grid 'nosuch' matches no run .*grids there: g1/,
  },
  {
    name: 'report --study nosuch',
    args: ['report', '--db', 'FX/h.db', '--study', 'nosuch', '--out', 'CASE/r.html'],
    stderr: /--study 'nosuch' matches no study .*studies there: s1/,
  },
  {
    name: 'report --baseline nosuch',
    args: ['report', '--db', 'FX/h.db', '--baseline', 'nosuch', '--out', 'CASE/r.html'],
    stderr: /--baseline 'nosuch' matches no run's head .*heads there: softmax-ce/,
  },
  {
    name: 'confirm --baseline nosuch',
    args: ['confirm', '--study', 's1', '--db', 'FX/h.db', '--baseline', 'nosuch'],
    stderr: /confirm: --baseline 'nosuch' matches nothing/,
  },
  {
    name: 'confirm --study nosuch',
    args: ['confirm', '--study', 'nosuch', '--db', 'FX/h.db'],
    stderr: /confirm: no study 'nosuch' in .*studies there: s1/,
  },
  {
    name: 'confirm --trials with --top',
    args: ['confirm', '--study', 's1', '--db', 'FX/h.db', '--trials', '3', '--top', '2'],
    stderr: /confirm: --top and --trials both choose the candidates; give one/,
  },
  {
    name: 'confirm --trials x',
    args: ['confirm', '--study', 's1', '--db', 'FX/h.db', '--trials', '3,x'],
    stderr: /confirm: --trials takes trial numbers such as 2146,6; got 'x'/,
  },
  {
    name: 'confirm --trials of a trial the study lacks',
    args: ['confirm', '--study', 's1', '--db', 'FX/h.db', '--trials', '7'],
    stderr: /study 's1' has no trained trial #7 with a validation score/,
  },
  {
    name: 'search --space nosuch',
    args: ['search', '--space', 'nosuch', '--study', 's', '--db', 'CASE/s.db'],
    stderr: /--space 'nosuch' matches nothing; use one of loss, delta/,
  },
  {
    name: 'search --resume nosuch',
    args: ['search', '--resume', '--study', 'nosuch', '--db', 'FX/h.db'],
    stderr: /--resume: no study 'nosuch' .*studies there: s1.*drop --resume/,
  },
  { name: 'unknown command', args: ['nosuch'], stderr: /unknown command 'nosuch'/ },
  // --data-dir: read for mnist and fashion-mnist, and a missing, empty or damaged folder is always an error.
  {
    name: '--data-dir missing',
    args: compare({ 'data-dir': 'FX/missing' }),
    stderr: /--data-dir .*missing: no such folder/,
  },
  {
    name: '--data-dir without mnist',
    args: compare({ 'data-dir': 'FX/data-empty' }),
    stderr: /does not hold mnist: no train-images-idx3-ubyte/,
  },
  {
    name: '--data-dir without fashion-mnist',
    args: compare({ dataset: 'fashion-mnist', 'data-dir': 'FX/data-empty' }),
    stderr: /does not hold fashion-mnist/,
  },
  {
    name: '--data-dir wrong magic',
    args: compare({ 'data-dir': 'FX/data-magic' }),
    stderr: /train-images-idx3-ubyte: wrong magic number 0x00000804/,
  },
  {
    name: '--data-dir truncated',
    args: compare({ 'data-dir': 'FX/data-trunc' }),
    stderr: /train-images-idx3-ubyte: truncated IDX file/,
  },
  {
    name: '--data-dir 27×27 images',
    args: compare({ 'data-dir': 'FX/data-27' }),
    stderr: /images are 27×27, but mnist images are 28×28/,
  },
  {
    name: 'datasets --data-dir missing',
    args: ['datasets', '--data-dir', 'FX/missing'],
    stderr: /datasets: --data-dir .*missing: no such folder/,
  },
  // --db: headroom's database or refused, untouched; file-system problems are one line with the path and a fix.
  {
    name: "another program's database",
    args: compare({ db: 'FX/other.db' }),
    stderr: /other\.db' is another program's SQLite database \(contacts\), not a headroom database/,
  },
  {
    name: 'a newer schema',
    args: compare({ db: 'FX/newer.db' }),
    stderr: /newer\.db' has schema version 99, newer than this headroom's/,
  },
  {
    name: 'not a SQLite file',
    args: compare({ db: 'FX/notes.txt' }),
    stderr: /notes\.txt' is not a SQLite database/,
  },
  {
    name: '--db under a file',
    args: compare({ db: 'FX/afile/x.db' }),
    stderr: /--db .*afile\/x\.db: .*afile is a file, not a folder/,
  },
  { name: '--db a folder', args: compare({ db: 'FX' }), stderr: /--db .* is a folder; give a file path/ },
  {
    name: '--db in a missing folder, read-only',
    args: compare({ db: 'FX/ro/missing/x.db' }),
    stderr: /cannot write in .*ro \(read-only file system\)/,
  },
  {
    name: '--db where mkdir fails',
    args: compare({ db: '/proc/headroom-missing/x.db' }),
    stderr: /cannot create the folder \/proc\/headroom-missing: no such file or folder/,
  },
  {
    name: 'report --out a folder',
    args: ['report', '--db', 'FX/h.db', '--out', 'FX'],
    stderr: /--out .* is a folder; give a file path, e.g. .*report\.html/,
  },
  {
    name: 'report --out read-only',
    args: ['report', '--db', 'FX/h.db', '--out', 'FX/ro/r.html'],
    stderr: /--out .*r\.html: cannot write in .*ro \(read-only file system\)/,
  },
  {
    name: 'report --out under a file',
    args: ['report', '--db', 'FX/h.db', '--out', 'FX/afile/r.html'],
    stderr: /afile is a file, not a folder/,
  },
];

test(
  'bad input: every case exits 2 with one line, no stack trace, and nothing created or changed',
  { timeout: 300_000 },
  async (t) => {
    assertDistFresh();
    const sandbox = mkdtempSync(join(tmpdir(), 'headroom-bad-input-'));
    const fx = join(sandbox, 'fx');
    try {
      makeFixtures(fx);
      mountTmpfs(join(fx, 'ro'), 'ro,size=1m');
      const fixtures = snapshot(fx);
      const failures: string[] = [];
      const seconds: Array<[string, number]> = [];
      const runCase = async (c: Case, i: number): Promise<void> => {
        const own = join(sandbox, `case-${i}`);
        mkdirSync(own);
        const args = c.args.map((a) => a.replace(/^FX/, fx).replace(/^CASE/, own));
        const t0 = Date.now();
        const r = await headroom(args, own);
        seconds.push([c.name, (Date.now() - t0) / 1000]);
        const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
        const problems: string[] = [];
        if (r.code !== (c.exit ?? 2)) problems.push(`exit ${r.code}, expected ${c.exit ?? 2}`);
        if (lines.length !== 1) problems.push(`${lines.length} stderr lines`);
        if (/^\s+at /m.test(r.stderr)) problems.push('a stack trace');
        if (!/^headroom: /.test(r.stderr)) problems.push("stderr does not start with 'headroom: '");
        if (!c.stderr.test(r.stderr)) problems.push(`stderr does not match ${c.stderr}`);
        const created = diff(new Map(), snapshot(own));
        if (created.length > 0) problems.push(created.join(', '));
        if (problems.length > 0)
          failures.push(
            `${c.name}: ${problems.join('; ')}\n    $ headroom ${args.join(' ')}\n    ${r.stderr.trim()}`,
          );
      };
      // Two at a time (the machine has two cores); each case is a process start and a check, no training.
      let next = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (next < CASES.length) {
            const i = next++;
            await runCase(CASES[i], i);
          }
        }),
      );
      seconds.sort((x, y) => y[1] - x[1]);
      t.diagnostic(
        `slowest: ${seconds
          .slice(0, 5)
          .map(([n, sec]) => `${n} ${sec.toFixed(1)} s`)
          .join(', ')}`,
      );
      const changed = diff(fixtures, snapshot(fx));
      if (changed.length > 0) failures.push(`fixtures: ${changed.join(', ')}`);
      assert.deepEqual(failures, [], `\n${failures.join('\n')}`);
    } finally {
      unmount(join(fx, 'ro'));
      rmSync(sandbox, { recursive: true, force: true });
    }
  },
);

test(
  'disk full: during a grid one line, exit 1, the database intact; writing a report, exit 2 and nothing left',
  { timeout: 120_000 },
  async () => {
    assertDistFresh();
    const sandbox = mkdtempSync(join(tmpdir(), 'headroom-disk-full-'));
    const full = join(sandbox, 'full');
    const small = join(sandbox, 'small');
    try {
      // 1 MB holds the schema but not a --repr run's 2 MB of stored features: the first run's write fills the disk.
      mountTmpfs(full, 'size=1m');
      const db = join(full, 'x.db');
      const r = await headroom(compare({ db, 'train-limit': '200' }, ['--repr']), sandbox);
      // Without a TTY, compare prints a plain progress line per finished epoch before the fault; the fault itself is
      // one line.
      const lines = r.stderr
        .split('\n')
        .filter((l) => l.trim() !== '' && !/^compare \d+\/\d+ runs · /.test(l));
      assert.equal(r.code, 1, r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(
        lines[0]!,
        /^headroom: compare: database .*x\.db: database or disk is full \(SQLITE_FULL\); free space on its disk\. The database .*x\.db is intact; rerun the same command to resume\./,
      );
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        assert.equal(d.pragma('integrity_check', { simple: true }), 'ok');
        assert.equal((d.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n, 0);
      } finally {
        d.close();
      }
      openStore(db).close(); // what the rerun does first: the file opens as a headroom database

      // A report (0.8 MB) on a 512 kB disk: ENOSPC before any stored work, so exit 2, and no partial file left.
      const h = join(sandbox, 'h.db');
      const s = openStore(h);
      s.upsertRun({
        key: 'k',
        grid: 'g',
        dataset: 'mnist',
        model: 'keras-mlp',
        head: 'softmax-ce',
        seed: 1,
        config: {},
        status: 'ok',
      });
      s.close();
      mountTmpfs(small, 'size=512k');
      const rep = await headroom(
        ['report', '--db', h, '--out', join(small, 'r.html'), '--no-deltas'],
        sandbox,
      );
      assert.equal(rep.code, 2, rep.stderr);
      assert.match(
        rep.stderr,
        /^headroom: report: cannot write .*r\.html.*: no space left on the device; free some space \(or pick a path on another disk\)\.\n$/,
      );
      assert.deepEqual(readdirSync(small), []);
    } finally {
      unmount(small);
      unmount(full);
      rmSync(sandbox, { recursive: true, force: true });
    }
  },
);

test(
  'search --resume starts a study whose first command died before creating it; other names stay errors',
  { timeout: 180_000 },
  async () => {
    assertDistFresh();
    const sandbox = mkdtempSync(join(tmpdir(), 'headroom-resume-pending-'));
    const db = join(sandbox, 's.db');
    try {
      // What the first command leaves when killed between noting its settings and the driver creating the study.
      const ladder = 'keras-mlp:200:1';
      const config = makeStudyConfig({ space: 'delta', seed: 1, ladder: parseLadder(ladder) });
      const store = openStore(db);
      store.setPendingStudy('s', { config });
      store.close();
      const r = await headroom(
        ['search', '--resume', '--study', 's', '--db', db, '--max-trials', '1', '--workers', '1', '--json'],
        sandbox,
      );
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { study: string; space: string; trials: Array<{ state: string }> };
      assert.equal(out.study, 's');
      assert.equal(out.space, 'delta');
      assert.equal(out.trials.filter((t) => t.state !== 'rejected').length, 1);
      const after = openStore(db);
      try {
        assert.ok(after.getStudy('s'), 'the study was created');
        assert.equal(after.getPendingStudy('s'), undefined, 'the note is gone once the study exists');
      } finally {
        after.close();
      }
      // A name no command ever tried is still an error, which names the studies that exist.
      const other = await headroom(['search', '--resume', '--study', 'typo', '--db', db], sandbox);
      assert.equal(other.code, 2, other.stderr);
      assert.match(
        other.stderr,
        /^headroom: search: --resume: no study 'typo' in .*\(studies there: s\); drop --resume to start it\.\n$/,
      );
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  },
);
