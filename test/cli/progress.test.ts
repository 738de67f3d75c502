/**
 * Progress that moves: a ticking clock and the run in progress on a TTY, plain lines per epoch (and a heartbeat)
 * without one, and a search status line that wraps instead of being cut, with the time and budget first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunsReporter, StatusLine, wrapSegments, type ProgressStream } from '../../src/cli/progress.js';
import { statusSegments } from '../../src/cli/commands/search.js';
import type { RunsProgress } from '../../src/runs/index.js';
import type { RunConfig, RunResult } from '../../src/train/config.js';
import type { SearchStatus } from '../../src/search/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

class FakeStream implements ProgressStream {
  text = '';
  writes = 0;
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(s: string): boolean {
    this.text += s;
    this.writes++;
    return true;
  }
  lines(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cfg = (head: string, seed: number): RunConfig => ({
  dataset: 'mnist',
  model: 'keras-mlp',
  head,
  seed,
  epochs: 3,
  batchSize: 32,
  optimizer: { kind: 'adam', lr: 0.001 },
  valFraction: 0.1,
  device: 'cpu',
  evalTest: true,
});

function epochUpdate(r: RunsReporter, p: RunsProgress, c: RunConfig, epoch: number, valAcc: number): void {
  r.sink({
    type: 'epoch',
    jobId: 'j',
    head: 0,
    epochs: 3,
    record: { epoch, trainLoss: 0.1, valAcc, seconds: 1 },
  });
  r.update({ ...p, epoch: { cfg: c, epoch, epochs: 3 } });
}

test('wrapSegments: lines fit the width, break at the separators, and lose nothing', () => {
  const segs = [
    '12m03s elapsed, 47m57s of 1h00m left',
    'study s1 [delta] trials 40/100',
    'best #12 r1 97.10% Δ +0.31 p - t',
  ];
  const lines = wrapSegments(segs, 45);
  assert.ok(lines.length >= 3);
  for (const l of lines) assert.ok([...l].length <= 44, l);
  assert.equal(lines.join(' · '), segs.join(' · '));
  assert.deepEqual(wrapSegments(segs, 400), [segs.join(' · ')]);
  // a segment wider than the terminal is broken, not dropped
  const long = wrapSegments(['x'.repeat(50)], 21);
  assert.equal(long.join(''), 'x'.repeat(50));
});

test('on a TTY a wrapped status redraws in place: up over its own lines, clear, draw', () => {
  const s = new FakeStream(true, 40);
  const line = new StatusLine({ stream: s });
  line.draw(['a'.repeat(30), 'b'.repeat(30)]);
  assert.equal(s.text, `\r\x1b[J${'a'.repeat(30)}\n${'b'.repeat(30)}`);
  s.text = '';
  line.draw(['c']);
  assert.equal(s.text, '\x1b[1A\r\x1b[Jc', 'moves up one line: the previous status had two');
  line.line('a plain line is for pipes only');
  assert.ok(!s.text.includes('plain'));
});

test('without a TTY: one line per finished epoch (with its validation accuracy) and per run, then a heartbeat', async () => {
  const s = new FakeStream(false);
  const r = new RunsReporter('compare', { stream: s, heartbeatMs: 60 });
  try {
    const base: RunsProgress = { done: 0, total: 2, skipped: 0 };
    r.update(base);
    const c = cfg('linear-mse', 2);
    epochUpdate(r, base, c, 1, 0.8123);
    epochUpdate(r, base, c, 2, 0.9);
    const res: RunResult = {
      config: c,
      status: 'ok',
      epochs: [],
      final: { valAcc: 0.91, testAcc: 0.905, secondsPerEpoch: 1 },
    };
    r.update({ done: 1, total: 2, skipped: 0, last: { cfg: c, result: res } });
    epochUpdate(r, { done: 1, total: 2, skipped: 0 }, cfg('softmax-ce', 2), 1, 0.85);
    const lines = s.lines();
    assert.match(lines[0]!, /^compare 0\/2 runs · \d+s · starting$/);
    assert.match(lines[1]!, /^compare 0\/2 runs · \d+s · linear-mse seed 2: epoch 1\/3 val 81\.23%$/);
    assert.match(lines[2]!, /epoch 2\/3 val 90\.00%$/);
    assert.match(lines[3]!, /^compare 1\/2 runs · .*linear-mse seed 2: ok \(val 91\.00%, test 90\.50%\)$/);
    assert.equal(lines.length, 5);
    // Nothing happens for a while: the heartbeat says what is still training, periodically.
    await sleep(300);
    const beats = s.lines().slice(5);
    assert.ok(beats.length >= 1, 'at least one heartbeat line');
    for (const b of beats)
      assert.match(
        b,
        /^compare 1\/2 runs · \d+s · training softmax-ce seed 2 \(epoch 1\/3 done, val 85\.00%\)$/,
      );
  } finally {
    r.done();
  }
});

test('on a TTY the clock ticks between updates and the line names the run, its epoch and its accuracy', async () => {
  const s = new FakeStream(true, 200);
  const r = new RunsReporter('compare', { stream: s, tickMs: 40 });
  try {
    epochUpdate(r, { done: 0, total: 4, skipped: 0 }, cfg('oland-exp', 1), 2, 0.9731);
    const after = s.writes;
    await sleep(300);
    assert.ok(s.writes - after >= 3, `redrawn ${s.writes - after} times without updates`);
    const last = s.text.slice(s.text.lastIndexOf('\r'));
    assert.match(last, /compare \[░+\] 0\/4 \d+s · oland-exp seed 1 epoch 2\/3 val 97\.31%/);
  } finally {
    r.done();
  }
});

test('the search status starts with the time and the budget left and names the best expression', () => {
  const s: SearchStatus = {
    study: 's1',
    space: 'delta',
    trials: 40,
    maxTrials: 100,
    finished: 30,
    running: 2,
    queued: 8,
    rungCounts: [30, 9],
    rejections: { 'wrong-sign': 12 },
    baselines: [{ rung: 0, head: 'softmax-ce', state: 'ok', valAcc: 0.9213 }],
    best: { number: 12, rung: 1, valAcc: 0.971, delta: 0.0031, expr: 'p - t + 0.5 * z' },
    elapsedMs: 723_000,
    rung0PerHour: 120,
  };
  const segs = statusSegments(s, 3_600_000, 2000);
  assert.equal(segs[0], '12m05s elapsed, 47m55s of 1h00m left');
  assert.ok(segs.some((x) => x.includes('#12') && x.includes('p - t + 0.5 * z')));
  assert.match(statusSegments(s)[0]!, /elapsed \(no --budget\)/);
});

/** compare on 300 MNIST examples, 2 heads × 2 epochs, with stdout and stderr piped (no TTY). */
async function compareWithoutTty(
  extra: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-progress-'));
  try {
    const args = [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'compare',
      '--dataset',
      'mnist',
      '--model',
      'keras-mlp',
      '--heads',
      'softmax-ce,linear-mse',
      '--seeds',
      '1',
      '--epochs',
      '2',
      '--train-limit',
      '300',
      '--eval-limit',
      '200',
      '--db',
      join(dir, 'p.db'),
      ...extra,
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, HEADROOM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    return { code, out, err };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertPlainProgress(err: string): void {
  const lines = err.split('\n').filter((l) => l !== '');
  const epochs = lines.filter((l) => / epoch \d\/2 val \d+\.\d\d%$/.test(l));
  assert.equal(epochs.length, 4, err);
  for (const l of lines)
    assert.match(l, /^compare \d\/2 runs · \d+s · /, 'every stderr line is a progress line');
  assert.equal(lines.filter((l) => /: ok \(val/.test(l)).length, 2);
  assert.ok(!err.includes('\r') && !err.includes('\x1b'), 'no terminal control codes in a log');
}

test('compare without a TTY prints a plain line per finished epoch', { timeout: 120_000 }, async () => {
  const { code, out, err } = await compareWithoutTty([]);
  assert.equal(code, 0, err);
  assertPlainProgress(err);
  assert.match(out, /2 runs in compare/);
});

// The study scripts run for hours under nohup with --markdown: their logs must show progress too, while stdout
// carries only the result.
test(
  'compare --json and --markdown keep progress on stderr and stdout for the result',
  { timeout: 120_000 },
  async () => {
    const json = await compareWithoutTty(['--json']);
    assert.equal(json.code, 0, json.err);
    assertPlainProgress(json.err);
    assert.equal((JSON.parse(json.out) as { runs: number }).runs, 2);
    const md = await compareWithoutTty(['--markdown']);
    assert.equal(md.code, 0, md.err);
    assertPlainProgress(md.err);
    assert.match(md.out, /^\| /m);
    assert.doesNotMatch(md.out, /epoch \d\/2/);
  },
);
