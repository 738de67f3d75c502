// The study scripts' knobs: pick-lr's selection rule, study-realistic.sh's environment knobs and the representation
// study's linear-feature panels. Each test fails if the knob were ignored (a sweep point stored under another grid, a
// head list that never reaches compare, a panel that trains the other dataset).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';

const root = join(import.meta.dirname, '..', '..');

test('pick-lr: finds sweep runs by config (whatever their grid), applies the worst-head rule, refuses an incomplete sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pick-lr-'));
  try {
    const dbPath = join(dir, 'sweep.db');
    const db = new Database(dbPath);
    db.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, grid TEXT, dataset TEXT, model TEXT, head TEXT, seed INTEGER,
      config TEXT, status TEXT, val_acc REAL)`);
    const add = db.prepare(
      'INSERT INTO runs (grid, dataset, model, head, seed, config, status, val_acc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // lr 0.1 lives under the earlier grid's name; head b collapses at lr 0.5, so the worst-head rule picks 0.1
    const acc: Record<string, Record<string, number>> = {
      '0.1': { a: 0.9, b: 0.85 },
      '0.5': { a: 0.97, b: 0.1 },
    };
    for (const [lr, heads] of Object.entries(acc))
      for (const [head, v] of Object.entries(heads))
        for (const seed of [1, 2])
          add.run(
            lr === '0.1' ? 'fcn' : `fcn-lr${lr}`,
            'mnist',
            'paper-fcn',
            head,
            seed,
            JSON.stringify({ optimizer: { kind: 'sgd', lr: Number(lr) } }),
            'ok',
            v,
          );
    // a recipe run at lr 0.5 must not count
    add.run(
      'other',
      'mnist',
      'paper-fcn',
      'b',
      1,
      JSON.stringify({ optimizer: { lr: 0.5 }, recipe: 'x' }),
      'ok',
      0.99,
    );
    db.close();
    const pick = (lrs: string) =>
      spawnSync('node', ['scripts/pick-lr.mjs', dbPath, 'mnist', 'paper-fcn', '2', lrs, 'a,b'], {
        cwd: root,
        encoding: 'utf8',
      });
    const r = pick('0.1,0.5');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /chosen on validation: lr 0\.1 \(worst head 85\.00%/);
    const missing = pick('0.1,0.2');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /lr 0\.2 lack runs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('study-realistic.sh: HEADS, SEEDS, FIRST_SEED, EPOCHS, WORKERS, POPULATION, DEVICE and DB reach compare, EPOCHS the grid name too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'study-sh-'));
  try {
    // a stand-in `node` that prints the command the script would run
    writeFileSync(join(dir, 'node'), '#!/bin/sh\necho "$@"\n');
    chmodSync(join(dir, 'node'), 0o755);
    const env = {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      HEADS: 'softmax-ce,focal',
      SEEDS: '3',
      FIRST_SEED: '6',
      EPOCHS: '4',
      WORKERS: '3',
      POPULATION: '5',
      DEVICE: 'cpu',
      DB: 'elsewhere.db',
    };
    const r = spawnSync('bash', ['scripts/study-realistic.sh'], { cwd: root, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--heads softmax-ce,focal /);
    assert.match(r.stdout, /--seeds 3 --first-seed 6 --epochs 4 /);
    assert.match(r.stdout, /--workers 3 --population 5 --device cpu --db elsewhere\.db /);
    assert.match(r.stdout, /--grid realistic-resnet20-modern-4ep/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('study-representations.sh: each linear-feature panel trains its own dataset into its own grid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'study-sh-'));
  try {
    writeFileSync(join(dir, 'node'), '#!/bin/sh\necho "$@"\n');
    chmodSync(join(dir, 'node'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, DB: 'r.db', WORKERS: '1' };
    const panel = (which: string) =>
      spawnSync('bash', ['scripts/study-representations.sh', which], { cwd: root, env, encoding: 'utf8' });
    const fashion = panel('mlp-fashion-linear');
    assert.equal(fashion.status, 0, fashion.stderr);
    assert.equal(fashion.stdout.trim().split('\n').length, 1, 'one compare');
    assert.match(fashion.stdout, /--features linear --dataset fashion-mnist --model keras-mlp /);
    assert.match(fashion.stdout, /--workers 1 --db r\.db --grid repr-mlp-fashion-20ep-linear /);
    const mnist = panel('mlp-mnist-linear');
    assert.match(mnist.stdout, /--features linear --dataset mnist .*--grid repr-mlp-mnist-20ep-linear /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
