/**
 * The dashboard's views, rendered on the server from the store: each is an HTML fragment plus the vega-lite specs of
 * its charts (built by the report's chart code, so a figure looks the same here and in `headroom report`). The page
 * swaps the fragment in and embeds the charts; chart ids are stable, so an unchanged chart is not redrawn.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Store } from '../store/index.js';
import {
  gridLive,
  Journal,
  overview,
  parseTrialRef,
  QueryError,
  readStudyInfo,
  runDetail,
  rungName,
  trialDetail,
  type GridSummary,
  type LiveRun,
  type Overview,
  type StudyInfo,
  type StudySummary,
} from '../query/index.js';
import {
  accuracyRows,
  assignPanels,
  DEFAULT_BASELINE,
  learningCurves,
  orderHeads,
  readReportDataFrom,
  toRun,
  type EpochRow,
} from '../report/data.js';
import {
  deltaShapeSpec,
  finalAccuracySpec,
  headScale,
  learningCurvesSpec,
  paretoSpec,
  rejectionsSpec,
  searchCurveSpec,
} from '../report/charts.js';
import {
  lineageSpec,
  parallelCoordinatesSpec,
  runCurveSpec,
  rungsSpec,
  type LineageNode,
} from '../report/drill-charts.js';
import { accuracyTable, esc, findingsBox, fmtNum, fmtPct, fmtSigned, saveButtons } from '../report/html.js';
import { panelFinding } from '../report/findings.js';
import type { CandidateSpec } from '../report/delta.js';
import type { DeltaView, RunRow } from '../report/types.js';
import type { RunConfig } from '../train/config.js';

export interface View {
  title: string;
  html: string;
  specs: Record<string, TopLevelSpec>;
}

/** δ shapes come from the engine; the server computes each head's once (see Dashboard). */
export type DeltaSource = (
  id: string,
  params: Record<string, number> | undefined,
  candidate: CandidateSpec | undefined,
) => Promise<DeltaView | string>;

export interface ViewContext {
  store: Store;
  journal: Journal;
  dbPath: string;
  baseline: string;
  deltas: DeltaSource;
  now?: number;
}

class Builder {
  readonly specs: Record<string, TopLevelSpec> = {};

  chart(id: string, spec: TopLevelSpec, caption: string): string {
    this.specs[id] = spec;
    return `<figure class="fig"><div class="chart" id="${id}"></div>
${saveButtons(id, id)}<figcaption>${caption}</figcaption></figure>`;
  }
}

const link = {
  grid: (name: string) => `#/grid/${encodeURIComponent(name)}`,
  study: (name: string) => `#/study/${encodeURIComponent(name)}`,
  run: (ref: string | number) => `#/run/${encodeURIComponent(String(ref))}`,
  trial: (study: string, n: number) => `#/trial/${encodeURIComponent(`${study}#${n}`)}`,
};

function when(iso: string | null): string {
  return iso === null ? '—' : esc(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'));
}

function badge(state: string): string {
  return `<span class="badge b-${esc(state)}">${esc(state)}</span>`;
}

function bar(done: number, total: number, label = `${done}/${total}`): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  return `<span class="bar" title="${esc(label)}"><span style="width:${(100 * frac).toFixed(1)}%"></span></span> <span class="barlabel">${esc(label)}</span>`;
}

function empty(text: string): string {
  return `<p class="empty">${text}</p>`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  return `<div class="tablewrap ${cls}"><table class="booktabs"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

// ------------------------------------------------------------------------------------------------------- the nav

export function navHtml(o: Overview): string {
  const item = (href: string, name: string, state: string, extra: string) =>
    `<li><a href="${href}"><span class="dot d-${esc(state)}" title="${esc(state)}"></span>${esc(name)}</a> <span class="note">${extra}</span></li>`;
  return `<h4>Grids</h4><ul>${
    o.grids
      .map((g) => item(link.grid(g.name), g.name, g.state, `${g.counts.finished}/${g.counts.total}`))
      .join('') || '<li class="note">none yet</li>'
  }</ul><h4>Studies</h4><ul>${
    o.studies.map((s) => item(link.study(s.name), s.name, s.state, `${s.trials} trials`)).join('') ||
    '<li class="note">none yet</li>'
  }</ul>`;
}

// -------------------------------------------------------------------------------------------------- the overview

function gridTable(grids: GridSummary[]): string {
  if (grids.length === 0)
    return empty('No grids yet: <code>headroom compare … --db</code> this database to add one.');
  return table(
    [
      'grid',
      'state',
      'runs finished',
      'in flight',
      'dataset · model',
      'heads',
      'seeds',
      'epochs',
      'last activity',
    ],
    grids.map((g) => [
      `<td><a href="${link.grid(g.name)}">${esc(g.name)}</a></td>`,
      `<td>${badge(g.state)}</td>`,
      `<td>${bar(g.counts.finished, g.counts.total)}</td>`,
      `<td class="num">${g.counts.running + g.counts.planned + g.counts.stalled > 0 ? `${g.counts.running} running, ${g.counts.planned} queued` : '—'}</td>`,
      `<td>${esc(g.panels.join(', '))}</td>`,
      `<td class="num">${g.heads.length}</td>`,
      `<td class="num">${g.seeds}</td>`,
      `<td class="num">${esc(g.epochs.join(', '))}</td>`,
      `<td>${when(g.lastActivity)}</td>`,
    ]),
  );
}

function studyTable(studies: StudySummary[]): string {
  if (studies.length === 0)
    return empty('No studies yet: <code>headroom search … --db</code> this database to add one.');
  return table(
    ['study', 'space', 'state', 'candidates', 'per rung', 'best (validation Δ, one seed)', 'last activity'],
    studies.map((s) => [
      `<td><a href="${link.study(s.name)}">${esc(s.name)}</a></td>`,
      `<td>${esc(s.space)}</td>`,
      `<td>${badge(s.state)}</td>`,
      `<td>${s.trials} <span class="note">${esc(
        Object.entries(s.states)
          .map(([k, n]) => `${n} ${k}`)
          .join(', '),
      )}</span></td>`,
      `<td class="num">${s.rungs.map((r) => r.trials).join(' / ')}</td>`,
      `<td>${
        s.best
          ? `<a href="${link.trial(s.name, s.best.number)}">#${s.best.number}</a> ${fmtSigned(s.best.delta)} pp at rung ${s.best.rung} <code>${esc(s.best.expr)}</code>`
          : '—'
      }</td>`,
      `<td>${when(s.lastActivity)}</td>`,
    ]),
  );
}

export function overviewView(ctx: ViewContext, o: Overview): View {
  const data = readReportDataFrom(ctx.store, { dbPath: ctx.dbPath });
  return {
    title: 'headroom dashboard',
    html: `<h1>Overview</h1>${findingsBox(data)}
<h2>Grids</h2>${gridTable(o.grids)}<h2>Studies</h2>${studyTable(o.studies)}`,
    specs: {},
  };
}

// ------------------------------------------------------------------------------------------------------- a grid

/** A run in flight as a report row (negative id: it has none yet), so that panels and curves include it. */
function inFlightRow(r: LiveRun, i: number): RunRow {
  const c = r.config!;
  return {
    id: -(i + 1),
    key: r.key,
    grid: r.grid,
    dataset: c.dataset,
    model: c.model,
    head: c.head,
    seed: c.seed,
    // Counted as ok for the curves: its epochs so far are real measurements.
    status: 'ok',
    divergedEpoch: null,
    error: null,
    valAcc: r.valAcc,
    testAcc: null,
    ece: null,
    secondsPerEpoch: null,
    repr: null,
    config: JSON.stringify(c),
    command: null,
    machine: null,
    startedAt: r.startedAt,
    finishedAt: null,
  };
}

function runsTable(runs: LiveRun[]): string {
  const rank: Record<string, number> = { running: 0, stalled: 1, planned: 2, failed: 3, diverged: 4, ok: 5 };
  const sorted = [...runs].sort((a, b) => rank[a.state]! - rank[b.state]! || (a.runId ?? 0) - (b.runId ?? 0));
  const rows = sorted.map((r) => {
    const c = r.config;
    const ref = r.runId ?? r.key;
    return `<tr data-key="${esc(r.key)}" data-state="${esc(r.state)}" data-epoch="${r.epoch}">
<td><a href="${link.run(ref)}">${r.runId ?? esc(r.key.slice(0, 8))}</a></td><td>${c ? esc(`${c.dataset} · ${c.model}`) : '—'}</td>
<td class="head">${esc(c?.head ?? '?')}</td><td class="num">${c?.seed ?? '—'}</td><td>${badge(r.state)}</td>
<td class="epoch">${bar(r.epoch, r.epochs ?? r.epoch, `epoch ${r.epoch}/${r.epochs ?? '?'}`)}</td>
<td class="num">${fmtPct(r.valAcc)}</td><td class="num">${fmtPct(r.testAcc)}</td><td>${when(r.updatedAt)}</td></tr>`;
  });
  return `<div class="tablewrap scroll" id="runs"><table class="booktabs"><thead><tr><th>run</th><th>dataset · model</th><th>head</th>
<th class="num">seed</th><th>state</th><th>progress</th><th class="num">val acc % (last epoch)</th><th class="num">test acc %</th>
<th>updated</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

export function gridView(ctx: ViewContext, name: string): View {
  const { store, baseline } = ctx;
  const live = gridLive(store, ctx.journal, name, ctx.now);
  if (live.runs.length === 0) throw new QueryError(`no grid '${name}' in ${ctx.dbPath}.`);
  const finished = store.listRuns({ grid: name }).map(toRun);
  const flying = live.runs.filter((r) => r.runId === null && r.config !== null);
  const flyingRows = flying.map(inFlightRow);
  // One panel assignment for both: a run in flight lands in the panel its finished siblings are in.
  assignPanels([...finished, ...flyingRows]);
  const epochs: EpochRow[] = [
    ...store
      .listEpochsOf(finished.map((r) => r.id))
      .map((e) => ({ runId: e.runId, epoch: e.epoch, valAcc: Number.isFinite(e.valAcc) ? e.valAcc : null })),
    ...flying.flatMap((r, i) => r.curve.map((c) => ({ runId: -(i + 1), epoch: c.epoch, valAcc: c.valAcc }))),
  ];
  const curves = learningCurves(
    [
      ...finished,
      ...flyingRows.filter((_, i) => flying[i]!.state === 'running' || flying[i]!.state === 'stalled'),
    ],
    epochs,
  );
  const accuracy = accuracyRows(finished, baseline);
  const heads = headScale(
    orderHeads(
      [...finished, ...flyingRows].map((r) => r.head),
      baseline,
    ),
  );
  // Each panel's epoch axis spans the epochs its runs will train, so curves in flight grow into it.
  const planned = new Map<string, number>();
  for (const r of [...finished, ...flyingRows]) {
    const e = (JSON.parse(r.config) as { epochs?: unknown }).epochs;
    if (typeof e === 'number' && r.panel) planned.set(r.panel, Math.max(planned.get(r.panel) ?? 0, e));
  }
  const b = new Builder();
  const c = live.counts;
  const parts = [
    `<h1>Grid <code>${esc(name)}</code></h1>`,
    `<p class="progress">${bar(c.finished, c.total, `${c.finished}/${c.total} runs finished`)} · ${c.running} running · ${c.planned} queued${c.stalled ? ` · ${badge('stalled')} ${c.stalled} without news for a while (the command may have stopped; rerunning it resumes)` : ''}${c.diverged ? ` · ${c.diverged} diverged` : ''}${c.failed ? ` · ${c.failed} failed` : ''} · last activity ${when(live.lastActivity)}</p>`,
  ];
  const panels = [...new Set(accuracy.map((r) => r.panel))];
  if (panels.length > 0)
    parts.push(
      `<aside class="findings"><ul>${panels
        .map((p) => {
          const f = panelFinding(
            p,
            accuracy.filter((r) => r.panel === p),
            baseline,
          );
          return `<li class="f-${f.tone}"><b>${esc(f.scope)}:</b> ${esc(f.text)}</li>`;
        })
        .join('')}</ul></aside>`,
    );
  parts.push('<h2>Runs</h2>', runsTable(live.runs));
  parts.push(
    '<h2>Learning curves</h2>',
    curves.length > 0
      ? b.chart(
          'curves',
          learningCurvesSpec(curves, heads, baseline, planned),
          `Validation accuracy after each epoch, mean over seeds with 95% bands, including the epochs of runs still training
(they grow as their epochs finish). The baseline <code>${esc(baseline)}</code> is the heavier line.`,
        )
      : empty('No epoch has finished yet.'),
  );
  parts.push('<h2>Final accuracy and Δ against the baseline</h2>');
  if (accuracy.length > 0)
    parts.push(
      b.chart(
        'forest',
        finalAccuracySpec(accuracy, heads, baseline),
        `Finished runs: one tick per seed, the mean and its 95% CI; dashed, the baseline's mean; beside each head its verdict
(▲/▼: Welch, Holm-corrected p &lt; 0.05).`,
      ),
      accuracyTable(accuracy, baseline),
    );
  else parts.push(empty('No run has finished yet.'));
  return { title: `grid ${name}`, html: parts.join('\n'), specs: b.specs };
}

// ------------------------------------------------------------------------------------------------------- a study

function rungCounts(info: StudyInfo) {
  const ladder = Math.max(
    info.config.ladder?.length ?? 0,
    ...info.trials.flatMap((t) => t.rungs.map((r) => r.rung + 1)),
  );
  return Array.from({ length: ladder }, (_, r) => {
    const at = info.trials.filter((t) => t.rungs.some((x) => x.rung === r));
    return {
      rung: r,
      label: rungName(info.config, r),
      evaluated: at.length,
      promoted: at.filter((t) => t.rungs.some((x) => x.rung === r + 1)).length,
      failed: at.filter((t) => t.rungs.some((x) => x.rung === r && x.status !== 'ok')).length,
    };
  });
}

/** The trials that lead to the best candidates (their ancestors), or every evolved trial when there are few. */
function lineage(info: StudyInfo): {
  nodes: LineageNode[];
  edges: { from: number; to: number }[];
  /** Only the ancestors of the best candidates (the whole family would be a hairball). */
  pruned: boolean;
} {
  const byNumber = new Map(info.trials.map((t) => [t.number, t]));
  const related = info.trials.filter((t) => t.parents.length > 0);
  if (related.length === 0) return { nodes: [], edges: [], pruned: false };
  const top = new Set(info.ranking.slice(0, 10));
  let keep: Set<number>;
  if (related.length <= 150) keep = new Set(related.flatMap((t) => [t.number, ...t.parents]));
  else {
    keep = new Set();
    const stack = [...top];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (keep.has(n)) continue;
      keep.add(n);
      stack.push(...(byNumber.get(n)?.parents ?? []));
    }
  }
  const nodes = [...keep].flatMap((n) => {
    const t = byNumber.get(n);
    if (!t) return [];
    const r0 = t.rungs.find((r) => r.rung === 0);
    return [{ number: n, expr: t.expr, state: t.state, valAcc: r0?.valAcc ?? null, top: top.has(n) }];
  });
  const edges = nodes.flatMap((n) =>
    (byNumber.get(n.number)?.parents ?? [])
      .filter((p) => keep.has(p))
      .map((p) => ({ from: p, to: n.number })),
  );
  return { nodes, edges, pruned: related.length > 150 };
}

export function studyView(ctx: ViewContext, name: string): View {
  const { store } = ctx;
  const row = store.getStudy(name);
  if (!row) throw new QueryError(`no study '${name}' in ${ctx.dbPath}.`);
  const info = readStudyInfo(store, row);
  const data = readReportDataFrom(store, { dbPath: ctx.dbPath, study: name });
  const s = data.studies[0]!;
  const b = new Builder();
  const states = Object.entries(info.states)
    .map(([k, n]) => `${n} ${esc(k)}`)
    .join(', ');
  const parts = [
    `<h1>Study <code>${esc(name)}</code></h1>`,
    `<p>${esc(row.space)} space · ${info.config.sampler ? `sampler ${esc(info.config.sampler)} · ` : ''}${info.trials.length} candidates: ${states || 'none yet'} · created ${when(row.createdAt)} · last activity ${when(info.lastActivity)}</p>`,
    `<p>softmax-ce, trained by the search at each rung with the study's training seed: ${
      s.baselines
        .map(
          (x) =>
            `${esc(x.rungLabel)} <b>${x.status === 'ok' ? `${fmtPct(x.valAcc)}%` : x.status === 'failed' ? 'failed' : 'not trained'}</b>`,
        )
        .join('; ') || 'none'
    }.</p>`,
  ];
  const flying = info.trials.filter((t) => t.state === 'running');
  if (flying.length > 0)
    parts.push(
      `<p class="live">Training now: ${flying
        .map(
          (t) =>
            `<a href="${link.trial(name, t.number)}">#${t.number}</a> at rung ${t.rung} <code>${esc(t.expr)}</code>`,
        )
        .join('; ')}.</p>`,
    );
  parts.push(
    '<h2>Search curve</h2>',
    s.searchCurve.length > 0
      ? b.chart(
          'search-curve',
          searchCurveSpec(s.searchCurve, s.baselines),
          `Each evaluated trial (dots) and the best so far (line), one panel per rung, with softmax-ce at that rung dashed.
Each y-axis is zoomed to where candidates compete with the baseline; trials below it are triangles on the floor.`,
        )
      : empty('No trial has finished a rung yet.'),
  );
  const rungs = rungCounts(info);
  parts.push(
    '<h2>Rungs</h2>',
    rungs.some((r) => r.evaluated > 0)
      ? b.chart(
          'rungs',
          rungsSpec(rungs),
          'Successive halving: candidates evaluated at each rung of the ladder, how many were promoted to the next, and how many failed there.',
        )
      : empty('No rung has results yet.'),
  );
  parts.push(
    '<h2>Rejections</h2>',
    s.rejections.length > 0
      ? b.chart(
          'rejections',
          rejectionsSpec(s.rejections),
          'Candidates rejected by the filters before any training, by reason.',
        )
      : empty('No candidate was rejected.'),
  );
  if (s.pareto.length > 0 && s.paretoRung !== null)
    parts.push(
      '<h2>Pareto front</h2>',
      b.chart(
        'pareto',
        paretoSpec(s.pareto, s.paretoRung),
        `Accuracy against convergence speed at rung ${s.paretoRung}; red points are the Pareto front.`,
      ),
    );
  const tree = lineage(info);
  parts.push(
    '<h2>Family tree</h2>',
    tree.nodes.length > 0
      ? b.chart(
          'lineage',
          lineageSpec(tree.nodes, tree.edges, info.baselines[0] ?? null),
          `Evolved candidates: each trial at its trial number and rung-0 validation accuracy, a line from each parent to its
child (mutation or crossover); the best candidates are labelled${tree.pruned ? ', and only their ancestors are drawn' : ''}.`,
        )
      : empty(
          'No lineage stored: the candidates were sampled fresh (random or CMA-ES sampling, or the first generation of evolution), or the study was stored before lineage was recorded.',
        ),
  );
  const withParams = info.trials.flatMap((t) => {
    const r0 = t.rungs.find((r) => r.rung === 0);
    return t.params && r0?.valAcc != null ? [{ number: t.number, params: t.params, valAcc: r0.valAcc }] : [];
  });
  const pc = parallelCoordinatesSpec(withParams);
  if (pc)
    parts.push(
      '<h2>Parameters</h2>',
      b.chart(
        'parcoords',
        pc,
        'Parallel coordinates: each evaluated trial as a line across its parameters (each axis scaled to the range explored, its ends labelled), coloured by rung-0 validation accuracy.',
      ),
    );
  const byNumber = new Map(info.trials.map((t) => [t.number, t]));
  const top = info.ranking.slice(0, 15).map((n) => byNumber.get(n)!);
  parts.push(
    '<h2>Best candidates</h2>',
    top.length > 0
      ? table(
          ['rank', 'trial', 'candidate', 'rung', 'val acc %', 'Δ vs softmax-ce (pp)', 'state'],
          top.map((t, i) => [
            `<td class="num">${i + 1}</td>`,
            `<td class="num"><a href="${link.trial(name, t.number)}">#${t.number}</a></td>`,
            `<td><code>${esc(t.expr)}</code></td>`,
            `<td class="num">${t.score?.rung ?? '—'}</td>`,
            `<td class="num">${fmtPct(t.score?.valAcc)}</td>`,
            `<td class="num">${fmtSigned(t.score?.delta)}</td>`,
            `<td>${badge(t.state)}</td>`,
          ]),
        )
      : empty('No candidate has a score yet.'),
  );
  parts.push('<h2>Confirmation</h2>');
  if (s.confirmation.length > 0) {
    const heads = headScale(
      orderHeads(
        s.confirmation.map((r) => r.head),
        ctx.baseline,
      ),
    );
    parts.push(
      `<p>Grids ${s.confirmGrids.map((g) => `<a href="${link.grid(g)}"><code>${esc(g)}</code></a>`).join(', ')}: the top candidates retrained with fresh seeds.</p>`,
      b.chart(
        'confirmation',
        finalAccuracySpec(s.confirmation, heads, ctx.baseline),
        'Confirmation runs: per-seed accuracy, mean and 95% CI, the baseline dashed, verdicts beside.',
      ),
      accuracyTable(s.confirmation, ctx.baseline),
    );
  } else parts.push(empty(`Not confirmed yet (<code>headroom confirm --study ${esc(name)}</code>).`));
  return { title: `study ${name}`, html: parts.join('\n'), specs: b.specs };
}

// ------------------------------------------------------------------------------------------------ a run, a trial

async function deltaFigure(
  ctx: ViewContext,
  b: Builder,
  id: string,
  params: Record<string, number> | undefined,
  candidate: CandidateSpec | undefined,
): Promise<string> {
  const d = await ctx.deltas(id, params, candidate);
  if (typeof d === 'string') return empty(`δ shape unavailable: ${esc(d)}`);
  if (d.heads.length === 0)
    return empty(
      `δ shape unavailable: ${esc(d.skipped.map((x) => `${x.head}: ${x.reason}`).join('; ') || 'no head')}`,
    );
  return b.chart(
    'delta',
    deltaShapeSpec(d),
    `δ = ∂L/∂z on the target class and on one other class as the target logit sweeps its range (softmax-ce dashed); the
error this head sends back into the network. Formula: <code>${esc(d.heads[0]!.formula)}</code>.`,
  );
}

function pre(value: unknown): string {
  return `<pre class="config">${esc(JSON.stringify(value, null, 2))}</pre>`;
}

export async function runView(ctx: ViewContext, ref: string): Promise<View> {
  const d = runDetail(ctx.store, ref, ctx.journal);
  const b = new Builder();
  const c: RunConfig | null = d.config;
  const parts = [
    `<h1>Run ${d.id ?? esc(d.key.slice(0, 8))} ${badge(d.state)}</h1>`,
    `<p>${c ? esc(`${c.dataset} · ${c.model} · ${c.head} · seed ${c.seed}`) : ''} · grid <a href="${link.grid(d.grid)}"><code>${esc(d.grid)}</code></a> · key <code>${esc(d.key)}</code></p>`,
    `<p class="progress">${bar(d.curve.length, d.epochs ?? d.curve.length, `epoch ${d.curve.length}/${d.epochs ?? '?'}`)} · val ${fmtPct(d.valAcc)}% · test ${fmtPct(d.testAcc)}% · ECE ${fmtNum(d.ece)} · ${fmtNum(d.secondsPerEpoch, 2)} s/epoch${d.error ? ` · <span class="warn">${esc(d.error)}</span>` : ''}</p>`,
  ];
  const curve = runCurveSpec(d.curve, d.epochs);
  parts.push(
    curve
      ? b.chart('run-curve', curve, 'Validation (and test) accuracy and training loss after each epoch.')
      : empty('No epoch has finished yet.'),
  );
  if (c) {
    const candidate = c.candidate;
    parts.push('<h2>δ shape</h2>', await deltaFigure(ctx, b, c.head, c.headParams, candidate));
  }
  parts.push(
    '<h2>Command</h2>',
    d.command
      ? `<pre class="cmd">${esc(d.command)}</pre><p class="note">Rerunning it skips the runs already stored and trains the missing ones.</p>`
      : empty('Not stored yet: a run records its command when it finishes.'),
    '<h2>Config</h2>',
    pre(c),
  );
  if (d.repr) parts.push('<h2>Representation metrics</h2>', pre(d.repr));
  parts.push(
    `<p class="note">${d.machine ? `Trained on ${esc(d.machine)}. ` : ''}${d.startedAt ? `Started ${when(d.startedAt)}` : ''}${d.finishedAt ? `, finished ${when(d.finishedAt)}` : ''}.</p>`,
  );
  return { title: `run ${d.id ?? d.key}`, html: parts.join('\n'), specs: b.specs };
}

export async function trialView(ctx: ViewContext, ref: string): Promise<View> {
  const t = parseTrialRef(ref);
  if (!t) throw new QueryError(`'${ref}' is not a trial reference (STUDY#N).`);
  const d = trialDetail(ctx.store, t.study, t.number, ctx.dbPath);
  const b = new Builder();
  const parts = [
    `<h1>Trial <a href="${link.study(d.study)}"><code>${esc(d.study)}</code></a> #${d.number} ${badge(d.state)}</h1>`,
    `<p class="expr"><code>${esc(d.expr)}</code></p>`,
  ];
  if (d.params) parts.push(`<p>parameters [${d.params.map((p) => esc(p.toPrecision(5))).join(', ')}]</p>`);
  if (d.rejectReason)
    parts.push(
      `<p>Rejected before training: <b>${esc(d.rejectReason)}</b>${d.rejectDetail ? ` (${esc(d.rejectDetail)})` : ''}.</p>`,
    );
  parts.push(
    `<p>Score: <b>${fmtSigned(d.delta)}</b> points of validation accuracy against softmax-ce at its highest rung (training seed ${d.seed})${d.rank ? `, rank ${d.rank} of the study` : ''}.</p>`,
  );
  const trialLink = (x: { number: number; expr: string }) =>
    `<a href="${link.trial(d.study, x.number)}">#${x.number}</a> <code>${esc(x.expr)}</code>`;
  if (d.parents.length > 0) parts.push(`<p>Bred from ${d.parents.map(trialLink).join(' × ')}.</p>`);
  if (d.children.length > 0) parts.push(`<p>Parent of ${d.children.map(trialLink).join('; ')}.</p>`);
  parts.push(
    '<h2>Rungs</h2>',
    d.rungs.length > 0
      ? table(
          [
            'rung',
            'status',
            'val acc %',
            'softmax-ce %',
            'Δ (pp)',
            'speed: val acc after epoch 1 %',
            'seconds',
          ],
          d.rungs.map((r) => [
            `<td>${esc(r.label)}</td>`,
            `<td>${badge(r.status)}${r.error ? ` <span class="note">${esc(r.error)}</span>` : ''}</td>`,
            `<td class="num">${fmtPct(r.valAcc)}</td>`,
            `<td class="num">${fmtPct(r.baseline)}</td>`,
            `<td class="num">${fmtSigned(r.delta)}</td>`,
            `<td class="num">${fmtPct(r.speed)}</td>`,
            `<td class="num">${fmtNum(r.seconds, 1)}</td>`,
          ]),
        )
      : empty('Not trained.'),
  );
  if (d.state !== 'rejected')
    parts.push(
      '<h2>δ shape</h2>',
      await deltaFigure(ctx, b, `${d.study}#${d.number}`, undefined, {
        space: d.space,
        expr: d.expr,
        ...(d.params ? { params: d.params } : {}),
      }),
    );
  if (d.confirmRuns.length > 0)
    parts.push(
      '<h2>Confirmation runs</h2>',
      table(
        ['run', 'grid', 'dataset · model', 'seed', 'status', 'test acc %'],
        d.confirmRuns.map((r) => [
          `<td><a href="${link.run(r.id)}">${r.id}</a></td>`,
          `<td>${esc(r.grid)}</td>`,
          `<td>${esc(`${r.dataset} · ${r.model}`)}</td>`,
          `<td class="num">${r.seed}</td>`,
          `<td>${badge(r.status)}</td>`,
          `<td class="num">${fmtPct(r.testAcc)}</td>`,
        ]),
      ),
    );
  parts.push(
    '<h2>Command</h2>',
    `<pre class="cmd">${esc(d.command)}</pre><p class="note">The study's command: trial #${d.number} is proposed and trained the same way by it (proposals depend only on the seed and the trial number).</p>`,
    ...(d.confirmCommand
      ? [
          `<pre class="cmd">${esc(d.confirmCommand)}</pre><p class="note">Retrains the study's best candidates, this one included, with fresh seeds against softmax-ce.</p>`,
        ]
      : []),
  );
  return { title: `trial ${d.study}#${d.number}`, html: parts.join('\n'), specs: b.specs };
}

/** The view a dashboard path names: /, /grid/NAME, /study/NAME, /run/ID-or-KEY, /trial/STUDY#N. */
export async function viewFor(ctx: ViewContext, path: string, o: Overview): Promise<View> {
  const m = /^\/(grid|study|run|trial)\/(.+)$/.exec(path);
  if (path === '/' || path === '') return overviewView(ctx, o);
  if (!m) throw new QueryError(`no view '${path}'.`);
  const arg = decodeURIComponent(m[2]!);
  switch (m[1]) {
    case 'grid':
      return gridView(ctx, arg);
    case 'study':
      return studyView(ctx, arg);
    case 'run':
      return runView(ctx, arg);
    default:
      return trialView(ctx, arg);
  }
}

export { overview, DEFAULT_BASELINE };
