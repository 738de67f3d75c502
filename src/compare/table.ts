import type { CompareRow, Interval, PanelSummary, PowerLine } from './summary.js';

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(2) : '—');

function ci(i: Interval | null): string {
  if (!i || i.n === 0) return '—';
  if (i.n === 1 || !i.ci) return `${pct(i.mean)} (n=${i.n})`;
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

const TEST_NAME = { paired: 'paired t-test on per-seed differences', welch: "Welch's t-test" } as const;

/**
 * The paired and the Welch half of a power line, accuracy in `unit` (pts in the terminal, pp in the report); null
 * where the runs give that half nothing to measure.
 */
export function powerLineHalves(w: PowerLine, unit: string): { paired: string | null; welch: string | null } {
  const pts = (x: number) => (100 * x).toFixed(2);
  const seeds = (n: number | null) => (n === null ? 'more than 100,000' : String(n));
  return {
    paired: w.paired
      ? `paired: sd of per-seed Δ (median over heads) ${pts(w.paired.sd)} ${unit} → ${seeds(w.paired.seeds)} seeds`
      : null,
    welch: w.welch
      ? `Welch: within-head sd (median over heads) ${pts(w.welch.sd)} ${unit} → ${seeds(w.welch.seeds)} seeds per head`
      : null,
  };
}

/**
 * One line per dataset × model under the table: the test its verdicts use, and the seeds needed to detect 0.2 points
 * at the spread these runs show (80% power, two-sided, at Holm's strictest level α/m).
 */
export function powerNotes(panels: readonly PanelSummary[]): string[] {
  const pts = (x: number) => (100 * x).toFixed(2);
  return panels.map((p) => {
    const w = p.power;
    const halves = powerLineHalves(w, 'pts');
    const parts = [
      halves.paired ?? 'paired: no pairs',
      halves.welch ?? 'Welch: fewer than two runs per head',
    ];
    return (
      `${p.dataset} · ${p.model}: verdicts use the ${TEST_NAME[p.verdictTest]} (Holm across heads, α = ${ALPHA}). ` +
      `Seeds to detect ${pts(w.effect)} pts with ${Math.round(100 * w.power)}% power at α = ${w.alpha.toPrecision(2)}: ` +
      `${parts.join('; ')}.`
    );
  });
}

/**
 * One line per dataset × model that has paired tests: each head's per-seed differences to the baseline, which the
 * paired test is computed from (a verdict driven by one seed shows here). The seeds are named once when every head
 * has the same ones.
 */
export function pairedDifferenceNotes(rows: readonly CompareRow[]): string[] {
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
  const panels = new Map<string, CompareRow[]>();
  for (const r of rows) {
    if (!r.delta?.paired) continue;
    const key = `${r.dataset} · ${r.model}`;
    panels.set(key, [...(panels.get(key) ?? []), r]);
  }
  return [...panels].map(([panel, tested]) => {
    const seedsOf = (r: CompareRow) => r.delta!.paired!.differences.map((d) => d.seed).join(', ');
    const common = new Set(tested.map(seedsOf)).size === 1 ? seedsOf(tested[0]!) : undefined;
    const metric = tested[0]!.delta!.metric;
    const heads = tested.map((r) => {
      const d = r.delta!.paired!.differences;
      return `${r.head}${common === undefined ? ` (seeds ${seedsOf(r)})` : ''} ${d.map((x) => signed(x.diff)).join(' ')}`;
    });
    return (
      `${panel}: per-seed Δ ${metric} pts against the baseline${common !== undefined ? ` (seeds ${common})` : ''}: ` +
      `${heads.join('; ')}.`
    );
  });
}

/** Columns of the compare table, shared by the terminal printer and the markdown writer. */
export function tableColumns(
  rows: CompareRow[],
  panels: readonly PanelSummary[] = [],
): { header: string[]; cells: string[][]; notes: string[] } {
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
    'p Welch (Holm)',
    'p paired (Holm)',
    'verdict (test)',
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
    r.delta ? pValue(r.delta.welch.pHolm) : '',
    r.delta?.paired ? pValue(r.delta.paired.pHolm) : '',
    r.delta ? `${r.delta.verdict} (${r.delta.test})` : r.baseline ? 'baseline' : 'n < 2',
    pct(r.convergence.meanValAcc),
    r.convergence.epochsToTarget === null
      ? `not reached (target ${pct(r.convergence.target)})`
      : `${r.convergence.epochsToTarget.toFixed(1)} (${r.convergence.reachedTarget}/${r.n})`,
    r.ece ? r.ece.mean.toFixed(4) : '—',
    Number.isFinite(r.secondsPerEpoch) ? r.secondsPerEpoch.toFixed(1) : '—',
    `${r.diverged}${r.failed ? ` (+${r.failed} failed)` : ''}`,
    ...reprKeys.map((k) => reprCell(r, k)),
  ]);
  return {
    header,
    cells,
    notes: [...powerNotes(panels), ...pairedDifferenceNotes(rows), ...(hasRepr ? [REPR_LEGEND] : [])],
  };
}

export function formatTable(rows: CompareRow[], panels: readonly PanelSummary[] = []): string {
  const { header, cells, notes } = tableColumns(rows, panels);
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  const line = (c: string[]) =>
    c
      .map((x, j) => x.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.map(line), ...notes].join('\n');
}

export function markdownTable(rows: CompareRow[], panels: readonly PanelSummary[] = []): string {
  const { header, cells, notes } = tableColumns(rows, panels);
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...cells.map((c) => `| ${c.map(esc).join(' | ')} |`),
    // One paragraph per note: consecutive markdown lines would run together.
    ...notes.flatMap((n) => ['', n]),
  ].join('\n');
}
