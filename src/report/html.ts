/**
 * The report page: one self-contained HTML document. Libraries and data are inlined so the file opens offline and
 * can be attached to a paper's supplement as is.
 */
import type { TopLevelSpec } from 'vega-lite';
import { powerLineHalves } from '../compare/table.js';
import {
  accuracyTransferSpec,
  ckaSpec,
  deltaShapeSpec,
  finalAccuracySpec,
  headScale,
  learningCurvesSpec,
  paretoSpec,
  rejectionsSpec,
  searchCurveSpec,
  SYMLOG_ABOVE,
  type HeadScale,
} from './charts.js';
import { findings } from './findings.js';
import type {
  AccuracyRow,
  ReportData,
  ReprComparison,
  ReprCorrelation,
  ReprView,
  StudyView,
} from './types.js';

export interface InlineScripts {
  vega: string;
  vegaLite: string;
  vegaEmbed: string;
  versions: { vega: string; vegaLite: string; vegaEmbed: string };
}

export interface RenderedPage {
  html: string;
  charts: number;
}

// ---------------------------------------------------------------------------------------------------- formatting

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function isNum(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Accuracy fraction → percent with 2 decimals. */
export function fmtPct(x: number | null | undefined, digits = 2): string {
  return isNum(x) ? (100 * x).toFixed(digits) : '—';
}

export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (!isNum(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e4 || a < 1e-3)) return x.toExponential(2);
  return x.toFixed(digits);
}

export function fmtP(p: number | null | undefined): string {
  if (!isNum(p)) return '—';
  if (p < 0.001) return '&lt;0.001';
  return p.toFixed(3);
}

export function fmtSigned(x: number | null | undefined, digits = 2): string {
  if (!isNum(x)) return '—';
  const v = (100 * x).toFixed(digits);
  return x > 0 ? `+${v}` : v.replace('-', '−');
}

/** A correlation coefficient: sign always shown, typographic minus. */
function fmtR(r: number): string {
  if (!isNum(r)) return '—';
  return r > 0 ? `+${r.toFixed(2)}` : r.toFixed(2).replace('-', '−');
}

function ci(lo: number, hi: number, n: number, f: (x: number) => string): string {
  return n >= 2 && isNum(lo) && isNum(hi) ? `<span class="ci">[${f(lo)}, ${f(hi)}]</span>` : '';
}

// ---------------------------------------------------------------------------------------------------- page builder

class Page {
  private readonly specs: Record<string, TopLevelSpec> = {};
  private figure = 0;
  private table = 0;

  chart(spec: TopLevelSpec, caption: string): string {
    this.figure += 1;
    const id = `chart-${this.figure}`;
    this.specs[id] = spec;
    return `<figure class="fig"><div class="chart" id="${id}" data-chart="${id}"></div>
${saveButtons(id, `figure-${this.figure}`)}
<figcaption><span class="label">Figure ${this.figure}.</span> ${caption}</figcaption></figure>`;
  }

  tableCaption(caption: string): string {
    this.table += 1;
    return `<p class="tcaption"><span class="label">Table ${this.table}.</span> ${caption}</p>`;
  }

  get charts(): Record<string, TopLevelSpec> {
    return this.specs;
  }
}

function empty(text: string): string {
  return `<p class="empty">${text}</p>`;
}

/** The figure's save buttons: the page's script exports what vega drew (see EMBED_JS), offline, as SVG or PNG. */
export function saveButtons(chartId: string, fileName: string): string {
  return `<div class="fig-tools" aria-label="save this figure">save as <button type="button" data-save="svg" data-chart="${chartId}" data-name="${esc(fileName)}">SVG</button><button type="button" data-save="png" data-chart="${chartId}" data-name="${esc(fileName)}">PNG</button></div>`;
}

const VERDICT_CLASS: Record<AccuracyRow['verdict'], string> = {
  baseline: 'v-base',
  better: 'v-better',
  worse: 'v-worse',
  'no significant difference': 'v-ns',
  'too few runs': 'v-few',
};

function groupByPanel<T extends { panel: string }>(rows: T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const list = m.get(r.panel) ?? [];
    list.push(r);
    m.set(r.panel, list);
  }
  return m;
}

export function accuracyTable(rows: AccuracyRow[], baseline: string): string {
  const metric = rows.every((r) => r.metric === 'test') ? 'test' : 'test/val';
  const body: string[] = [];
  for (const [panel, list] of groupByPanel(rows)) {
    body.push(`<tr class="group"><th colspan="13">${esc(panel)}</th></tr>`);
    for (const r of list) {
      const acc = `${fmtPct(r.mean)} ${ci(r.lo, r.hi, r.n, (x) => fmtPct(x))}`;
      // The baseline's row is shaded: every Δ and p in the table is measured against it.
      const rowClass = r.head === baseline ? ' class="base"' : '';
      const metricMark =
        r.metric === 'val' && metric === 'test/val'
          ? '<sup title="validation accuracy: no test accuracy stored">v</sup>'
          : '';
      body.push(`<tr${rowClass}>
<td class="head">${esc(r.head)}</td><td class="num">${r.n}</td><td class="num">${acc}${metricMark}</td>
<td class="num">${r.delta === null ? '—' : fmtSigned(r.delta)}${r.deltaCi ? ` <span class="ci">[${fmtSigned(r.deltaCi[0])}, ${fmtSigned(r.deltaCi[1])}]</span>` : ''}</td>
<td class="num">${fmtP(r.pWelch)} · ${fmtP(r.pWelchHolm)}</td><td class="num">${fmtP(r.pPaired)} · ${fmtP(r.pPairedHolm)}</td>
<td class="verdict ${VERDICT_CLASS[r.verdict]}">${esc(r.verdict)}</td><td class="test">${r.test ?? ''}</td>
<td class="num">${fmtPct(r.valMean)}</td><td class="num">${fmtNum(r.ece)}</td>
<td class="num">${fmtNum(r.secondsPerEpoch, 1)}</td>
<td class="num">${r.diverged > 0 ? `<span class="warn" title="runs excluded: diverged or failed">${r.diverged}</span>` : '0'}</td>
</tr>`);
    }
  }
  return `<div class="tablewrap"><table class="booktabs">
<thead><tr><th>head</th><th class="num">n</th><th class="num">${metric} acc % [95% CI]</th><th class="num">Δ vs ${esc(baseline)} (pp) [95% CI]</th>
<th class="num">p Welch · Holm</th><th class="num">p paired · Holm</th><th>verdict (α = 0.05)</th><th>by test</th><th class="num">val acc %</th><th class="num">ECE</th>
<th class="num">s / epoch</th><th class="num">div./failed</th></tr></thead>
<tbody>${body.join('\n')}</tbody></table></div>${powerNote(rows)}`;
}

/** Under the table, per panel: the test its verdicts use and the seeds needed to detect 0.2 points (80% power). */
function powerNote(rows: AccuracyRow[]): string {
  const lines: string[] = [];
  for (const [panel, list] of groupByPanel(rows)) {
    const first = list.find((r) => r.power !== null);
    const w = first?.power;
    if (!w) continue;
    const test = list.find((r) => r.test !== null)?.test;
    const pts = (x: number) => (100 * x).toFixed(2);
    const halves = powerLineHalves(w, 'pp');
    const parts = [halves.paired, halves.welch].filter((x) => x !== null);
    lines.push(
      `<li><b>${esc(panel)}</b>: ${test ? `verdicts use the ${test === 'paired' ? 'paired t-test' : "Welch's t-test"}. ` : ''}` +
        `To detect ${pts(w.effect)} pp with ${Math.round(100 * w.power)}% power at α = ${w.alpha.toPrecision(2)}: ${esc(parts.join('; '))}.</li>`,
    );
  }
  return lines.length > 0 ? `<ul class="note power">${lines.join('\n')}</ul>` : '';
}

/** ▲/▼ where a metric differs from the baseline head's after Holm; green where that direction is better. */
function significance(
  t: ReprComparison | undefined,
  higherIsBetter: boolean | null,
  baseline: string,
): string {
  if (!t?.significant) return '';
  const tone = higherIsBetter === null ? 'v-diff' : t.delta > 0 === higherIsBetter ? 'v-better' : 'v-worse';
  const p = t.pHolm < 0.001 ? '< 0.001' : t.pHolm.toFixed(3);
  const title = `Δ ${t.delta > 0 ? '+' : '−'}${fmtNum(Math.abs(t.delta))} against ${baseline}, Holm p = ${p}`;
  return `<span class="sig ${tone}" title="${esc(title)}">${t.delta > 0 ? '▲' : '▼'}</span>`;
}

function correlationTable(rows: ReprCorrelation[]): string {
  const pairs = [...new Set(rows.map((c) => `${c.x} — ${c.y}`))];
  const cell = (c: ReprCorrelation | undefined) =>
    c
      ? `<td class="num">${fmtR(c.pearson)} <span class="ci">p ${fmtP(c.pearsonP)}</span></td><td class="num">${fmtR(c.spearman)}</td>`
      : '<td class="num">—</td><td class="num">—</td>';
  const body = [...groupByPanel(rows)].map(([panel, list]) => {
    const n = Math.max(...list.map((c) => c.n));
    return `<tr><td>${esc(panel)}</td><td class="num">${n}</td>${pairs.map((pair) => cell(list.find((c) => `${c.x} — ${c.y}` === pair))).join('')}</tr>`;
  });
  return `<div class="tablewrap"><table class="booktabs">
<thead><tr><th rowspan="2">dataset · model</th><th class="num" rowspan="2">heads</th>${pairs.map((p) => `<th colspan="2">${esc(p)}</th>`).join('')}</tr>
<tr>${pairs.map(() => '<th class="num">Pearson r</th><th class="num">Spearman ρ</th>').join('')}</tr></thead>
<tbody>${body.join('\n')}</tbody></table></div>`;
}

function reprTable(repr: ReprView, baseline: string): string {
  const cols = repr.columns;
  const body: string[] = [];
  for (const [panel, list] of groupByPanel(repr.rows)) {
    body.push(`<tr class="group"><th colspan="${cols.length + 3}">${esc(panel)}</th></tr>`);
    // Bold the best mean per column within a panel: the reader's eye goes there first.
    const best: Record<string, number> = {};
    for (const c of cols) {
      const vals = list.map((r) => r.metrics[c.key]?.mean).filter(isNum);
      if (vals.length > 1 && c.higherIsBetter !== null)
        best[c.key] = c.higherIsBetter ? Math.max(...vals) : Math.min(...vals);
    }
    for (const r of list) {
      const cells = cols.map((c) => {
        const m = r.metrics[c.key];
        if (!m) return '<td class="num">—</td>';
        const isBest = best[c.key] !== undefined && m.mean === best[c.key];
        return `<td class="num${isBest ? ' best' : ''}">${fmtNum(m.mean)}${significance(r.vsBaseline[c.key], c.higherIsBetter, baseline)} ${ci(m.lo, m.hi, m.n, (x) => fmtNum(x))}</td>`;
      });
      body.push(`<tr><td class="head">${esc(r.head)}</td><td class="num">${r.n}</td>
<td class="num">${r.accuracy ? fmtPct(r.accuracy.mean) : '—'}</td>${cells.join('')}</tr>`);
    }
  }
  const headers = cols
    .map(
      (c) =>
        `<th class="num">${esc(c.label)}${c.higherIsBetter === null ? '' : ` <span class="dir">${c.higherIsBetter ? '↑' : '↓'}</span>`}</th>`,
    )
    .join('');
  return `<div class="tablewrap"><table class="booktabs">
<thead><tr><th>head</th><th class="num">n</th><th class="num">acc %</th>${headers}</tr></thead>
<tbody>${body.join('\n')}</tbody></table></div>`;
}

function learningSection(page: Page, data: ReportData, heads: HeadScale): string {
  if (data.curves.length === 0)
    return empty('No epoch records in this database: no learning curves to draw.');
  const maxN = Math.max(...data.curves.map((c) => c.n));
  return page.chart(
    learningCurvesSpec(data.curves, heads, data.meta.baseline),
    `Validation accuracy after each epoch, one panel per dataset · model. Lines are the mean over seeds (up to ${maxN} per head);
shaded bands are 95% confidence intervals for the mean (Student t, n − 1 degrees of freedom), drawn where at least two seeds exist and stopped at 0% and 100%.
The baseline <code>${esc(data.meta.baseline)}</code> is the heavier line. Only runs that finished without diverging are
included. Each panel has its own epoch and accuracy axes.`,
  );
}

function accuracySection(page: Page, data: ReportData, heads: HeadScale): string {
  if (data.accuracy.length === 0)
    return empty('No finished runs in this database: no final accuracies to compare.');
  const b = esc(data.meta.baseline);
  return [
    page.chart(
      finalAccuracySpec(data.accuracy, heads, data.meta.baseline),
      `Final accuracy per head. Thin ticks are individual seeds, the dot is the mean and the bar its 95% Student-t confidence
interval (drawn up to 0% and 100%; Table 1 gives it as computed). The dashed vertical line is the baseline's mean
(<code>${b}</code>, heavier bar). Beside each head, its verdict against the baseline: ▲ better or ▼ worse where the
verdict test's p (paired when every head ran the baseline's seeds, else Welch's), Holm-corrected across the panel's heads,
is below 0.05, n.s. otherwise. Test accuracy is shown when the panel's runs
stored it, validation accuracy otherwise.`,
    ),
    page.tableCaption(
      `Accuracy per head and difference from the baseline <code>${b}</code>. Δ is the difference of means in percentage points,
with the 95% interval of the verdict's test.
Two tests of the same runs, each two-sided and Holm-corrected across the heads of the same dataset · model: Welch's t-test
of the head's per-seed accuracies against the baseline's, and the paired t-test of the per-seed differences (runs of one
seed share the body's initialisation and batch order). The verdict uses the paired test when every head ran exactly the
baseline's seeds, Welch's otherwise, and says which. A head is called better or worse only when that Holm p &lt; 0.05;
otherwise "no significant difference". Under the table, the seeds needed to detect 0.2 points at the spread of the median head. The CI columns are 95% Student-t intervals. Diverged or failed runs are excluded from n and the statistics, and counted in the last column.`,
    ),
    accuracyTable(data.accuracy, data.meta.baseline),
  ].join('\n');
}

function deltaSection(page: Page, data: ReportData): string {
  const d = data.deltas;
  if (d.unavailable) return empty(`δ-shape plots unavailable: ${esc(d.unavailable)}`);
  if (d.heads.length === 0) return empty('No heads to plot: the database has no runs of a registered head.');
  const skipped =
    d.skipped.length > 0
      ? `<p class="note">Not plotted: ${d.skipped.map((s) => `<code>${esc(s.head)}</code> (${esc(s.reason)})`).join('; ')}.</p>`
      : '';
  const rows = d.heads
    .map((h) => {
      const params = Object.entries(h.params)
        .map(([k, v]) => `${esc(k)} = ${fmtNum(v, 4).replace(/\.?0+$/, '')}`)
        .join(', ');
      return `<tr><td class="head">${esc(h.id)}</td><td>${esc(h.formula)}</td><td>${esc(h.outputLayer)}</td><td>${params || '—'}</td>
<td class="num">[${h.marginRange[0]}, ${h.marginRange[1]}]</td></tr>`;
    })
    .join('\n');
  return [
    page.chart(
      deltaShapeSpec(d),
      `The error δ = ∂L/∂z that each head sends back into the network, on the target class (blue) and on one other class (orange),
for C = ${d.numClasses} classes and logits z = (m, 0, …, 0) with the label on class 0, as the target logit m sweeps its range.
softmax-ce's δ = p − t is dashed grey for reference. δ-rules plot their stated δ; losses plot their autograd gradient (× batch size).
Heads with a cosine or normalised-weights output layer see z = cos θ (‖x‖ = 1), so their m stays in [−1, 1].
Heads that normalise z (logit-norm) are scale-invariant along this probe, so their δ on the target is zero
and all of their push comes through the other classes. Panels where |δ| exceeds ${SYMLOG_ABOVE} use a symmetric-log y-axis (marked under the head's name). These curves are deterministic functions of each head's formula and default parameters
(or the parameters its runs used; search candidates are rebuilt from their space and formula): they are computed by the engine when the report is written, not read from the database.`,
    ),
    skipped,
    page.tableCaption('The heads drawn above: formula, output layer and parameters.'),
    `<div class="tablewrap"><table class="booktabs"><thead><tr><th>head</th><th>formula</th><th>output layer</th><th>parameters</th>
<th class="num">m range</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  ].join('\n');
}

function reprSection(page: Page, data: ReportData, heads: HeadScale): string {
  const r = data.repr;
  if (r.rows.length === 0)
    return empty(
      'No run stored representation metrics (run <code>headroom compare --repr</code> to add them).',
    );
  const parts = [
    page.tableCaption(
      `Representation metrics of the body's penultimate features, mean over seeds with 95% Student-t intervals; the best mean of
each column within a dataset · model is bold (↑: higher is better, ↓: lower is better; R² and NC1 describe the geometry and
have no better direction: Kornblith et al. found more class separation transfers worse). kNN: cosine k = 20 weighted; probe: linear
probe with L2 chosen on validation; R²: class separation (Kornblith et al. 2021); NC1: within-class variability collapse (Papyan et
al. 2020); MAP@R and P@1: retrieval among classes 5–9 by a body trained on classes 0–4. ▲/▼: significantly higher/lower than
${esc(data.meta.baseline)} (Welch's t-test over seeds, Holm-corrected across the heads of the panel, α = 0.05), green where that
direction is better, red where it is worse and blue for R² and NC1; hover over the mark for Δ and p.`,
    ),
    reprTable(r, data.meta.baseline),
  ];
  const scatter = accuracyTransferSpec(r, heads);
  if (scatter) {
    parts.push(
      page.chart(
        scatter,
        `Accuracy against transfer, one point per head (mean over seeds, 95% CI bars). A Kornblith-style trade-off shows as points
running from top-left (accurate, poorer transfer) to bottom-right.`,
      ),
    );
  }
  if (r.correlations.length > 0) {
    parts.push(
      page.tableCaption(
        `Kornblith et al.'s three links as numbers: correlations across heads (one point per head, its mean over seeds) of
accuracy with transfer (MAP@R), of class separation (R²) with transfer, and of accuracy with class separation. Their finding reads
as acc — MAP@R negative, R² — MAP@R negative and acc — R² positive. p: t-test of r = 0 with heads − 2 degrees of freedom;
with eight heads only |r| above about 0.7 reaches p < 0.05.`,
      ),
      correlationTable(r.correlations),
    );
  } else {
    parts.push(empty('No run has a transfer metric (MAP@R): no accuracy–transfer scatter.'));
  }
  if (data.cka.length > 0) {
    parts.push(
      page.chart(
        ckaSpec(data.cka, data.headOrder),
        `Linear CKA (Kornblith et al. 2019) between the bodies of two heads trained from the same seed, on the features of the
first test examples, mean over seeds. 1: the same representation up to rotation and scale.`,
      ),
    );
  }
  return parts.join('\n');
}

function studySection(page: Page, s: StudyView, baseline: string, heads: HeadScale): string {
  const states = Object.entries(s.states)
    .map(([k, v]) => `${v} ${esc(k)}`)
    .join(', ');
  const parts = [
    `<h3>Study <code>${esc(s.name)}</code> <span class="sub">space ${esc(s.space)} · created ${esc(s.createdAt)}</span></h3>`,
    `<p>${s.trials.length} trials: ${states || 'none'}.${s.description ? ` <span class="note">${esc(s.description)}.</span>` : ''}</p>`,
  ];
  const stored = s.baselines.filter((b) => b.status !== 'none');
  parts.push(
    stored.length > 0
      ? `<p>Baseline: <code>${esc(stored[0]!.head)}</code> trained by the search at each rung's setting with the study's training
seed: ${s.baselines.map((b) => `${esc(b.rungLabel)} ${b.status === 'ok' ? `<b>${fmtPct(b.valAcc)}%</b>` : b.status === 'failed' ? 'failed' : 'not trained'}`).join('; ')}.</p>`
      : empty(
          `No softmax-ce baseline is stored for this study (it predates built-in baselines): no Δ, and trials are ranked as
before, by highest rung and then accuracy (<code>headroom search --study ${esc(s.name)} --rerank</code> trains the baselines).`,
        ),
  );
  parts.push(
    s.searchCurve.length > 0
      ? page.chart(
          searchCurveSpec(s.searchCurve, s.baselines),
          `Search curve: validation accuracy of each evaluated trial (dots) and the best so far (line), one panel per rung of the
fidelity ladder; the dashed line is softmax-ce trained at that rung's setting. Rungs use different data and epochs, so
their accuracies are not comparable with each other; Δ against the rung's softmax-ce is. Each panel's y-axis is zoomed
to the range where candidates compete with the baseline; trials below it are drawn as triangles on the bottom edge
(hover for their accuracy).`,
        )
      : empty('No trial reached a rung: no search curve.'),
  );
  parts.push(
    s.rejections.length > 0
      ? page.chart(
          rejectionsSpec(s.rejections),
          'Candidates rejected by the filters before any training, by reason. A rejection costs milliseconds, not a run.',
        )
      : empty('No candidate was rejected.'),
  );
  parts.push(
    s.pareto.length > 0 && s.paretoRung !== null
      ? page.chart(
          paretoSpec(s.pareto, s.paretoRung),
          `Accuracy against convergence speed for every trial evaluated at rung ${s.paretoRung}. Red points are the Pareto front
(no other trial is at least as good on both and better on one); grey points are dominated.`,
        )
      : empty('No trial has both accuracy and speed: no Pareto front.'),
  );
  const byNumber = new Map(s.trials.map((t) => [t.number, t]));
  const top = s.ranking.slice(0, 10).map((n) => byNumber.get(n)!);
  if (top.length > 0) {
    parts.push(
      page.tableCaption(
        stored.length > 0
          ? `The ten best trials: those within the promotion margin of softmax-ce at the highest rung each completed, by
that rung and then validation Δ there, before those further below (one training seed; selection reads validation
only). A lead on a low rung is a screening result, so it ranks below the trials promoted past it.`
          : 'The ten trials that got furthest up the ladder, best validation accuracy first within a rung (selection reads validation only).',
      ),
      `<div class="tablewrap"><table class="booktabs"><thead><tr><th class="num">trial</th><th>candidate</th><th class="num">rung</th>
<th class="num">val acc %</th><th class="num">Δ vs softmax-ce (pp)</th><th class="num">speed %</th><th>state</th></tr></thead><tbody>
${top
  .map(
    (
      t,
    ) => `<tr><td class="num">${t.number}</td><td><code>${esc(t.expr)}</code></td><td class="num">${t.rung ?? '—'}</td>
<td class="num">${fmtPct(t.valAcc)}</td><td class="num">${fmtSigned(t.delta)}</td><td class="num">${fmtPct(t.speed)}</td><td>${esc(t.state)}</td></tr>`,
  )
  .join('\n')}</tbody></table></div>`,
    );
  }
  if (s.confirmation.length > 0) {
    parts.push(
      page.tableCaption(
        `Confirmation of study <code>${esc(s.name)}</code> (grid ${s.confirmGrids.map((g) => `<code>${esc(g)}</code>`).join(', ')}):
the top candidates retrained with fresh seeds, compared with <code>${esc(baseline)}</code> as in Table 1.`,
      ),
      accuracyTable(s.confirmation, baseline),
    );
    parts.push(
      page.chart(
        finalAccuracySpec(s.confirmation, heads, baseline),
        "Confirmation runs: per-seed accuracy (ticks), mean and 95% CI, the baseline as a dashed line, and each head's verdict (▲/▼: Holm p < 0.05).",
      ),
    );
  } else {
    parts.push(
      empty(
        `No confirmation runs for this study yet (run <code>headroom confirm --study ${esc(s.name)}</code>).`,
      ),
    );
  }
  return parts.join('\n');
}

interface ConfigLike {
  optimizer?: { kind?: string; lr?: number };
  epochs?: number;
  batchSize?: number;
  trainLimit?: number;
  headParams?: Record<string, number>;
  device?: string;
}

/** One line a reader can scan: optimizer, epochs, batch size, training subset, head parameters. */
function configSummary(cfg: ConfigLike): string {
  const parts: string[] = [];
  if (cfg.optimizer?.kind)
    parts.push(`${cfg.optimizer.kind}${cfg.optimizer.lr !== undefined ? ` ${cfg.optimizer.lr}` : ''}`);
  if (cfg.epochs !== undefined) parts.push(`${cfg.epochs} ep`);
  if (cfg.batchSize !== undefined) parts.push(`bs ${cfg.batchSize}`);
  if (cfg.trainLimit !== undefined && cfg.trainLimit !== null) parts.push(`${cfg.trainLimit} train`);
  if (cfg.headParams && Object.keys(cfg.headParams).length > 0)
    parts.push(
      Object.entries(cfg.headParams)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    );
  if (cfg.device && cfg.device !== 'cpu') parts.push(cfg.device);
  return parts.join(' · ');
}

function runTable(data: ReportData): string {
  if (data.runs.length === 0) return empty('No runs in this database.');
  // Grids store one command for all their runs: list each once and point at it from the rows.
  const commands = new Map<string, { id: string; grids: Set<string>; n: number }>();
  for (const r of data.runs) {
    if (!r.command) continue;
    const c = commands.get(r.command) ?? { id: `c${commands.size + 1}`, grids: new Set<string>(), n: 0 };
    c.grids.add(r.grid);
    c.n += 1;
    commands.set(r.command, c);
  }
  const cmdList =
    commands.size > 0
      ? `<p class="tcaption" style="margin-top:12px"><span class="label">Commands.</span> Each grid's command, as typed; running it
again skips the runs already stored and trains the missing ones.</p>
<details class="commands"${commands.size <= 12 ? ' open' : ''}><summary>${commands.size} distinct command${commands.size === 1 ? '' : 's'}</summary>
<dl class="commands">${[...commands.entries()]
          .map(
            ([cmd, c]) =>
              `<dt id="cmd-${c.id}">${c.id}</dt><dd><code>${esc(cmd)}</code> <span class="note">(${[...c.grids].map(esc).join(', ')}; ${c.n} run${c.n === 1 ? '' : 's'})</span></dd>`,
          )
          .join('\n')}</dl></details>`
      : '';
  const rows = data.runs
    .map((r) => {
      let cfg: ConfigLike = {};
      let pretty = r.config;
      try {
        cfg = JSON.parse(r.config) as ConfigLike;
        pretty = JSON.stringify(cfg, null, 1);
      } catch {
        // keep the stored text as is
      }
      const status =
        r.status === 'ok'
          ? 'ok'
          : `<span class="warn" title="${esc(r.error ?? '')}">${esc(r.status)}${r.divergedEpoch !== null ? ` @${r.divergedEpoch}` : ''}</span>`;
      const cmd = r.command ? commands.get(r.command)!.id : '—';
      const extra = [
        `key ${r.key}`,
        r.machine ? `machine: ${r.machine}` : '',
        r.startedAt ? `started ${r.startedAt}` : '',
        r.finishedAt ? `finished ${r.finishedAt}` : '',
        r.error ? `error: ${r.error}` : '',
      ]
        .filter((x) => x !== '')
        .join('\n');
      return `<tr><td class="num">${r.id}</td><td>${esc(r.grid)}</td><td>${esc(r.dataset)}</td><td>${esc(r.model)}</td>
<td class="head">${esc(r.head)}</td><td class="num">${r.seed}</td><td>${status}</td><td class="num">${fmtPct(r.valAcc)}</td>
<td class="num">${fmtPct(r.testAcc)}</td><td class="num">${fmtNum(r.secondsPerEpoch, 1)}</td>
<td><details><summary>${esc(configSummary(cfg) || 'config')}</summary><pre>${esc(pretty)}\n${esc(extra)}</pre></details></td>
<td>${cmd === '—' ? cmd : `<a href="#cmd-${cmd}">${cmd}</a>`}</td></tr>`;
    })
    .join('\n');
  return `${cmdList}<div class="tablewrap scroll"><table class="booktabs runs"><thead><tr><th class="num">id</th><th>grid</th><th>dataset</th>
<th>model</th><th>head</th><th class="num">seed</th><th>status</th><th class="num">val %</th><th class="num">test %</th>
<th class="num">s / ep</th><th>config (click for all of it)</th><th>cmd</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The answer first: which heads differ significantly from the baseline, per panel, in plain words. */
export function findingsBox(data: Pick<ReportData, 'accuracy' | 'studies' | 'meta'>): string {
  const items = findings(data);
  if (items.length === 0)
    return `<aside class="findings" id="findings"><h2>Findings</h2>${empty('No finished runs or studies yet: nothing to conclude.')}</aside>`;
  return `<aside class="findings" id="findings"><h2>Findings</h2><ul>
${items.map((f) => `<li class="f-${f.tone}"><b>${esc(f.scope)}:</b> ${esc(f.text)}</li>`).join('\n')}
</ul><p class="note">From the stored runs: each head's per-seed accuracies against the baseline's (the paired t-test of
per-seed differences where every head ran the baseline's seeds, Welch's t-test otherwise), Holm-corrected across the heads
of each panel, α = 0.05. Search results are single-seed screening scores.</p></aside>`;
}

// ---------------------------------------------------------------------------------------------------- the page

/** Inline <script> text: a literal `</script` inside would end the element early. */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** JSON inside <script type="application/json">: escape '<' so no sequence can close the element. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Saving a figure: the button's chart is exported by its vega view (toImageURL renders SVG text or a PNG canvas in the
 * page, no network) and handed to the browser as a download named after the figure. Shared with the dashboard.
 */
export const SAVE_JS = `
window.headroomViews = window.headroomViews || {};
document.addEventListener('click', function (ev) {
  var b = ev.target && ev.target.closest ? ev.target.closest('button[data-save]') : null;
  if (!b) return;
  var view = window.headroomViews[b.getAttribute('data-chart')];
  if (!view) return;
  var fmt = b.getAttribute('data-save');
  view.toImageURL(fmt, fmt === 'png' ? 2 : 1).then(function (url) {
    var a = document.createElement('a');
    a.href = url;
    a.download = b.getAttribute('data-name') + '.' + fmt;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }).catch(function (e) { console.error('save ' + fmt + ' failed: ' + (e && e.message ? e.message : e)); });
});
`;

const EMBED_JS = `
(function () {
  var root = document.documentElement;
  var specs = JSON.parse(document.getElementById('report-specs').textContent);
  var ids = Object.keys(specs);
  var jobs = ids.map(function (id) {
    return vegaEmbed('#' + id, specs[id], { actions: false, renderer: 'svg' }).then(function (r) {
      window.headroomViews[id] = r.view;
      return r;
    }, function (e) {
      console.error('report: chart ' + id + ' failed: ' + (e && e.message ? e.message : e));
      throw e;
    });
  });
  Promise.all(jobs).then(
    function () { root.setAttribute('data-charts-ready', String(ids.length)); },
    function (e) { root.setAttribute('data-charts-error', String(e && e.message ? e.message : e)); }
  );
})();
`;

export const CSS = `
:root { --ink: #1d1d1f; --muted: #6b6b6b; --rule: #1d1d1f; --light: #e4e4e4; --accent: #1f5f99; }
* { box-sizing: border-box; }
html { background: #fafafa; }
body { margin: 0; color: var(--ink); font: 15px/1.55 Charter, "Bitstream Charter", "Sitka Text", Cambria, "DejaVu Serif", Georgia, serif; }
main { max-width: 1120px; margin: 0 auto; padding: 40px 48px 80px; background: white; min-height: 100vh;
  box-shadow: 0 0 0 1px #ececec; }
header.title { border-bottom: 2px solid var(--rule); padding-bottom: 14px; margin-bottom: 8px; }
h1 { font-size: 28px; font-weight: 600; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { color: var(--muted); margin: 0 0 14px; font-style: italic; }
h2 { font-size: 20px; font-weight: 600; margin: 42px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--light); }
h2 .num, h3 .num { color: var(--muted); margin-right: 8px; font-weight: 400; }
h3 { font-size: 16px; font-weight: 600; margin: 28px 0 6px; }
h3 .sub { color: var(--muted); font-weight: 400; font-size: 13px; margin-left: 8px; }
p { margin: 6px 0 10px; max-width: 78ch; }
code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
code { background: #f4f4f4; padding: 0 3px; border-radius: 2px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0; font-size: 13px;
  font-family: Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-all; }
nav.toc { font-size: 13px; font-family: Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; margin: 16px 0 0; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
nav.toc a:hover { text-decoration: underline; }
figure.fig { margin: 18px 0 24px; }
.chart { overflow-x: auto; min-height: 40px; }
figcaption, .tcaption { font-size: 13px; line-height: 1.45; color: #333; max-width: 92ch; margin-top: 6px; }
.label { font-weight: 700; margin-right: 4px; }
.tcaption { margin: 22px 0 6px; }
.tablewrap { overflow-x: auto; margin: 0 0 18px; }
.tablewrap.scroll { max-height: 560px; overflow-y: auto; border-bottom: 1px solid var(--light); }
table.booktabs { border-collapse: collapse; font: 12.5px/1.4 Inter, "Helvetica Neue", Helvetica, Arial, sans-serif;
  font-variant-numeric: tabular-nums; border-top: 1.5px solid var(--rule); border-bottom: 1.5px solid var(--rule); }
table.booktabs thead th { border-bottom: 1px solid var(--rule); font-weight: 600; text-align: left; padding: 5px 8px;
  vertical-align: bottom; position: sticky; top: 0; background: white; }
table.booktabs td { padding: 3px 8px; vertical-align: top; }
table.booktabs tr.group th { text-align: left; font-weight: 600; font-style: italic; padding: 9px 10px 2px; color: #333;
  border-bottom: 1px solid var(--light); }
table.booktabs tbody tr:hover td { background: #f7f9fc; }
.num { text-align: right; white-space: nowrap; }
/* Headers wrap (they are long, the numbers are not), so wide tables fit the page instead of scrolling a column away. */
th.num { text-align: right; white-space: normal; }
table.booktabs tr.base td { background: #f1f5fa; }
table.booktabs tr.base td.head { color: var(--accent); }
.fig-tools { font: 11px Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; color: var(--muted); margin: 2px 0 0; }
.fig-tools button { font: inherit; margin-left: 6px; padding: 1px 7px; border: 1px solid #cfcfcf; border-radius: 3px;
  background: white; color: var(--accent); cursor: pointer; }
.fig-tools button:hover { background: #f1f5fa; }
aside.findings { margin: 18px 0 8px; padding: 6px 18px 10px; border: 1px solid #cdd9e6; border-left: 4px solid var(--accent);
  background: #f7fafd; }
aside.findings h2 { margin: 8px 0 6px; border: 0; font-size: 18px; }
aside.findings ul { margin: 4px 0 6px; padding-left: 18px; }
aside.findings li { margin: 4px 0; max-width: 100ch; font-size: 14px; }
aside.findings li.f-better b { color: #1e7b34; }
aside.findings li.f-worse b { color: #b3261e; }
td.head { font-weight: 600; white-space: nowrap; }
td.best { font-weight: 700; }
.ci { color: var(--muted); font-size: 11px; }
.dir { color: var(--muted); font-weight: 400; }
.verdict { white-space: nowrap; }
.v-better { color: #1e7b34; font-weight: 600; }
.v-worse { color: #b3261e; font-weight: 600; }
.v-ns, .v-few { color: var(--muted); }
.v-diff { color: var(--accent); font-weight: 600; }
.v-base { color: var(--accent); font-style: italic; }
.warn { color: #b3261e; }
.empty { color: var(--muted); font-style: italic; }
.note { font-size: 13px; color: var(--muted); }
table.runs td { white-space: nowrap; }
dl.commands { display: grid; grid-template-columns: max-content 1fr; gap: 3px 12px; margin: 4px 0 16px; font-size: 13px; }
dl.commands dt { font-weight: 700; font-family: Inter, "Helvetica Neue", Helvetica, Arial, sans-serif; }
dl.commands dd { margin: 0; }
dl.commands code { white-space: pre-wrap; word-break: break-word; }
details summary { cursor: pointer; color: var(--accent); }
details pre { margin: 4px 0; max-width: 520px; white-space: pre-wrap; font-size: 11px; }
footer { margin-top: 48px; padding-top: 10px; border-top: 1px solid var(--light); color: var(--muted); font-size: 12px; }
@media print { html { background: white; } main { box-shadow: none; padding: 0; } .tablewrap.scroll { max-height: none; } }
`;

export function renderPage(data: ReportData, scripts: InlineScripts): RenderedPage {
  const page = new Page();
  const heads = headScale(data.headOrder);
  const m = data.meta;
  const sections: { id: string; title: string; body: string }[] = [
    { id: 'curves', title: 'Learning curves', body: learningSection(page, data, heads) },
    {
      id: 'accuracy',
      title: 'Final accuracy and Δ against the baseline',
      body: accuracySection(page, data, heads),
    },
    { id: 'delta', title: 'δ shapes: the error each head back-propagates', body: deltaSection(page, data) },
    { id: 'repr', title: 'Representations', body: reprSection(page, data, heads) },
    {
      id: 'studies',
      title: 'Searches',
      body:
        data.studies.length > 0
          ? data.studies.map((s) => studySection(page, s, m.baseline, heads)).join('\n')
          : empty(
              m.filters.study
                ? `No study named <code>${esc(m.filters.study)}</code>.`
                : 'No studies in this database.',
            ),
    },
    {
      id: 'runs',
      title: 'Runs',
      body: `<p>Every run the figures above use, with its seed, full configuration and the command that reproduces it.
Diverged and failed runs are listed but excluded from the statistics.</p>${runTable(data)}`,
    },
  ];
  const filters = [
    m.filters.grid ? `grid <code>${esc(m.filters.grid)}</code>` : '',
    m.filters.study ? `study <code>${esc(m.filters.study)}</code>` : '',
  ].filter((s) => s !== '');
  const v = scripts.versions;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="headroom report">
<title>${esc(m.title)}</title>
<style>${CSS}</style>
<script>${scriptText(scripts.vega)}</script>
<script>${scriptText(scripts.vegaLite)}</script>
<script>${scriptText(scripts.vegaEmbed)}</script>
</head>
<body>
<main>
<header class="title">
<h1>${esc(m.title)}</h1>
<p class="subtitle">Output heads compared with honest statistics: learning curves, accuracy with confidence intervals, δ shapes,
representations and searches.</p>
<dl class="meta">
<dt>database</dt><dd><code>${esc(m.dbPath)}</code></dd>
<dt>generated</dt><dd>${esc(m.generatedAt)} on ${esc(m.reportMachine)}</dd>
<dt>runs from</dt><dd>${m.runMachines.length > 0 ? `${m.runMachines.map(esc).join('; ')} <span class="ci">(host · cores · CPU · BLAS and core type · libtorch · training-code hash, where stored: a config reruns bit-identically on the same machine with the same code, not across machines or code versions)</span>` : '—'}</dd>
<dt>contents</dt><dd>${m.counts.runs} runs, ${m.counts.epochs} epoch records, ${m.counts.studies} studies, ${m.counts.trials} trials${filters.length > 0 ? ` (filtered to ${filters.join(', ')})` : ''}</dd>
<dt>baseline</dt><dd><code>${esc(m.baseline)}</code></dd>
</dl>
<nav class="toc"><a href="#findings">Findings</a>${sections.map((s, i) => `<a href="#${s.id}">${i + 1}&nbsp;${esc(s.title.split(':')[0])}</a>`).join('')}</nav>
</header>
${findingsBox(data)}
${sections.map((s, i) => `<section id="${s.id}"><h2><span class="num">${i + 1}</span>${esc(s.title)}</h2>\n${s.body}\n</section>`).join('\n')}
<footer>Written by <code>headroom report</code>. Charts: vega ${esc(v.vega)}, vega-lite ${esc(v.vegaLite)}, vega-embed ${esc(v.vegaEmbed)},
inlined in this file, which needs no network access. Hover a chart for exact values.</footer>
</main>
<script type="application/json" id="report-specs">${jsonText(page.charts)}</script>
<script>${scriptText(SAVE_JS)}</script>
<script>${scriptText(EMBED_JS)}</script>
</body>
</html>
`;
  return { html, charts: Object.keys(page.charts).length };
}
