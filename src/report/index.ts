/**
 * `headroom report`: one self-contained HTML file (vega, vega-lite, vega-embed and the data inlined) from a database.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { makeFolders } from '../store/index.js';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { DEFAULT_BASELINE, readReportData } from './data.js';
import { renderPage, type InlineScripts } from './html.js';
import type { CandidateSpec } from './delta.js';
import type { DeltaView, ReportData, RunRow } from './types.js';

export { readReportData, accuracyRows, learningCurves, reprView, paretoFront, ReportError } from './data.js';
export { renderPage } from './html.js';
export type * from './types.js';

export interface ReportOptions {
  dbPath: string;
  out: string;
  study?: string;
  grid?: string;
  baseline?: string;
  /** Skip the engine (δ shapes); the section then says why. For environments without the native addon. */
  noDeltas?: boolean;
}

export interface ReportResult {
  path: string;
  charts: number;
  bytes: number;
}

const require = createRequire(import.meta.url);

/**
 * The folder of an installed package, even when its `exports` hide package.json (vega-embed does) and a build folder
 * carries a package.json of the same name (vega-lite's does): the segment after the last `node_modules/<name>/`.
 */
function packageDir(name: string): string {
  const entry = require.resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const i = entry.lastIndexOf(marker);
  if (i < 0)
    throw new Error(`report: cannot find the folder of the npm package '${name}' (resolved to ${entry})`);
  return entry.slice(0, i + marker.length - 1);
}

function readBuild(name: string, file: string): { js: string; version: string } {
  const dir = packageDir(name);
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
    .version;
  return { js: readFileSync(join(dir, 'build', file), 'utf8'), version };
}

export function loadInlineScripts(): InlineScripts {
  const vega = readBuild('vega', 'vega.min.js');
  const vegaLite = readBuild('vega-lite', 'vega-lite.min.js');
  const vegaEmbed = readBuild('vega-embed', 'vega-embed.min.js');
  return {
    vega: vega.js,
    vegaLite: vegaLite.js,
    vegaEmbed: vegaEmbed.js,
    versions: { vega: vega.version, vegaLite: vegaLite.version, vegaEmbed: vegaEmbed.version },
  };
}

/** The parameters all of a head's runs agree on, so its δ curve is the one that was trained. */
function sharedHeadParams(runs: RunRow[]): Map<string, Record<string, number>> {
  const seen = new Map<string, Set<string>>();
  for (const r of runs) {
    let hp: unknown;
    try {
      hp = (JSON.parse(r.config) as { headParams?: unknown }).headParams;
    } catch {
      hp = undefined;
    }
    const set = seen.get(r.head) ?? new Set<string>();
    set.add(JSON.stringify(hp ?? {}));
    seen.set(r.head, set);
  }
  const out = new Map<string, Record<string, number>>();
  for (const [head, set] of seen) {
    if (set.size !== 1) continue;
    const p = JSON.parse([...set][0]) as Record<string, number>;
    if (Object.keys(p).length > 0) out.set(head, p);
  }
  return out;
}

/** Search candidates that confirmation runs trained, by head name (`<study>#<trial>`). */
function candidateSpecs(runs: RunRow[]): Map<string, CandidateSpec> {
  const out = new Map<string, CandidateSpec>();
  for (const r of runs) {
    let c: unknown;
    try {
      c = (JSON.parse(r.config) as { candidate?: unknown }).candidate;
    } catch {
      continue;
    }
    if (c === null || typeof c !== 'object') continue;
    const { space, expr, params } = c as Record<string, unknown>;
    if (typeof space !== 'string' || typeof expr !== 'string') continue;
    const spec: CandidateSpec = { space, expr };
    if (Array.isArray(params) && params.every((x) => typeof x === 'number')) spec.params = params as number[];
    out.set(r.head, spec);
  }
  return out;
}

async function deltas(data: Omit<ReportData, 'deltas'>, baseline: string, skip: boolean): Promise<DeltaView> {
  const none = (why: string): DeltaView => ({
    numClasses: 0,
    reference: null,
    heads: [],
    points: [],
    skipped: [],
    unavailable: why,
  });
  if (skip) return none('disabled for this report (--no-deltas).');
  const shown = data.headOrder;
  if (shown.length === 0) return { numClasses: 0, reference: null, heads: [], points: [], skipped: [] };
  try {
    // Loaded lazily: the engine's native addon is the one dependency a report can do without.
    const { computeDeltas } = await import('./delta.js');
    return computeDeltas(shown, sharedHeadParams(data.runs), baseline, candidateSpecs(data.runs));
  } catch (e) {
    return none(
      `the engine could not be loaded (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).`,
    );
  }
}

export async function buildReportData(opts: Omit<ReportOptions, 'out'>): Promise<ReportData> {
  const baseline = opts.baseline ?? DEFAULT_BASELINE;
  // The baseline as given (undefined by default), so that only a name the user typed is checked against the runs.
  const data = readReportData({
    dbPath: resolve(opts.dbPath),
    grid: opts.grid,
    study: opts.study,
    baseline: opts.baseline,
  });
  return { ...data, deltas: await deltas(data, baseline, opts.noDeltas ?? false) };
}

export async function writeReport(opts: ReportOptions): Promise<ReportResult> {
  const data = await buildReportData(opts);
  const page = renderPage(data, loadInlineScripts());
  const path = resolve(opts.out);
  makeFolders(dirname(path));
  // Write then rename: a reader (or a browser reload) never sees half a report.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, page.html);
    renameSync(tmp, path);
  } catch (e) {
    // A full disk or a rename refused: no half-written temporary file is left behind, and the error names the
    // report's path (a failed write() names no path, an open() the temporary one).
    rmSync(tmp, { force: true });
    if (e instanceof Error && 'code' in e) (e as NodeJS.ErrnoException).path = path;
    throw e;
  }
  return { path, charts: page.charts, bytes: Buffer.byteLength(page.html) };
}
