import type { CompareRow, Interval } from './summary.js';

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '—');

function ci(i: Interval | null): string {
  if (!i || i.n === 0) return '—';
  if (i.n === 1) return `${pct(i.mean)} (n=1)`;
  return `${pct(i.mean)} ± ${(100 * (i.ci[1] - i.mean)).toFixed(2)}`;
}

function pValue(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 1e-4 ? '<1e-4' : p.toFixed(4);
}

const ALPHA = 0.05;

/** A representation metric's mean, with ↑/↓ where it differs from the baseline head's after Holm. */
function reprCell(r: CompareRow, key: string): string {
  const m = r.repr?.[key];
  if (!m) return '—';
  const d = r.reprDelta?.[key];
  const mark = d && d.pHolm < ALPHA ? (d.delta > 0 ? '↑' : '↓') : '';
  return m.mean.toFixed(4) + mark;
}

const REPR_LEGEND = `↑/↓ after a representation metric: significantly higher/lower than the baseline head's (Welch, Holm across heads, α = ${ALPHA}).`;

/** Columns of the compare table, shared by the terminal printer and the markdown writer. */
export function tableColumns(rows: CompareRow[]): { header: string[]; cells: string[][]; notes: string[] } {
  const hasRepr = rows.some((r) => r.repr);
  const reprKeys = hasRepr ? [...new Set(rows.flatMap((r) => Object.keys(r.repr ?? {})))].sort() : [];
  const header = [
    'dataset',
    'model',
    'head',
    'n',
    'val acc % (95% CI)',
    'test acc % (95% CI)',
    'Δ pts',
    'p (Holm)',
    'verdict',
    'mean val acc/epoch',
    'epochs→target',
    'ECE',
    's/epoch',
    'diverged',
    ...reprKeys,
  ];
  const cells = rows.map((r) => [
    r.dataset,
    r.model,
    r.head + (r.baseline ? ' (baseline)' : ''),
    String(r.n),
    ci(r.valAcc),
    ci(r.testAcc),
    r.delta ? `${r.delta.mean >= 0 ? '+' : ''}${(100 * r.delta.mean).toFixed(2)}` : '',
    r.delta ? pValue(r.delta.pHolm) : '',
    r.delta ? r.delta.verdict : r.baseline ? 'baseline' : 'n < 2',
    pct(r.convergence.meanValAcc),
    r.convergence.epochsToTarget === null
      ? `not reached (target ${pct(r.convergence.target)})`
      : `${r.convergence.epochsToTarget.toFixed(1)} (${r.convergence.reachedTarget}/${r.n})`,
    r.ece ? r.ece.mean.toFixed(4) : '—',
    Number.isFinite(r.secondsPerEpoch) ? r.secondsPerEpoch.toFixed(1) : '—',
    `${r.diverged}${r.failed ? ` (+${r.failed} failed)` : ''}`,
    ...reprKeys.map((k) => reprCell(r, k)),
  ]);
  return { header, cells, notes: hasRepr ? [REPR_LEGEND] : [] };
}

export function formatTable(rows: CompareRow[]): string {
  const { header, cells, notes } = tableColumns(rows);
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  const line = (c: string[]) =>
    c
      .map((x, j) => x.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line), ...notes].join('\n');
}

export function markdownTable(rows: CompareRow[]): string {
  const { header, cells, notes } = tableColumns(rows);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...cells.map((c) => `| ${c.map(esc).join(' | ')} |`),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
