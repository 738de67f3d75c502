#!/usr/bin/env node
// The representation study's tables as markdown, from the stored runs: per dataset · model, every head's test accuracy
// (Δ and Holm p against the baseline) and representation metrics (mean ± 95% CI half-width, ▲/▼ where Welch + Holm
// across heads finds a difference from the baseline), then the Kornblith correlations across heads and the mean
// cross-head CKA with the baseline. The same computation as the HTML report (readReportData), so the two agree.
// Used for docs/results/representations.md.
//   node scripts/repr-summary.mjs DB
import { readReportData } from '../dist/report/data.js';

const [dbPath] = process.argv.slice(2);
if (!dbPath) {
  console.error('usage: node scripts/repr-summary.mjs DB');
  process.exit(2);
}
const data = readReportData({ dbPath });
const { baseline } = data.meta;
const half = (s) => (s.n >= 2 && Number.isFinite(s.hi) ? s.hi - s.mean : NaN);
const num = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const signed = (x, d = 2) => (Number.isFinite(x) ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(d)}` : '—');
const p = (x) =>
  x === null || !Number.isFinite(x) ? '' : x < 1e-4 ? '<1e-4' : x < 1e-3 ? x.toExponential(1) : x.toFixed(3);
const pEq = (x) => (Number.isFinite(x) && x < 1e-4 ? 'p < 1e-4' : `p = ${p(x)}`);
const ci = (mean, h, d) => (Number.isFinite(h) ? `${num(mean, d)} ± ${num(h, d)}` : num(mean, d));

const columns = data.repr.columns;
for (const panel of [...new Set(data.repr.rows.map((r) => r.panel))]) {
  const rows = data.repr.rows.filter((r) => r.panel === panel);
  console.log(`\n### ${panel}\n`);
  console.log(
    `| head | n | test acc % | Δ pts | p Welch (Holm) | p paired (Holm) | ${columns.map((c) => `${c.label}${c.higherIsBetter === null ? '' : c.higherIsBetter ? ' ↑' : ' ↓'}`).join(' | ')} |`,
  );
  console.log(`|${'---|'.repeat(6 + columns.length)}`);
  for (const r of rows) {
    const acc = data.accuracy.find((a) => a.panel === panel && a.head === r.head);
    const cells = columns.map((c) => {
      const m = r.metrics[c.key];
      if (!m) return '—';
      const t = r.vsBaseline[c.key];
      const mark = t?.significant ? (t.delta > 0 ? ' ▲' : ' ▼') : '';
      return `${ci(m.mean, half(m), 3)}${mark}`;
    });
    console.log(
      `| ${r.head}${r.head === baseline ? ' (baseline)' : ''} | ${r.n} | ${acc ? ci(100 * acc.mean, 100 * half(acc), 2) : '—'} | ${acc?.delta != null ? signed(100 * acc.delta) : ''} | ${p(acc?.pWelchHolm ?? null)} | ${p(acc?.pPairedHolm ?? null)} | ${cells.join(' | ')} |`,
    );
  }
  const corr = data.repr.correlations.filter((c) => c.panel === panel);
  if (corr.length > 0) {
    console.log(`\nAcross the ${corr[0].n} heads (head means):`);
    for (const c of corr)
      console.log(
        `- ${c.x} vs ${c.y}: Pearson r = ${signed(c.pearson)} (${pEq(c.pearsonP)}), Spearman ρ = ${signed(c.spearman)} (${pEq(c.spearmanP)})`,
      );
  }
  const cka = data.cka.filter((c) => c.panel === panel && c.a === baseline);
  if (cka.length > 0)
    console.log(
      `\nLinear CKA with ${baseline} (mean over seeds): ${cka.map((c) => `${c.b} ${num(c.mean, 2)}`).join(', ')}.`,
    );
}
console.log(
  `\n▲/▼: significantly higher/lower than ${baseline} (Welch's t-test over seeds, Holm across the heads of the dataset · model, α = 0.05).`,
);
