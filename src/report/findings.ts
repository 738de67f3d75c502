/**
 * The study's answer in plain words: for each panel (and each study's confirmation), which heads differ significantly
 * from the baseline and which do not, read from the same statistics as the tables (the verdict's test: paired over
 * seeds, or Welch's when seeds do not match; Holm across the heads of a panel). Shared by the report's findings box and the dashboard.
 */
import type { AccuracyRow, ReportData, StudyView } from './types.js';

export type FindingTone = 'better' | 'worse' | 'none' | 'info';

export interface Finding {
  /** What the sentence is about: a panel ('mnist · keras-mlp') or a study. */
  scope: string;
  text: string;
  /** better/worse: some head differs significantly in that direction (both: 'worse' wins, it is the warning). */
  tone: FindingTone;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function points(x: number): string {
  const v = (100 * x).toFixed(2);
  return x > 0 ? `+${v}` : v.replace('-', '−');
}

function pText(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

function list(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

function seedsText(rows: AccuracyRow[]): string {
  const ns = rows.map((r) => r.n).filter((n) => n > 0);
  if (ns.length === 0) return 'no finished runs';
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? `${lo} seed${lo === 1 ? '' : 's'} per head` : `${lo}–${hi} seeds per head`;
}

/** One panel's sentence: the significant heads with Δ and Holm p, then the heads that do not differ. */
export function panelFinding(scope: string, rows: AccuracyRow[], baseline: string): Finding {
  const base = rows.find((r) => r.head === baseline);
  const metric = rows.every((r) => r.metric === 'test') ? 'test' : 'validation';
  const others = rows.filter((r) => r.head !== baseline);
  if (!base || base.n === 0)
    return {
      scope,
      text: `no finished ${baseline} run, so no head can be compared with the baseline.`,
      tone: 'info',
    };
  const intro = `${baseline} reaches ${pct(base.mean)} ${metric} accuracy (${seedsText(rows)}).`;
  if (others.length === 0) return { scope, text: `${intro} No other head was trained.`, tone: 'info' };
  const detail = (r: AccuracyRow) =>
    `${r.head} (${points(r.delta!)} points${r.deltaCi ? `, 95% CI ${points(r.deltaCi[0])} to ${points(r.deltaCi[1])}` : ''}, Holm ${pText(r.pHolm!)})`;
  const better = others.filter((r) => r.verdict === 'better');
  const worse = others.filter((r) => r.verdict === 'worse');
  const ns = others.filter((r) => r.verdict === 'no significant difference');
  const few = others.filter((r) => r.verdict === 'too few runs');
  const parts = [intro];
  if (better.length > 0) parts.push(`Significantly better: ${list(better.map(detail))}.`);
  if (worse.length > 0) parts.push(`Significantly worse: ${list(worse.map(detail))}.`);
  if (ns.length > 0) {
    const largest = Math.max(...ns.map((r) => Math.abs(r.delta ?? 0)));
    parts.push(
      better.length + worse.length === 0
        ? `No head differs significantly from ${baseline}: ${list(ns.map((r) => r.head))} (|Δ| ≤ ${(100 * largest).toFixed(2)} points, none with Holm p < 0.05).`
        : `Not significantly different: ${list(ns.map((r) => r.head))} (|Δ| ≤ ${(100 * largest).toFixed(2)} points).`,
    );
  }
  if (few.length > 0)
    parts.push(`Too few runs to test (two seeds are needed on each side): ${list(few.map((r) => r.head))}.`);
  return {
    scope,
    text: parts.join(' '),
    tone: worse.length > 0 ? 'worse' : better.length > 0 ? 'better' : 'none',
  };
}

function groupByPanel(rows: AccuracyRow[]): Map<string, AccuracyRow[]> {
  const m = new Map<string, AccuracyRow[]>();
  for (const r of rows) m.set(r.panel, [...(m.get(r.panel) ?? []), r]);
  return m;
}

/** A study without confirmation runs: its best candidate by the search's own score, flagged as unconfirmed. */
function searchFinding(s: StudyView): Finding {
  const scope = `study ${s.name}`;
  const trained = s.trials.filter((t) => t.valAcc !== null).length;
  const best = s.ranking
    .map((n) => s.trials.find((t) => t.number === n))
    .find((t) => t !== undefined && t.delta !== null);
  if (!best)
    return {
      scope,
      text: `${s.space} space, ${s.trials.length} candidates, ${trained} trained; no candidate has a Δ against softmax-ce yet.`,
      tone: 'info',
    };
  return {
    scope,
    text:
      `${s.space} space, ${trained} candidates trained. The best (the highest rung, then validation Δ) is #${best.number} (${best.expr}) at ` +
      `${points(best.delta!)} points against softmax-ce at rung ${best.rung}, on one training seed: a screening result, ` +
      `not yet confirmed on fresh seeds (headroom confirm --study ${s.name}).`,
    tone: 'info',
  };
}

/** Every finding of the report: compare panels first, then each study (its confirmation, else its search). */
export function findings(data: Pick<ReportData, 'accuracy' | 'studies' | 'meta'>): Finding[] {
  const baseline = data.meta.baseline;
  const out: Finding[] = [];
  for (const [panel, rows] of groupByPanel(data.accuracy)) out.push(panelFinding(panel, rows, baseline));
  for (const s of data.studies) {
    if (s.confirmation.length === 0) {
      out.push(searchFinding(s));
      continue;
    }
    for (const [panel, rows] of groupByPanel(s.confirmation))
      out.push(panelFinding(`study ${s.name}, confirmation · ${panel}`, rows, baseline));
  }
  return out;
}
