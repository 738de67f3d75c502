#!/usr/bin/env node
// Prints the markdown summary of a search study from `headroom search --json` output (stdin or a file):
// rejection counts, the study's softmax-ce baseline per rung, the best-so-far curve per rung and the top candidates
// ranked as the search and confirm rank them (the highest rung each completed, then validation Δ against the baseline
// there). Used for docs/results/search-*.md; `headroom search --study S --rerank --json` gives the JSON of
// a finished study without training any candidate.
//   node scripts/search-summary.mjs SEARCH.json [TRIAL,TRIAL,...]   (the trials' rank and score, e.g. confirmed ones)
import { readFileSync } from 'node:fs';

const o = JSON.parse(readFileSync(process.argv[2] ?? 0, 'utf8'));
if (!Array.isArray(o.ranking) || !o.baseline)
  throw new Error('this JSON predates built-in baselines: rerun `headroom search --study S --rerank --json`');
const trials = o.trials.filter((t) => t.metrics?.rungs);
const byNumber = new Map(trials.map((t) => [t.number, t]));
const rej = o.rejections ?? {};
const totalRejected = Object.values(rej).reduce((a, b) => a + b, 0);
const pct = (x) => (x === null || x === undefined ? '—' : (100 * x).toFixed(2));
const pts = (d) =>
  d === null || d === undefined ? '—' : `${d >= 0 ? '+' : '−'}${Math.abs(100 * d).toFixed(2)}`;
const base = o.baseline.rungs;
const out = [];
out.push(
  `Study \`${o.study}\` (space \`${o.space}\`, sampler ${o.config.sampler}, seed ${o.config.seed})${
    // A --rerank run's stop reason is its own, not the search's.
    o.stopReason === 'rerank'
      ? '; summary from `search --rerank`, which trained only the missing baselines'
      : `, stopped by ${o.stopReason}`
  }.`,
);
out.push(
  `Ladder: ${o.config.ladder.map((r, i) => `rung ${i} = ${r.model} on ${r.trainLimit ?? 'full'} ${r.dataset} examples × ${r.epochs} epochs`).join('; ')}; η = ${o.config.eta}.`,
);
out.push(
  `Baseline: ${o.baseline.head} trained at each rung's setting with the study's training seed ${o.config.trainSeed} (trial −1 in the database): ${base
    .map(
      (b) =>
        `rung ${b.rung} ${b.state === 'ok' ? `${pct(b.valAcc)}%` : b.state === 'none' ? 'not trained (no trial reached it)' : b.state}`,
    )
    .join(', ')}.`,
);
out.push(
  o.promotionMargin === null
    ? 'Promotion gate: none (the study predates it; its promotions were made by ASHA alone).'
    : `Promotion gate: the top 1/η of a rung, and at most ${+(100 * o.promotionMargin).toFixed(2)} points below ${o.baseline.head} there.`,
);
out.push('');
out.push(
  `Candidates proposed: ${trials.length + totalRejected}; rejected before training: ${totalRejected}; trained: ${trials.length}.`,
);
// A --rerank run trains no candidate: its own throughput says nothing about the search.
if (o.stopReason !== 'rerank') {
  out.push(
    `Rung-0 throughput: ${o.throughput.rung0Evaluations} evaluations in ${(o.throughput.seconds / 60).toFixed(1)} min = ${o.throughput.perHour.toFixed(0)}/h with ${o.throughput.workers} worker(s), wall clock, while the workers also trained the higher rungs.`,
  );
}
const r0 = trials.map((t) => t.metrics.rungs['0']?.seconds).filter((x) => x > 0);
const mean0 = r0.length ? r0.reduce((a, x) => a + x, 0) / r0.length : null;
if (mean0 !== null)
  out.push(`Rung-0 cost: ${mean0.toFixed(1)} s per rung-0 evaluation (mean of the stored ones).`);
out.push('');
out.push('| rejection reason | count |');
out.push('|---|---|');
for (const [k, v] of Object.entries(rej)) out.push(`| ${k} | ${v} |`);
out.push('');
out.push(
  `Search curve (best validation accuracy so far, by trial number, per rung; ${o.baseline.head} at that rung in brackets):`,
);
out.push('');
const rungs = o.config.ladder.length;
for (let r = 0; r < rungs; r++) {
  const points = trials
    .filter((t) => t.metrics.rungs[r]?.valAcc !== undefined)
    .sort((a, b) => a.number - b.number);
  let best = -1;
  const steps = [];
  for (const t of points) {
    if (t.metrics.rungs[r].valAcc > best) {
      best = t.metrics.rungs[r].valAcc;
      steps.push(`#${t.number}: ${pct(best)}`);
    }
  }
  const b = base[r];
  out.push(
    `- rung ${r} (${points.length} evaluations; ${o.baseline.head} ${b?.state === 'ok' ? pct(b.valAcc) : '—'}): ${steps.join(' → ') || '—'}`,
  );
}
out.push('');
out.push(
  `Top candidates, by the highest rung each completed, then validation Δ against ${o.baseline.head} there (one training seed; what \`confirm --top\` takes):`,
);
out.push('');
out.push(
  `| trial | expression | highest rung | val acc % there | ${o.baseline.head} % there | Δ pts | rung-0 val acc % | rung-0 acc after epoch 1 % |`,
);
out.push('|---|---|---|---|---|---|---|---|');
for (const n of o.ranking.slice(0, 10)) {
  const t = byNumber.get(n);
  const s = t.score;
  out.push(
    `| ${t.number} | \`${t.expr}\` | ${s.rung} | ${pct(s.valAcc)} | ${pct(s.baseline)} | ${pts(s.delta)} | ${pct(t.metrics.rungs[0]?.valAcc)} | ${pct(t.metrics.rungs[0]?.speed)} |`,
  );
}
out.push('');
out.push(`Verdict of the ranking: ${o.verdict}.`);
// Optional: where given trials (e.g. the ones a confirmation retrained) stand in this ranking.
const locate = (process.argv[3] ?? '').split(',').filter(Boolean).map(Number);
if (locate.length > 0) {
  out.push('');
  out.push('| trial | rank | highest rung | Δ pts there |');
  out.push('|---|---|---|---|');
  for (const n of locate) {
    const t = byNumber.get(n);
    const rank = o.ranking.indexOf(n);
    out.push(
      t && rank >= 0
        ? `| ${n} | ${rank + 1} of ${o.ranking.length} | ${t.score.rung} | ${pts(t.score.delta)} |`
        : `| ${n} | not ranked | — | — |`,
    );
  }
}
console.log(out.join('\n'));
