// Against the built package (dist/, `import … from 'headroom'`, bin/headroom.js): the examples run and print what the
// README says, a plugin's head trains in a compare's worker processes, broken plugins are one line and exit 2, and
// the small things (--version, report --study) behave.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { ENTRY_NAMES } from './entry-names.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'headroom.js');
const EXAMPLES = join(ROOT, 'examples');

/** The built package must be current, or this test would check yesterday's code. */
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
    `dist/ is older than ${stale.slice(0, 3).join(', ')}: run \`npx tsc -p tsconfig.build.json\``,
  );
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function node(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const full: NodeJS.ProcessEnv = { ...process.env, HEADROOM_THREADS: '1', ...env };
    for (const k of ['HEADROOM_DEBUG', 'HEADROOM_DATA', 'HEADROOM_PLUGINS']) if (!(k in env)) delete full[k];
    const child = spawn(process.execPath, args, { cwd, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const headroom = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) => node([BIN, ...args], cwd, env);
const pct = (s: string): number => Number(s);

assertDistFresh();
const tmp = mkdtempSync(join(tmpdir(), 'headroom-examples-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
/** A fresh working folder per test, so that tests can run at once (each example writes runs/ under its own). */
const folder = (name: string): string => {
  const d = join(tmp, name);
  mkdirSync(d);
  return d;
};

// Most of the time is process start-up and waiting on worker processes: two tests at a time.
describe('the built package', { concurrency: 2 }, () => {
  test("import('headroom') resolves to the built entry, with exactly the documented names", async () => {
    const r = await node(
      [
        '--input-type=module',
        '-e',
        "const m = await import('headroom'); console.log(JSON.stringify(Object.keys(m).sort()))",
      ],
      EXAMPLES,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ENTRY_NAMES);
  });

  test('examples/custom-head.mjs: prints its δ-rule (as the formula gives it) and trains it against softmax-ce', async () => {
    const r = await node([join(EXAMPLES, 'custom-head.mjs')], folder('custom-head'));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 4, r.stdout);
    const delta = (id: string): number[] => {
      const m = lines.find((l) => l.startsWith(id))!.match(/δ = \[(.*)\]/);
      assert.ok(m, `${id}: no δ line in ${r.stdout}`);
      return m[1]!.split(', ').map(Number);
    };
    // The example's batch: z = [0.5, 2, −1], target class 0; my-head's δ = (1 + γ(1 − p_y))(p − t) with γ = 1.
    const e = [0.5, 2, -1].map(Math.exp);
    const p = e.map((v) => v / e.reduce((a, b) => a + b));
    const softmaxDelta = p.map((v, k) => v - (k === 0 ? 1 : 0));
    const myDelta = softmaxDelta.map((d) => (1 + (1 - p[0]!)) * d);
    for (const [got, want] of [
      [delta('my-head'), myDelta],
      [delta('softmax-ce'), softmaxDelta],
    ] as const)
      got.forEach((g, k) => assert.ok(Math.abs(g - want[k]!) < 6e-4, `δ ${got} vs ${want}`));
    for (const head of ['my-head', 'softmax-ce']) {
      const m = lines
        .find((l) => l.startsWith(head) && l.includes('accuracy'))
        ?.match(/ ok: test accuracy ([\d.]+)% after 3 epochs/);
      assert.ok(m, `${head}: ${r.stdout}`);
      // Ten classes: chance is 10%; three epochs on 500 digits get far above it.
      assert.ok(pct(m[1]!) > 30 && pct(m[1]!) <= 100, `${head} ${m[1]}%`);
    }
  });

  test('examples/csv-dataset.mjs: a CSV dataset and a defined model, two heads, stored and reused', async () => {
    const work = folder('csv');
    const first = await node([join(EXAMPLES, 'csv-dataset.mjs')], work);
    assert.equal(first.code, 0, first.stderr);
    for (const head of ['softmax-ce', 'linear-mse']) {
      const m = first.stdout.match(
        new RegExp(`^${head} +test accuracy ([\\d.]+)% \\(95% CI ([\\d.]+)–([\\d.]+), 3 seeds\\)$`, 'm'),
      );
      assert.ok(m, `${head}: ${first.stdout}`);
      const [acc, lo, hi] = [m[1], m[2], m[3]].map((s) => pct(s!));
      // Three classes (chance 33%) of well-separated clusters.
      assert.ok(acc! > 60 && lo! <= acc! && acc! <= hi!, `${head}: ${m[0]}`);
    }
    assert.match(first.stdout, /stored in .*runs\/examples\.db \(grid 'clusters'/);
    const db = new Database(join(work, 'runs', 'examples.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT dataset, model, status FROM runs WHERE grid = 'clusters'").all() as {
        dataset: string;
        model: string;
        status: string;
      }[];
      assert.equal(rows.length, 6);
      assert.ok(rows.every((x) => x.dataset === 'clusters' && x.model === 'small-mlp' && x.status === 'ok'));
    } finally {
      db.close();
    }
    // The same command again trains nothing and prints the same table.
    const again = await node([join(EXAMPLES, 'csv-dataset.mjs')], work);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, first.stdout);
  });

  test('examples/compare.mjs: heads with parameters and a plugin head, trained in worker processes', async () => {
    const work = folder('compare');
    const r = await node([join(EXAMPLES, 'compare.mjs')], work);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    const labels = rows.map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(labels.sort(), ['label-smoothing(epsilon=0.05)', 'my-head(gamma=2)', 'softmax-ce']);
    for (const l of rows) {
      const m = l.match(/test ([\d.]+)% {2}(baseline|Δ -?[\d.]+ points, Holm p [\d.]+)$/);
      assert.ok(m, l);
      assert.ok(pct(m[1]!) > 20, l);
    }
    const db = new Database(join(work, 'runs', 'examples.db'), { readonly: true });
    try {
      const runs = db.prepare("SELECT head, status, config FROM runs WHERE grid = 'mnist-heads'").all() as {
        head: string;
        status: string;
        config: string;
      }[];
      assert.equal(runs.length, 6);
      assert.ok(
        runs.every((x) => x.status === 'ok'),
        JSON.stringify(runs.map((x) => [x.head, x.status])),
      );
      const params = (head: string) => JSON.parse(runs.find((x) => x.head === head)!.config).headParams;
      assert.deepEqual(params('label-smoothing'), { epsilon: 0.05 });
      assert.deepEqual(params('my-head'), { gamma: 2 });
      assert.equal(params('softmax-ce'), undefined);
    } finally {
      db.close();
    }
  });

  test('compare --plugin: the plugin head trains in the worker processes, which load the plugin themselves', async () => {
    const work = folder('plugin');
    const pids = join(work, 'pids.txt');
    writeFileSync(pids, '');
    const db = join(work, 'plugin.db');
    const r = await headroom(
      [
        'compare',
        '--plugin',
        join(ROOT, 'test', 'api', 'fixtures', 'pid-plugin.js'),
        '--heads',
        'pid-head,softmax-ce',
        '--dataset',
        'spirals',
        '--seeds',
        '1',
        '--epochs',
        '1',
        '--train-limit',
        '200',
        '--workers',
        '2',
        '--db',
        db,
        '--json',
      ],
      work,
      { HEADROOM_TEST_PIDS: pids },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { rows: { head: string; n: number; failed: number }[] };
    const row = out.rows.find((x) => x.head === 'pid-head');
    assert.ok(row, r.stdout);
    assert.deepEqual([row.n, row.failed], [1, 0]);
    // The command and each of its two workers loaded the plugin.
    const loaded = readFileSync(pids, 'utf8').trim().split('\n');
    assert.equal(new Set(loaded).size, 3, `pids: ${loaded.join(' ')}`);

    // report --study that matches nothing is a usage error, as in confirm.
    const rep = await headroom(
      ['report', '--db', db, '--study', 'nosuch', '--out', join(work, 'r.html')],
      work,
    );
    assert.equal(rep.code, 2, rep.stderr);
    assert.match(rep.stderr, /^headroom: report: --study 'nosuch' matches no study in .*\n$/);
  });

  test('headroom heads --plugin lists the plugin head with its file; --version prints the package version', async () => {
    const r = await headroom(['heads', '--json', '--plugin', 'examples/my-heads.js'], ROOT);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { id: string; file?: string; params: Record<string, number> }[];
    const mine = rows.find((h) => h.id === 'my-head');
    assert.deepEqual(mine && [mine.file, mine.params], [join(EXAMPLES, 'my-heads.js'), { gamma: 1 }]);
    assert.ok(rows.filter((h) => h.file !== undefined).length === 1);
    const v = await headroom(['--version'], tmp);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.deepEqual([v.code, v.stdout], [0, `${pkg.version}\n`]);
  });

  test('a broken plugin is one line and exit 2', async () => {
    // Plugins outside the package find 'headroom' in a node_modules folder above them, as if it were installed there.
    const work = folder('broken');
    mkdirSync(join(work, 'node_modules'));
    symlinkSync(ROOT, join(work, 'node_modules', 'headroom'), 'dir');
    const writeIn = (dir: string, name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const write = (name: string, text: string): string => {
      const p = join(work, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: Array<[string, string[], RegExp]> = [
      // The other ways a plugin fails are in plugins.test.ts (in-process); through the CLI, one of them is enough.
      [
        'a syntax error',
        ['--plugin', write('syntax.mjs', "import 'headroom';\n\nconst x = ;\n")],
        /SyntaxError: Unexpected token ';' \(line 3\)/,
      ],
      [
        'a taken id',
        [
          '--plugin',
          join(EXAMPLES, 'my-heads.js'),
          '--plugin',
          write(
            'again.mjs',
            "import { defineHead } from 'headroom';\ndefineHead({ id: 'my-head', title: 't', formula: 'f', source: 's', deltaRule: ({ z, t }) => z.sub(t) });\n",
          ),
        ],
        /again\.mjs: defineHead: head 'my-head' is already defined by .*my-heads\.js; give yours another id\.$/m,
      ],
      ['--plugin without a file', ['--plugin'], /--plugin needs a file/],
      [
        "no 'headroom' to import",
        ['--plugin', writeIn(folder('outside'), 'p.mjs', "import { defineHead } from 'headroom';\n")],
        /Cannot find package 'headroom'.*; install headroom where the plugin is/,
      ],
    ];
    for (const [what, args, message] of cases) {
      const r = await headroom(['heads', ...args], work);
      assert.equal(r.code, 2, `${what}: ${r.stderr}`);
      assert.match(r.stderr, message, what);
      assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: ${r.stderr}`);
      assert.equal(r.stdout, '', what);
    }
  });
});
