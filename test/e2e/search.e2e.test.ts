// The done-when for search: a 12-trial delta search with 2 workers, SIGKILLed mid-run, then resumed with
// --json, reports all 12 trials finished, each exactly once. A small two-rung ladder keeps it to a minute or two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];

function args(db: string, extra: string[] = []): string[] {
  return [
    ...CLI,
    'search',
    '--space',
    'delta',
    '--study',
    's',
    '--db',
    db,
    '--max-trials',
    '12',
    '--workers',
    '2',
    '--seed',
    '1',
    '--train-limit',
    '2000',
    '--ladder',
    'keras-mlp:2000:1,keras-mlp:4000:1',
    // The gate off (100 points): this test checks ASHA's bookkeeping across a kill, which needs promotions; the gate
    // has its own tests (test/search/driver.test.ts, pruner.test.ts).
    '--promotion-margin',
    '100',
    ...extra,
  ];
}

function count(db: string, sql: string): number {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (d.prepare(sql).get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    d.close();
  }
}

// The same with population training: trials of a rung train four at a time as one fused model.
for (const population of [[], ['--population', '4']])
  test(
    `search${population.length ? ' --population 4' : ''}: SIGKILL mid-run, then --resume --json reports all 12 trials finished exactly once`,
    { timeout: 600_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'headroom-e2e-search-'));
      const db = join(dir, 's.db');
      try {
        const env = { ...process.env, HEADROOM_THREADS: '1' };
        const first = spawn(process.execPath, args(db, population), {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        first.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const exited = new Promise<void>((r) => first.on('exit', () => r()));
        // Kill once some rungs are recorded and more are running.
        const deadline = Date.now() + 300_000;
        let killedMidRun = false;
        while (Date.now() < deadline && first.exitCode === null) {
          await new Promise((r) => setTimeout(r, 250));
          let rungs = 0;
          let running = 0;
          try {
            rungs = count(db, 'SELECT COUNT(*) AS n FROM trial_rungs');
            running = count(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'running'");
          } catch {
            continue;
          }
          if (rungs >= 3 && running > 0) {
            first.kill('SIGKILL');
            killedMidRun = true;
            break;
          }
        }
        await exited;
        assert.ok(killedMidRun, `the first run ended before it could be killed mid-run:\n${stderr}`);
        assert.ok(
          count(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'running'") > 0,
          'the kill left trials running',
        );

        // Usage errors: the study exists, so starting it again without --resume is exit 2 with one line.
        const again = spawnSync(process.execPath, args(db, population), { cwd: ROOT, env, encoding: 'utf8' });
        assert.equal(again.status, 2, again.stderr);
        assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
        assert.match(again.stderr, /already exists.*--resume/);
        const missing = spawnSync(
          process.execPath,
          [...args(db, ['--resume', ...population]).map((a) => (a === 's' ? 'nope' : a))],
          {
            cwd: ROOT,
            env,
            encoding: 'utf8',
          },
        );
        assert.equal(missing.status, 2, missing.stderr);
        assert.match(missing.stderr, /no study 'nope'/);

        const second = spawnSync(process.execPath, args(db, ['--resume', '--json', ...population]), {
          cwd: ROOT,
          env,
          encoding: 'utf8',
          maxBuffer: 64 << 20,
        });
        assert.equal(second.status, 0, second.stderr);
        const out = JSON.parse(second.stdout) as {
          trials: Array<{
            id: number;
            number: number;
            state: string;
            expr: string;
            metrics: { rungs: Record<string, unknown> };
            deltas: Record<string, number | null>;
          }>;
          best: { id: number } | null;
          rejections: Record<string, number>;
          baseline: { head: string; rungs: Array<{ rung: number; state: string; valAcc: number | null }> };
          ranking: number[];
        };
        assert.equal(out.trials.length, 12);
        assert.equal(new Set(out.trials.map((t) => t.id)).size, 12, 'each trial once');
        assert.equal(new Set(out.trials.map((t) => t.expr)).size, 12, 'no candidate twice');
        for (const t of out.trials) {
          assert.ok(['complete', 'pruned', 'failed'].includes(t.state), `trial ${t.number} is ${t.state}`);
          assert.ok(t.metrics.rungs['0'], `trial ${t.number} has its rung-0 result`);
        }
        assert.ok(out.best);
        // The database agrees: 12 trained trials, nothing queued or running, one rung row per trial-rung reached.
        assert.equal(count(db, "SELECT COUNT(*) AS n FROM trials WHERE state IN ('queued', 'running')"), 0);
        assert.equal(
          count(db, "SELECT COUNT(*) AS n FROM trials WHERE state != 'rejected' AND number >= 0"),
          12,
        );
        assert.equal(
          count(
            db,
            'SELECT COUNT(*) AS n FROM trial_rungs r JOIN trials t ON t.id = r.trial_id WHERE r.rung = 0 AND t.number >= 0',
          ),
          12,
        );
        const promoted = out.trials.filter((t) => t.metrics.rungs['1']).length;
        assert.ok(promoted >= 4, `ASHA (η = 3) promotes at least ⌊12/3⌋ = 4 trials, got ${promoted}`);
        // One softmax-ce baseline per rung, stored once as trial −1 (the kill did not duplicate it), and every
        // trial's Δ against it in the JSON.
        assert.equal(
          count(
            db,
            "SELECT COUNT(*) AS n FROM trial_rungs r JOIN trials t ON t.id = r.trial_id WHERE t.number = -1 AND t.expr = 'softmax-ce' AND t.state = 'complete'",
          ),
          2,
        );
        assert.equal(out.baseline.head, 'softmax-ce');
        const base = out.baseline.rungs.map((b) => b.valAcc);
        assert.deepEqual(
          out.baseline.rungs.map((b) => b.state),
          ['ok', 'ok'],
        );
        assert.ok(
          base.every((v) => v !== null && v > 0.5),
          `softmax-ce learns: ${base.join(', ')}`,
        );
        for (const t of out.trials)
          for (const [r, m] of Object.entries(t.metrics.rungs) as Array<[string, { valAcc: number | null }]>)
            if (m.valAcc !== null)
              assert.ok(
                Math.abs(t.deltas[r]! - (m.valAcc - base[Number(r)]!)) < 1e-12,
                `#${t.number} rung ${r}`,
              );
        assert.equal(out.ranking[0], out.trials.find((t) => t.id === out.best!.id)!.number);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
