// The option-table parser and its shared validators, in process (the CLI cases are in bad-input.test.ts), and the
// one-line failure messages of the CLI's error handler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, opt, parseOptions, UsageError, type OptionTable } from '../../src/cli/args.js';
import { describeFailure, resetWorkStarted, workStarted } from '../../src/cli/errors.js';

const TABLE = {
  lr: opt.number({ gt: 0 }),
  frac: opt.number({ gt: 0, lt: 1 }),
  epochs: opt.int({ min: 1, max: 100 }),
  seed: opt.int({ min: 0 }),
  kind: opt.choice(['sgd', 'adam']),
  heads: common.heads(),
  name: opt.text(),
  fast: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

/** The UsageError message parseOptions throws for `argv`. */
function refusal(argv: string[]): string {
  try {
    parseOptions('cmd', argv, TABLE);
  } catch (e) {
    assert.ok(e instanceof UsageError, `not a UsageError: ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

test('parseOptions: typed values, flags false when absent, values may start with a minus sign', () => {
  const v = parseOptions(
    'cmd',
    ['--lr', '0.5', '--epochs=3', '--kind', 'adam', '--heads', 'softmax-ce,hinge', '--fast'],
    TABLE,
  );
  assert.equal(v.lr, 0.5);
  assert.equal(v.epochs, 3);
  assert.equal(v.kind, 'adam');
  // --heads gives each head with the parameters that differ from its defaults (none here).
  assert.deepEqual(v.heads, [
    { id: 'softmax-ce', params: {} },
    { id: 'hinge', params: {} },
  ]);
  assert.equal(v.fast, true);
  assert.equal(v.help, false);
  assert.equal(v.seed, undefined);
  assert.equal(
    parseOptions('cmd', ['-h', '--lr', 'nonsense'], TABLE).help,
    true,
    '--help skips value checks',
  );
});

test('parseOptions: every malformed or out-of-range value is one line naming the option, the range and the value', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--lr', '-1'], /^cmd: --lr must be a number > 0, got '-1'\.$/],
    [['--lr=1e999'], /--lr must be a number > 0, got '1e999'/],
    [['--lr', 'Infinity'], /--lr must be a number > 0, got 'Infinity'/],
    [['--lr', ' '], /--lr must be a number > 0, got ' '/],
    [['--frac', '1'], /--frac must be a number in \(0, 1\), got '1'/],
    [['--epochs', '1.5'], /--epochs must be an integer in 1…100, got '1\.5'/],
    [['--epochs', '0x10'], /--epochs must be an integer in 1…100, got '0x10'/],
    [['--epochs', '101'], /--epochs must be an integer in 1…100/],
    [['--seed', '-1'], /--seed must be an integer ≥ 0, got '-1'/],
    [['--seed', '1e20'], /--seed must be an integer ≥ 0/],
    [['--kind', 'rmsprop'], /--kind 'rmsprop' matches nothing; use one of sgd, adam\./],
    [['--heads', 'softmax-ce,,hinge'], /--heads has an empty entry/],
    [['--heads', ','], /--heads must be a comma-separated list/],
    [['--heads', 'hinge,hinge'], /--heads lists 'hinge' twice/],
    [
      ['--heads', 'nope'],
      /--heads 'nope' matches nothing; use softmax-ce, .*\('headroom heads' lists them\)/,
    ],
    [['--name', ''], /--name must be a non-empty value, got ''/],
    [['--lr'], /--lr needs a value/],
    [['--lr', '--fast'], /--lr needs a value/],
    [['--fast=yes'], /--fast is a switch and takes no value/],
    [['--lr', '1', '--lr', '2'], /--lr is given twice/],
    [['--lrr', '1'], /unknown option '--lrr' \(did you mean --lr\?\)\. See 'headroom cmd --help'/],
    [['-x'], /unknown option '-x'/],
    [['word'], /unexpected argument 'word'/],
    [['--', 'word'], /unexpected argument 'word'/],
  ];
  for (const [argv, re] of cases) assert.match(refusal(argv), re, argv.join(' '));
});

test('path validators: folders, files in the way and missing data folders are refused before anything is created', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-args-'));
  try {
    writeFileSync(join(dir, 'f'), 'x');
    const table = { db: opt.db(), out: opt.outFile('report.html'), data: opt.dir(), read: opt.dbToRead() };
    const msg = (argv: string[]): string => {
      try {
        parseOptions('cmd', argv, table);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    assert.match(msg(['--db', dir]), /--db .* is a folder; give a file path, e\.g\. .*headroom\.db/);
    assert.match(msg(['--db', join(dir, 'f', 'x.db')]), /f is a file, not a folder/);
    assert.match(msg(['--out', join(dir, 'f', 'a', 'r.html')]), /f is a file, not a folder/);
    assert.match(msg(['--data', join(dir, 'none')]), /--data .*none: no such folder/);
    assert.match(msg(['--data', join(dir, 'f')]), /f is a file, not a folder/);
    assert.match(msg(['--read', join(dir, 'none.db')]), /none\.db: no such file/);
    const ok = parseOptions('cmd', ['--db', join(dir, 'new', 'x.db'), '--data', dir], table);
    assert.equal(ok.db, join(dir, 'new', 'x.db'), 'a missing folder under a writable one is fine');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('describeFailure: file-system and disk errors are one line with the path and a fix; after work starts, exit 1 and resume', () => {
  resetWorkStarted();
  const errno = (code: string, syscall: string, path: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
  let f = describeFailure(errno('ENOENT', 'mkdir', '/proc/x'), 'compare');
  assert.equal(f.exitCode, 2);
  assert.equal(
    f.message,
    'compare: cannot create the folder /proc/x: no such file or folder; check the path, or pick one in a folder that exists.',
  );
  f = describeFailure(errno('EISDIR', 'open', '/tmp/d'), 'report');
  assert.match(f.message, /^report: cannot open \/tmp\/d: it is a folder; give a file path instead\.$/);
  assert.match(
    describeFailure(errno('EROFS', 'open', '/ro/r.html')).message,
    /read-only file system; pick a path on a writable file system/,
  );
  assert.match(describeFailure(errno('EACCES', 'open', '/r.html')).message, /permission denied/);
  assert.match(describeFailure(errno('EEXIST', 'mkdir', '/f/x')).message, /a file is in the way/);
  assert.match(
    describeFailure(errno('ENOSPC', 'write', '/full/r.html')).message,
    /no space left on the device/,
  );
  const usage = describeFailure(new UsageError('cmd: bad'), 'cmd');
  assert.deepEqual([usage.message, usage.exitCode], ['cmd: bad', 2]);
  assert.equal(describeFailure(new UsageError('no such grid'), 'report').message, 'report: no such grid');
  const bug = describeFailure(new TypeError('x is undefined\n    at foo (a.js:1:1)'), 'compare');
  assert.equal(bug.exitCode, 1);
  assert.equal(
    bug.message,
    'compare: internal error: x is undefined (HEADROOM_DEBUG=1 prints the stack trace).',
  );
  workStarted('/data/h.db');
  try {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    f = describeFailure(full, 'compare');
    assert.equal(f.exitCode, 1);
    assert.equal(
      f.message,
      'compare: database /data/h.db: database or disk is full (SQLITE_FULL); free space on its disk. The database /data/h.db is intact; rerun the same command to resume.',
    );
    f = describeFailure(errno('ENOSPC', 'write', '/data/h.db-wal'), 'search');
    assert.equal(f.exitCode, 1);
    assert.match(
      f.message,
      /no space left on the device.*The database \/data\/h\.db is intact; rerun the same command to resume\.$/,
    );
  } finally {
    resetWorkStarted();
  }
});
