// Slow end-to-end test (trains real models on MNIST subsets): the compare CLI, its JSON, resume, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readReportData } from '../../src/report/data.js';
import { cuda } from '../../src/engine/index.js';
import { resolveDevice } from '../../src/exec/index.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

function headroom(args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HEADROOM_THREADS: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('compare --json returns one row per head with CIs, stores the runs, and resumes without retraining', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-compare-'));
  const db = join(dir, 'c.db');
  try {
    const args = [
      'compare',
      '--dataset',
      'mnist',
      '--model',
      'keras-mlp',
      '--heads',
      'softmax-ce,linear-mse,oland-exp',
    ];
    args.push(
      '--seeds',
      '2',
      '--epochs',
      '1',
      '--train-limit',
      '600',
      '--json',
      '--db',
      db,
      '--workers',
      '2',
    );
    const first = headroom(args);
    assert.equal(first.code, 0, first.stderr);
    const out = JSON.parse(first.stdout) as {
      rows: Array<{
        head: string;
        n: number;
        valAcc: { ci: number[] };
        testAcc: { mean: number; ci: number[] };
        delta: unknown;
      }>;
      ranNow: number;
      skipped: number;
    };
    assert.deepEqual(
      out.rows.map((r) => r.head),
      ['softmax-ce', 'linear-mse', 'oland-exp'],
    );
    assert.equal(out.ranNow, 6);
    for (const r of out.rows) {
      assert.equal(r.n, 2);
      assert.equal(r.testAcc.ci.length, 2);
      assert.ok(r.testAcc.ci[0] <= r.testAcc.mean && r.testAcc.mean <= r.testAcc.ci[1]);
      // 1 epoch on 600 examples is far from chance on MNIST for every head
      assert.ok(r.testAcc.mean > 0.5, `${r.head}: ${r.testAcc.mean}`);
    }
    assert.equal(out.rows[0].delta, null);
    assert.ok(out.rows[1].delta !== null);

    const second = headroom(args);
    assert.equal(second.code, 0, second.stderr);
    const again = JSON.parse(second.stdout) as typeof out;
    assert.equal(again.ranNow, 0);
    assert.equal(again.skipped, 6);
    assert.deepEqual(again.rows, out.rows, 'the table is read back from the database');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input exits 2 with one line and writes no database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-compare-bad-'));
  try {
    for (const bad of [
      ['--heads', 'softmax-ce,no-such-head'],
      ['--dataset', 'no-such-data'],
      ['--model', 'no-such-model'],
      ['--seeds', 'two'],
      ['--dataset', 'cifar10', '--data-dir', join(dir, 'missing')],
      ['--device', 'tpu'],
      ['--eval-limit', '0'],
      ...(cuda.isAvailable() ? [] : [['--device', 'cuda']]),
    ]) {
      const db = join(dir, 'bad.db');
      const r = headroom(['compare', ...bad, '--db', db, '--epochs', '1', '--train-limit', '100']);
      assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(existsSync(db), false, `${bad.join(' ')} wrote a database`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--device cuda without CUDA: every training command exits 2 with the line that says how to get it', () => {
  if (cuda.isAvailable()) return assert.equal(resolveDevice('cuda'), 'cuda');
  const dir = mkdtempSync(join(tmpdir(), 'headroom-no-cuda-'));
  try {
    const db = join(dir, 'x.db');
    for (const cmd of [
      ['compare', '--db', db],
      ['demo', '--db', db],
      ['search', '--space', 'delta', '--study', 's', '--db', db],
      ['confirm', '--study', 's', '--db', db],
    ]) {
      const r = headroom([...cmd, '--device', 'cuda']);
      assert.equal(r.code, 2, `${cmd[0]}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^headroom: ${cmd[0]}: device 'cuda' is not available.*CUDA libtorch`),
      );
      assert.equal(existsSync(db), false, `${cmd[0]} wrote a database`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare --repr --json adds kNN, probe, R², NC1 and MAP@R to every row, and a cross-head CKA matrix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-compare-repr-'));
  const db = join(dir, 'r.db');
  try {
    const r = headroom([
      'compare',
      '--dataset',
      'mnist',
      '--model',
      'keras-mlp',
      '--heads',
      'softmax-ce,am-softmax',
      '--seeds',
      '2',
      '--epochs',
      '1',
      '--train-limit',
      '600',
      '--repr',
      '--json',
      '--db',
      db,
      '--workers',
      '2',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      rows: Array<{
        head: string;
        repr: Record<string, { mean: number; ci: number[]; n: number }> | null;
        reprDelta: Record<string, { delta: number; pHolm: number }> | null;
      }>;
      cka?: Array<{ heads: string[]; cells: Array<Array<{ mean: number; n: number } | null>> }>;
    };
    assert.equal(out.rows.length, 2);
    for (const row of out.rows) {
      for (const k of ['knn', 'probe', 'r2', 'nc1', 'mapAtR']) {
        const m = row.repr?.[k];
        assert.ok(m && Number.isFinite(m.mean) && m.n === 2, `${row.head}: ${k} = ${JSON.stringify(m)}`);
        assert.equal(m.ci.length, 2);
      }
      assert.ok(
        row.repr!.knn.mean > 0.5 && row.repr!.knn.mean <= 1,
        `${row.head}: kNN ${row.repr!.knn.mean}`,
      );
    }
    const [base, am] = out.rows;
    assert.equal(base.reprDelta, null, 'the baseline is not tested against itself');
    for (const k of ['knn', 'probe', 'r2', 'nc1', 'mapAtR'])
      assert.ok(Number.isFinite(am.reprDelta?.[k]?.pHolm), `am-softmax ${k} against softmax-ce`);
    assert.equal(am.reprDelta?.probeLambda, undefined);
    // Every key the run stored is one the report knows how to label (a missed key shows as its raw name).
    assert.deepEqual(
      readReportData({ dbPath: db }).repr.columns.map((c) => c.label),
      ['kNN acc', 'probe acc', 'R²', 'NC1', 'MAP@R', 'P@1'],
    );
    const [m] = out.cka ?? [];
    assert.deepEqual(m?.heads, ['softmax-ce', 'am-softmax']);
    const c = m!.cells[0]![1]!;
    assert.equal(c.n, 2);
    assert.ok(c.mean > 0 && c.mean <= 1, `CKA ${c.mean}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('compare --population and --eval-limit change what runs: one fused job for the heads, a validation count over N', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-compare-pop-'));
  const db = join(dir, 'p.db');
  try {
    const r = headroom([
      'compare',
      '--dataset',
      'mnist',
      '--model',
      'keras-mlp',
      '--heads',
      'softmax-ce,linear-mse,oland-exp',
      '--seeds',
      '1',
      '--epochs',
      '1',
      '--train-limit',
      '300',
      '--eval-limit',
      '37',
      '--population',
      '3',
      '--workers',
      '0',
      '--json',
      '--db',
      db,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const d = new Database(db, { readonly: true });
    try {
      const jobs = d
        .prepare(
          "SELECT job_id, COUNT(DISTINCT run_key) AS n FROM job_events WHERE type = 'epoch' GROUP BY job_id",
        )
        .all() as Array<{ n: number }>;
      assert.deepEqual(
        jobs.map((j) => j.n),
        [3],
        'the three heads trained as one population job',
      );
      const vals = d.prepare('SELECT val_acc FROM runs').all() as Array<{ val_acc: number }>;
      assert.equal(vals.length, 3);
      for (const { val_acc } of vals)
        assert.ok(Math.abs(val_acc * 37 - Math.round(val_acc * 37)) < 1e-9, `${val_acc} is a count over 37`);
    } finally {
      d.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
