/**
 * Opens the written report in a real (headless) Chromium, offline: every request that is not the file itself is
 * blocked and fails the test, as does any console error or warning; every chart must have rendered an SVG.
 * Needs Debian's `chromium` at /usr/bin/chromium (scripts/setup.sh installs it).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/index.js';
import { openStore } from '../../src/store/index.js';
import { richFixture } from './fixture.js';

const CHROMIUM = process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium';
const OUT_DIR = resolve('test-output');

let dir: string;
let browser: Browser;

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `no Chromium at ${CHROMIUM}: install Debian's 'chromium' (apt-get install -y chromium; scripts/setup.sh does) or set HEADROOM_CHROMIUM`,
  );
  dir = mkdtempSync(join(tmpdir(), 'report-browser-'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
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

/** Opens the report with the network cut off and waits until every vega-embed promise has settled. */
async function open(file: string): Promise<Opened> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    offline: true,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const blocked: string[] = [];
  const fileUrl = pathToFileURL(file).href;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === fileUrl || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`),
  );
  await page.goto(fileUrl, { waitUntil: 'load' });
  await page.waitForFunction(
    () =>
      document.documentElement.hasAttribute('data-charts-ready') ||
      document.documentElement.hasAttribute('data-charts-error'),
    null,
    { timeout: 90_000 },
  );
  const err = await page.evaluate(() => document.documentElement.getAttribute('data-charts-error'));
  assert.equal(err, null, `a chart failed to render: ${err}`);
  return { page, problems, blocked };
}

/** Each chart container with the size of what vega drew into it. */
async function chartSizes(page: Page): Promise<{ id: string; section: string; w: number; h: number }[]> {
  return page.$$eval('.chart', (els) =>
    els.map((el) => {
      const g = el.querySelector('svg, canvas');
      const r = g ? g.getBoundingClientRect() : { width: 0, height: 0 };
      return { id: el.id, section: el.closest('section')?.id ?? '?', w: r.width, h: r.height };
    }),
  );
}

test(
  'the report renders every chart offline, with no console errors or network requests',
  { timeout: 120_000 },
  async () => {
    const db = join(dir, 'rich.db');
    richFixture(db);
    const out = join(dir, 'report.html');
    const res = await writeReport({ dbPath: db, out });
    assert.equal(res.path, out);
    assert.ok(statSync(out).size > 500_000, 'vega, vega-lite and vega-embed are inlined');

    const { page, problems, blocked } = await open(out);
    const ready = await page.evaluate(() => document.documentElement.getAttribute('data-charts-ready'));
    assert.equal(Number(ready), res.charts);

    const charts = await chartSizes(page);
    assert.equal(charts.length, res.charts);
    for (const c of charts)
      assert.ok(c.w > 50 && c.h > 50, `chart ${c.id} in #${c.section} rendered ${c.w}×${c.h}`);
    // The rich fixture has data for every kind of chart.
    const perSection = (s: string) => charts.filter((c) => c.section === s).length;
    assert.equal(perSection('curves'), 1);
    assert.equal(perSection('accuracy'), 1);
    assert.equal(perSection('delta'), 1, 'δ-shape plot (needs the engine)');
    assert.equal(perSection('repr'), 2, 'accuracy–transfer scatter and the CKA heatmap');
    assert.equal(perSection('studies'), 4, 'search curve, rejections, Pareto front, confirmation');
    // Every registered head of the runs has a δ panel: 4 heads → 4 line groups of the target series at least.
    const deltaTitles = await page.$$eval('#delta .chart svg .role-title-text text', (ts) =>
      ts.map((t) => t.textContent),
    );
    for (const h of ['softmax-ce', 'linear-mse', 'oland-exp', 'am-softmax'])
      assert.ok(deltaTitles.includes(h), h);

    const verdicts = await page.$$eval('#accuracy td.verdict', (tds) => tds.map((t) => t.textContent));
    assert.ok(verdicts.includes('baseline'));
    assert.ok(
      verdicts.every((v) =>
        ['baseline', 'better', 'worse', 'no significant difference', 'too few runs'].includes(v!),
      ),
    );
    const runRows = await page.$$eval('#runs tbody tr', (rows) => rows.length);
    assert.equal(runRows, 12 * 2 + 1 + 15);

    assert.deepEqual(blocked, [], 'the report made network requests');
    assert.deepEqual(problems, []);

    mkdirSync(OUT_DIR, { recursive: true });
    await page.screenshot({ path: join(OUT_DIR, 'report.png'), fullPage: true });
    await page.context().close();
  },
);

test(
  'the report opens with its findings, and every figure saves as SVG and PNG, offline',
  { timeout: 120_000 },
  async () => {
    const db = join(dir, 'rich-findings.db');
    richFixture(db);
    const out = join(dir, 'findings.html');
    const res = await writeReport({ dbPath: db, out });
    const { page, problems, blocked } = await open(out);
    // One sentence per panel and per confirmed study panel, each naming the baseline.
    const findings = await page.$$eval('#findings li', (lis) => lis.map((l) => l.textContent ?? ''));
    assert.equal(findings.length, 3, findings.join('\n'));
    for (const f of findings) assert.match(f, /softmax-ce reaches \d+\.\d\d% test accuracy/);
    assert.ok(findings.some((f) => /^study delta-search, confirmation/.test(f)));
    // The findings come before the first section.
    assert.ok(
      await page.evaluate(
        () =>
          !!(
            document.getElementById('findings')!.compareDocumentPosition(document.querySelector('section')!) &
            Node.DOCUMENT_POSITION_FOLLOWING
          ),
      ),
    );
    assert.equal(await page.$$eval('button[data-save="svg"]', (b) => b.length), res.charts);
    assert.equal(await page.$$eval('button[data-save="png"]', (b) => b.length), res.charts);
    const save = async (fmt: string, chart: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`button[data-save="${fmt}"][data-chart="${chart}"]`),
      ]);
      return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
    };
    const svg = await save('svg', 'chart-1');
    assert.equal(svg.name, 'figure-1.svg');
    assert.match(svg.bytes.toString('utf8'), /^<svg[^>]*>/);
    const png = await save('png', 'chart-2');
    assert.equal(png.name, 'figure-2.png');
    assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
    assert.deepEqual(blocked, []);
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'an empty database gives a report whose sections each say there is no data',
  { timeout: 60_000 },
  async () => {
    const db = join(dir, 'empty.db');
    openStore(db).close();
    const out = join(dir, 'empty.html');
    const res = await writeReport({ dbPath: db, out });
    assert.equal(res.charts, 0);
    const { page, problems, blocked } = await open(out);
    assert.equal(await page.evaluate(() => document.documentElement.getAttribute('data-charts-ready')), '0');
    const empties = await page.$$eval('section', (ss) =>
      ss.map((s) => [s.id, s.querySelectorAll('p.empty').length]),
    );
    for (const [id, n] of empties) assert.ok(Number(n) >= 1, `section ${id} says it has no data`);
    assert.deepEqual(blocked, []);
    assert.deepEqual(problems, []);
    await page.context().close();
  },
);

test(
  'the harness notices a page that reaches for the network or logs an error',
  { timeout: 60_000 },
  async () => {
    const file = join(dir, 'leaky.html');
    writeFileSync(
      file,
      `<!doctype html><html><body><img src="https://example.invalid/x.png">
<script>console.error('boom'); document.documentElement.setAttribute('data-charts-ready', '0');</script></body></html>`,
    );
    const { problems, blocked, page } = await open(file);
    await page.waitForTimeout(200);
    assert.deepEqual(blocked, ['https://example.invalid/x.png']);
    assert.ok(problems.some((p) => p.includes('boom')));
    assert.ok(problems.some((p) => p.startsWith('request failed')));
    await page.context().close();
  },
);
