/**
 * `headroom serve` in a real (headless) Chromium: a compare started in the background shows up epoch by epoch on an
 * open page, without a reload; every drill-down view renders its charts; the page makes no request outside the
 * server, logs no error or warning, and the database is only read. Needs Debian's `chromium` (as the report's test).
 * Screenshots go to test-output/.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openStore } from '../../src/store/index.js';
import { startDashboard } from '../../src/serve/index.js';
import { richFixture } from '../report/fixture.js';

const CHROMIUM = process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const OUT_DIR = resolve(ROOT, 'test-output');

let dir: string;
let browser: Browser;

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `no Chromium at ${CHROMIUM}: install Debian's 'chromium' (apt-get install -y chromium; scripts/setup.sh does) or set HEADROOM_CHROMIUM`,
  );
  dir = mkdtempSync(join(tmpdir(), 'headroom-serve-'));
  mkdirSync(OUT_DIR, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Opened {
  page: Page;
  problems: string[];
  blocked: string[];
}

/** A page that may only talk to the dashboard (anything else is aborted and recorded), with its errors collected. */
async function open(base: string): Promise<Opened> {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Leaving a page ends its event stream: that is not a failure.
    if (!r.url().endsWith('/api/events'))
      problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`);
  });
  return { page, problems, blocked };
}

async function goTo(page: Page, base: string, path: string): Promise<void> {
  await page.goto(`${base}#${path}`);
  await waitForView(page, path);
}

/** Until the view of `path` is rendered and every chart on it has drawn. */
async function waitForView(page: Page, path: string): Promise<void> {
  await page.waitForFunction(
    (p) =>
      document.documentElement.getAttribute('data-path') === p &&
      [...document.querySelectorAll('#view .chart')].every((c) => c.querySelector('svg') !== null),
    path,
    { timeout: 60_000 },
  );
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, HEADROOM_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

test(
  'live: epochs of a compare running in the background appear within 5 s, without a reload',
  { timeout: 180_000 },
  async () => {
    const db = join(dir, 'live.db');
    openStore(db).close();
    const serve = cli(['serve', '--db', db, '--port', '0', '--json']);
    let serveErr = '';
    serve.stderr!.on('data', (b: Buffer) => (serveErr += b.toString()));
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      serve.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        const line = out.split('\n')[0]!;
        if (out.includes('\n')) ok((JSON.parse(line) as { url: string }).url);
      });
      serve.on('exit', (code) => fail(new Error(`serve exited ${code}: ${serveErr}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'binds 127.0.0.1 by default');
    let compare: ChildProcess | undefined;
    try {
      const { page, problems, blocked } = await open(url);
      // The grid does not exist yet: the page says so, and must pick it up by itself.
      await page.goto(`${url}#/grid/live`);
      await page.waitForFunction(
        () => document.querySelector('#view h1')?.textContent === 'Not found',
        null,
        {
          timeout: 30_000,
        },
      );
      await page.evaluate(() => ((window as unknown as { loadedOnce: number }).loadedOnce = 1));

      compare = cli([
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
        '3',
        '--train-limit',
        '1500',
        '--eval-limit',
        '500',
        '--grid',
        'live',
        '--db',
        db,
      ]);
      let compareErr = '';
      compare.stderr!.on('data', (b: Buffer) => (compareErr += b.toString()));
      const compareExit = new Promise<number | null>((r) => compare!.on('close', r));

      // When the first epoch is committed (seen by a reader of its own), and when the page shows it.
      const firstEpochInDb = (async () => {
        for (;;) {
          if (existsSync(db)) {
            const reader = openStore(db, { readonly: true });
            try {
              if (reader.listJobEvents({ grid: 'live' }).some((e) => e.type === 'epoch')) return Date.now();
            } finally {
              reader.close();
            }
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('#runs tr[data-epoch]')].some(
            (r) => Number(r.getAttribute('data-epoch')) >= 1,
          ),
        null,
        { timeout: 120_000, polling: 50 },
      );
      const shownAt = Date.now();
      const committedAt = await firstEpochInDb;
      assert.ok(
        shownAt - committedAt <= 5000,
        `the first epoch was shown ${shownAt - committedAt} ms after it was committed`,
      );
      await waitForView(page, '/grid/live');
      await page.screenshot({ path: join(OUT_DIR, 'dashboard-live-running.png'), fullPage: true });

      assert.equal(await compareExit, 0, compareErr);
      // Every run finished: the page shows both as ok, with the stored accuracies, still without a reload.
      await page.waitForFunction(
        () =>
          document.querySelectorAll('#runs tr[data-state="ok"]').length === 2 &&
          document.querySelector('#forest svg'),
        null,
        { timeout: 30_000 },
      );
      await waitForView(page, '/grid/live');
      assert.equal(await page.evaluate(() => (window as unknown as { loadedOnce?: number }).loadedOnce), 1);
      const reader = openStore(db, { readonly: true });
      try {
        const shown = await page.$$eval('#runs tbody tr', (rows) =>
          rows.map((r) => ({
            key: r.getAttribute('data-key'),
            epoch: r.getAttribute('data-epoch'),
            val: r.querySelectorAll('td')[6]!.textContent,
            test: r.querySelectorAll('td')[7]!.textContent,
          })),
        );
        for (const s of shown) {
          const run = reader.getRunByKey(s.key!)!;
          assert.equal(s.val, (100 * run.valAcc!).toFixed(2));
          assert.equal(s.test, (100 * run.testAcc!).toFixed(2));
          assert.equal(Number(s.epoch), reader.listEpochs(run.id).length);
        }
      } finally {
        reader.close();
      }
      // Each figure saves as SVG.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('button[data-save="svg"][data-chart="curves"]'),
      ]);
      assert.equal(download.suggestedFilename(), 'curves.svg');
      assert.match(readFileSync((await download.path())!, 'utf8'), /^<svg/);
      await page.screenshot({ path: join(OUT_DIR, 'dashboard-live-done.png'), fullPage: true });
      assert.deepEqual(blocked, [], 'the page reached outside the server');
      assert.deepEqual(problems, []);
      await page.context().close();
    } finally {
      compare?.kill();
      serve.kill('SIGTERM');
      await new Promise((r) => serve.once('close', r));
    }
  },
);

test(
  'drill-down views render every chart; the server only reads, and only answers localhost',
  { timeout: 120_000 },
  async () => {
    const db = join(dir, 'rich.db');
    richFixture(db);
    // The fixture's study, with the search's built-in baseline and an evolved family.
    const w = openStore(db);
    const study = w.getStudy('delta-search')!;
    const base = w.addTrial(study.id, {
      number: -1,
      expr: 'softmax-ce',
      state: 'complete',
      seed: 1,
      metrics: { rungs: {}, baseline: 'softmax-ce' },
    });
    w.addRung({ trialId: base, rung: 0, metrics: { valAcc: 0.9, speed: 0.85, seconds: 1 } });
    w.addRung({ trialId: base, rung: 1, metrics: { valAcc: 0.93, speed: 0.88, seconds: 2 } });
    const complete = w.listTrials(study.id).filter((t) => t.state === 'complete' && t.number >= 0);
    complete
      .slice(1)
      .forEach((t, i) =>
        w.updateTrial(t.id, { metrics: { ...(t.metrics as object), parents: [complete[i]!.number] } }),
      );
    const trial = complete[3]!;
    const run = w.listRuns({ grid: 'compare' })[0]!;
    w.close();
    const hash = sha(db);

    const dash = await startDashboard({ dbPath: db, port: 0, pollMs: 200 });
    try {
      const { page, problems, blocked } = await open(dash.url);
      const views: [string, string, number][] = [
        ['/', 'dashboard-overview.png', 0],
        ['/grid/compare', 'dashboard-grid.png', 2],
        // search curve, rungs, rejections, Pareto front, family tree, confirmation
        ['/study/delta-search', 'dashboard-study.png', 6],
        [`/trial/${encodeURIComponent(`delta-search#${trial.number}`)}`, 'dashboard-trial.png', 1],
        [`/run/${run.id}`, 'dashboard-run.png', 2],
      ];
      for (const [path, shot, charts] of views) {
        await goTo(page, dash.url, path);
        const n = await page.$$eval('#view .chart svg', (s) => s.length);
        assert.equal(n, charts, `${path}: ${n} charts`);
        await page.screenshot({ path: join(OUT_DIR, shot), fullPage: true });
      }
      // The trial page links its parent and child; the overview lists the findings.
      await goTo(page, dash.url, `/trial/${encodeURIComponent(`delta-search#${trial.number}`)}`);
      const text = await page.textContent('#view');
      assert.ok(text!.includes(`Bred from #${complete[2]!.number}`), text!);
      assert.ok(text!.includes(`Parent of #${complete[4]!.number}`));
      await goTo(page, dash.url, '/');
      assert.match((await page.textContent('#findings'))!, /softmax-ce reaches/);
      assert.deepEqual(blocked, []);
      assert.deepEqual(problems, []);
      await page.context().close();

      const ask = (headers: Record<string, string>, method = 'GET') =>
        new Promise<number>((ok, fail) => {
          const req = request(`${dash.url}api/overview`, { method, headers }, (res) => {
            res.resume();
            ok(res.statusCode ?? 0);
          });
          req.on('error', fail);
          req.end();
        });
      assert.equal(await ask({}), 200);
      assert.equal(await ask({ host: 'attacker.example' }), 403, 'DNS rebinding: a foreign Host is refused');
      assert.equal(await ask({}, 'POST'), 405, 'read-only');
    } finally {
      await dash.close();
    }
    assert.equal(sha(db), hash, 'the database is byte for byte as it was');
  },
);
