// compare(), search() and confirm() from the source entry: they return what the commands print with --json, and a
// bad spec is the CLI's one-line error with exit code 2.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, confirm, fit, search } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'headroom-api-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const usage = (message: RegExp) => (e: unknown) =>
  e instanceof Error && (e as { exitCode?: number }).exitCode === 2 && message.test(e.message);

test('compare() returns exactly what `headroom compare --json` prints', async () => {
  const db = join(dir, 'c.db');
  const spec = {
    dataset: 'spirals',
    model: 'keras-mlp',
    heads: ['softmax-ce', 'poly1(eps=2)'],
    seeds: 2,
    epochs: 1,
    trainLimit: 100,
    workers: 0,
    db,
  };
  // A library call prints no progress (the command itself prints it on stderr, --json included).
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => written.push(String(chunk)) > 0) as typeof write;
  let first: Awaited<ReturnType<typeof compare>>;
  try {
    first = await compare(spec);
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(written, []);
  assert.deepEqual([first.ranNow, first.rows.length], [4, 2]);
  const api = await compare(spec); // resumed: nothing trains, as in the command run below
  // The command itself, in this process, with its stdout read.
  const { run } = await import('../../src/cli/commands/compare.js');
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  let code: number;
  try {
    code = await run([
      '--dataset=spirals',
      '--model=keras-mlp',
      '--heads=softmax-ce,poly1(eps=2)',
      '--seeds=2',
      '--epochs=1',
      '--train-limit=100',
      '--workers=0',
      `--db=${db}`,
      '--json',
    ]);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0);
  assert.equal(printed.length, 1);
  assert.deepEqual(api, JSON.parse(printed[0]!));
  assert.equal(api.ranNow, 0);
  // firstSeed moves the seeds: 2..3 reuses seed 2 and trains seed 3 only, for both heads.
  const moved = await compare({ ...spec, firstSeed: 2 });
  assert.deepEqual([moved.ranNow, moved.skipped], [2, 2]);
  assert.deepEqual(
    moved.rows.map((r) => r.n),
    [2, 2],
  );
});

test('search() and confirm() run a study and its confirmation, returning the --json documents', async () => {
  const db = join(dir, 's.db');
  const s = await search({
    study: 's1',
    space: 'delta',
    db,
    dataset: 'spirals',
    maxTrials: 2,
    workers: 1,
    seed: 1,
    ladder: 'keras-mlp:200:1',
    evalLimit: 200,
  });
  assert.equal(s.db, db);
  assert.equal(s.study, 's1');
  assert.equal(s.trials.length, 2);
  assert.equal(s.stopReason, 'max-trials');
  const c = await confirm({
    study: 's1',
    db,
    top: 1,
    seeds: 1,
    epochs: 1,
    trainLimit: 200,
    evalLimit: 200,
    workers: 0,
    force: true,
  });
  assert.equal(c.study, 's1');
  assert.equal(c.grid, 'confirm:s1');
  assert.equal(c.candidates.length, 1);
  assert.deepEqual(c.rows.map((r) => r.head).sort(), [c.candidates[0]!.head, 'softmax-ce'].sort());
  // --trials and --first-seed reach the command: the named trial, on seeds that start where asked.
  const again = await confirm({
    study: 's1',
    db,
    trials: [c.candidates[0]!.number],
    seeds: 1,
    firstSeed: 3001,
    epochs: 1,
    trainLimit: 200,
    evalLimit: 200,
    workers: 0,
    force: true,
  });
  assert.deepEqual(again.seeds, [3001]);
  assert.deepEqual(
    again.candidates.map((x) => x.number),
    [c.candidates[0]!.number],
  );
});

test('a bad spec is the command-line error: one line, exit code 2, nothing run', async () => {
  await assert.rejects(
    compare({ heads: ['softmax-ce', 'poly1(gamma=1)'], db: join(dir, 'x.db') }),
    usage(/^compare: --heads 'poly1\(gamma=1\)': head 'poly1' has no parameter matching 'gamma'/),
  );
  await assert.rejects(
    compare({ seeds: 0 }),
    usage(/^compare: --seeds must be an integer in 1…10000, got '0'/),
  );
  await assert.rejects(
    compare({ markdown: true } as never),
    usage(/'markdown' is a command-line output option/),
  );
  await assert.rejects(
    compare({ seedz: 2 } as never),
    usage(/compare: unknown option '--seedz' \(did you mean --seeds\?\)/),
  );
  await assert.rejects(
    search({ study: 's', space: 'nosuch' }),
    usage(/^search: --space 'nosuch' matches nothing/),
  );
  await assert.rejects(confirm({ study: 's', db: join(dir, 'none.db') }), usage(/^confirm: no database at /));
});

test('fit() takes features and recipe as the CLI does: features stored in the config; both refused where they do not apply', async () => {
  const lin = await fit({
    dataset: 'mnist',
    model: 'keras-mlp',
    head: 'am-softmax',
    features: 'linear',
    epochs: 1,
    trainLimit: 256,
    evalLimit: 50,
    device: 'cpu',
  });
  assert.equal(lin.status, 'ok', lin.error);
  assert.equal(lin.config.features, 'linear');
  await assert.rejects(
    fit({ dataset: 'mnist', model: 'keras-mlp', head: 'softmax-ce', recipe: 'resnet20-modern' }),
    usage(/recipe 'resnet20-modern' is made for model 'resnet20', not 'keras-mlp'/),
  );
  await assert.rejects(
    fit({ dataset: 'mnist', model: 'resnet20', head: 'softmax-ce', features: 'linear' }),
    usage(/resnet20 has no linear feature layer/),
  );
});
