// `headroom ls --db PATH`: the grids and studies of a database, with their sizes and states.
import { resolve } from 'node:path';
import { opt, parseOptions, type OptionTable } from '../args.js';
import { openReadOnly } from '../../report/data.js';
import { overview, type GridSummary, type Overview, type StudySummary } from '../../query/index.js';

const HELP = `usage: headroom ls --db PATH [--json]

Lists the grids (compare and confirm runs) and the studies (searches) stored in a database, with their sizes and
states. Read-only: it can run while compare, search or confirm write to the same database.

  grids:   runs finished (ok, diverged, failed) out of those planned, runs in flight, datasets · models, heads, seeds,
           epochs, state (running; stopped: runs left unfinished, rerun the same command; complete) and last activity
  studies: space, sampler, candidates by state, trials per rung, the best candidate (highest rung, then validation Δ
           against softmax-ce), its confirmation grids, state (running; interrupted: continue with search --resume;
           finished)

options:
  --db PATH   the SQLite database written by compare / search / confirm                        [headroom.db]
  --json      one JSON document: { "grids": [...], "studies": [...] }
`;

const OPTIONS = {
  db: opt.dbToRead(),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

/** Columns padded to their widest cell (by code points, so '·' and 'Δ' count once). */
export function columns(rows: string[][]): string[] {
  const width = (s: string) => [...s].length;
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ''))));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(w[i]! - width(c))))
      .join('  ')
      .trimEnd(),
  );
}

function pct(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '—';
}

function points(x: number | null): string {
  if (x === null) return 'Δ —';
  const v = (100 * x).toFixed(2);
  return `Δ ${x > 0 ? '+' : ''}${v}`;
}

function when(iso: string | null): string {
  return iso === null ? '—' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function gridRows(grids: GridSummary[]): string[] {
  const head = [
    'grid',
    'state',
    'runs',
    'in flight',
    'datasets · models',
    'heads',
    'seeds',
    'epochs',
    'last activity',
  ];
  const rows = grids.map((g) => {
    const c = g.counts;
    const bad = [c.diverged ? `${c.diverged} diverged` : '', c.failed ? `${c.failed} failed` : '']
      .filter((x) => x !== '')
      .join(', ');
    return [
      g.name,
      g.state,
      `${c.finished}/${c.total}${bad ? ` (${bad})` : ''}`,
      c.running + c.stalled + c.planned > 0
        ? `${c.running} running, ${c.planned} queued${c.stalled ? `, ${c.stalled} stalled` : ''}`
        : '—',
      g.panels.join(', '),
      String(g.heads.length),
      String(g.seeds),
      g.epochs.join(','),
      when(g.lastActivity),
    ];
  });
  return columns([head, ...rows]);
}

function studyRows(studies: StudySummary[]): string[] {
  const head = [
    'study',
    'space',
    'state',
    'candidates',
    'per rung',
    'best (validation, one seed)',
    'confirmed in',
  ];
  const rows = studies.map((s) => {
    const states = Object.entries(s.states)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    return [
      s.name,
      `${s.space}${s.sampler ? ` (${s.sampler})` : ''}`,
      s.state,
      `${s.trials}${states ? `: ${states}` : ''}`,
      s.rungs.map((r) => r.trials).join('/'),
      s.best
        ? `#${s.best.number} rung ${s.best.rung} ${pct(s.best.valAcc)} ${points(s.best.delta)} ${s.best.expr}`
        : '—',
      s.confirmGrids.join(', ') || '—',
    ];
  });
  return columns([head, ...rows]);
}

export function formatOverview(o: Overview, dbPath: string): string {
  const lines = [`database ${dbPath}`, ''];
  lines.push(
    ...(o.grids.length > 0 ? gridRows(o.grids) : ['no grids (headroom compare writes them)']),
    '',
    ...(o.studies.length > 0 ? studyRows(o.studies) : ['no studies (headroom search writes them)']),
  );
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions('ls', argv, OPTIONS);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  const dbPath = o.db ?? resolve('headroom.db');
  const store = openReadOnly(dbPath);
  try {
    const view = overview(store);
    console.log(o.json ? JSON.stringify(view, null, 2) : formatOverview(view, dbPath));
  } finally {
    store.close();
  }
  return 0;
}
