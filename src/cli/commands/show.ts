// `headroom show --db PATH RUN|TRIAL`: one run (id or key) or one search trial (STUDY#N) in full.
import { resolve } from 'node:path';
import { opt, parseOptions, UsageError, type OptionTable } from '../args.js';
import { openReadOnly } from '../../report/data.js';
import {
  parseTrialRef,
  runDetail,
  trialDetail,
  type CurveRecord,
  type RunDetail,
  type TrialDetail,
} from '../../query/index.js';
import { columns } from './ls.js';

const HELP = `usage: headroom show --db PATH RUN|TRIAL [--json]

Prints one run or one search trial: what it is, its numbers, its full config, its curve and the command that
reproduces it. Read-only.

  RUN     a run id (the report's and 'headroom export''s id column) or its key (or a unique prefix of it); a run still
          training is shown from the live journal
  TRIAL   STUDY#N: trial N of study STUDY (the name confirmation runs give a candidate)

options:
  --db PATH   the SQLite database written by compare / search / confirm                        [headroom.db]
  --json      the run or trial as one JSON document
`;

const OPTIONS = {
  db: opt.dbToRead(),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

/** The one positional argument, taken out before the option table reads the rest (it refuses positionals). */
function splitPositional(argv: readonly string[]): { ref: string | undefined; rest: string[] } {
  const rest: string[] = [];
  const refs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('-') && a !== '-') {
      rest.push(a);
      // A value option's value follows it (unless given as --db=PATH).
      if (a === '--db' && i + 1 < argv.length) rest.push(argv[++i]!);
      continue;
    }
    refs.push(a);
  }
  if (refs.length > 1)
    throw new UsageError(`show: one RUN or TRIAL at a time, got ${refs.map((r) => `'${r}'`).join(' ')}.`);
  return { ref: refs[0], rest };
}

function pct(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '—';
}

function num(x: number | null | undefined, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

function points(x: number | null): string {
  if (x === null) return '—';
  const v = (100 * x).toFixed(2);
  return `${x > 0 ? '+' : ''}${v} points`;
}

/** ▁▂▃▄▅▆▇█ over the curve's own range: the shape at a glance, the table below has the numbers. */
export function sparkline(values: readonly (number | null)[]): string {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return '';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const bars = '▁▂▃▄▅▆▇█';
  return values
    .map((v) => (v === null ? ' ' : bars[hi === lo ? 7 : Math.round(((v - lo) / (hi - lo)) * 7)]))
    .join('');
}

function curveTable(curve: CurveRecord[]): string[] {
  if (curve.length === 0) return ['  (no epoch finished yet)'];
  const hasTest = curve.some((c) => c.testAcc !== null);
  const rows = [
    ['  epoch', 'train loss', 'val acc', ...(hasTest ? ['test acc'] : []), 'seconds'],
    ...curve.map((c) => [
      `  ${c.epoch}`,
      num(c.trainLoss),
      pct(c.valAcc),
      ...(hasTest ? [pct(c.testAcc)] : []),
      num(c.seconds, 1),
    ]),
  ];
  return [`  val acc ${sparkline(curve.map((c) => c.valAcc))}`, ...columns(rows)];
}

export function formatRun(d: RunDetail): string {
  const c = d.config;
  const what = c ? `${c.dataset} · ${c.model} · ${c.head} · seed ${c.seed}` : `key ${d.key}`;
  const lines = [
    `run ${d.id ?? '(in flight)'} · ${what} · grid ${d.grid} · ${d.state}${d.error ? `: ${d.error}` : ''}`,
    `  key ${d.key}${d.machine ? ` · trained on ${d.machine}` : ''}`,
    `  ${d.startedAt ? `started ${d.startedAt}` : 'not started'}${d.finishedAt ? ` · finished ${d.finishedAt}` : ''}`,
    `  val ${pct(d.valAcc)} · test ${pct(d.testAcc)} · ECE ${num(d.ece)} · ${num(d.secondsPerEpoch, 2)} s/epoch · ${d.curve.length}/${d.epochs ?? '?'} epochs`,
  ];
  if (d.repr)
    lines.push(
      `  representations: ${Object.entries(d.repr)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(' · ')}`,
    );
  lines.push('', 'curve', ...curveTable(d.curve));
  lines.push(
    '',
    'config',
    ...JSON.stringify(c, null, 2)
      .split('\n')
      .map((l) => `  ${l}`),
  );
  lines.push(
    '',
    'command',
    `  ${d.command ?? '(not stored yet: a run records its command when it finishes)'}`,
  );
  return lines.join('\n');
}

export function formatTrial(d: TrialDetail): string {
  const lines = [
    `trial ${d.study}#${d.number} · ${d.space} space · ${d.state}${d.rejectReason ? ` (${d.rejectReason}${d.rejectDetail ? `: ${d.rejectDetail}` : ''})` : ''}`,
    `  ${d.expr}`,
  ];
  if (d.params) lines.push(`  params [${d.params.map((p) => num(p, 6)).join(', ')}]`);
  lines.push(
    `  score: ${points(d.delta)} against softmax-ce at its highest rung (validation, training seed ${d.seed})${d.rank ? ` · rank ${d.rank}` : ''}`,
  );
  if (d.parents.length > 0)
    lines.push(`  bred from ${d.parents.map((p) => `#${p.number} ${p.expr}`).join('; ')}`);
  if (d.children.length > 0) lines.push(`  parent of ${d.children.map((c) => `#${c.number}`).join(', ')}`);
  lines.push('', 'rungs');
  if (d.rungs.length === 0) lines.push('  (not trained)');
  else
    lines.push(
      ...columns([
        ['  rung', 'status', 'val acc', 'softmax-ce', 'Δ', 'speed (epoch 1)', 'seconds'],
        ...d.rungs.map((r) => [
          `  ${r.label}`,
          r.status,
          pct(r.valAcc),
          pct(r.baseline),
          points(r.delta),
          pct(r.speed),
          num(r.seconds, 1),
        ]),
      ]),
    );
  if (d.confirmRuns.length > 0)
    lines.push(
      '',
      'confirmation runs',
      ...d.confirmRuns.map(
        (r) =>
          `  run ${r.id} · ${r.grid} · ${r.dataset} · ${r.model} · seed ${r.seed} · ${r.status} · test ${pct(r.testAcc)}`,
      ),
    );
  lines.push(
    '',
    'command',
    `  ${d.command}`,
    `  (trial #${d.number} is proposed and trained the same way: proposals depend only on the seed)`,
  );
  if (d.confirmCommand) lines.push(`  ${d.confirmCommand}   # retrain with fresh seeds`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { ref, rest } = splitPositional(argv);
  const o = parseOptions('show', rest, OPTIONS);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  if (ref === undefined)
    throw new UsageError("show: name a RUN (id or key) or a TRIAL (STUDY#N). See 'headroom show --help'.");
  const dbPath = o.db ?? resolve('headroom.db');
  const store = openReadOnly(dbPath);
  try {
    const t = parseTrialRef(ref);
    const detail = t ? trialDetail(store, t.study, t.number, dbPath) : runDetail(store, ref);
    if (o.json) console.log(JSON.stringify(detail, null, 2));
    else console.log(detail.kind === 'run' ? formatRun(detail) : formatTrial(detail));
  } finally {
    store.close();
  }
  return 0;
}
