#!/usr/bin/env node
// Prints the markdown summary of a search study from `headroom search --json` output (stdin or a file):
// rejection counts, the best-so-far curve per rung and the top candidates. Used for docs/results/search-*.md.
import { readFileSync } from 'node:fs';

const o = JSON.parse(readFileSync(process.argv[2] ?? 0, 'utf8'));
const trials = o.trials.filter((t) => t.metrics?.rungs);
const rej = o.rejections ?? {};
const totalRejected = Object.values(rej).reduce((a, b) => a + b, 0);
const out = [];
out.push(`Study \`${o.study}\` (space \`${o.space}\`, sampler ${o.config.sampler}, seed ${o.config.seed}), stopped by ${o.stopReason}.`);
out.push(
  `Ladder: ${o.config.ladder.map((r, i) => `rung ${i} = ${r.model} on ${r.trainLimit ?? 'full'} ${r.dataset} examples × ${r.epochs} epochs`).join('; ')}; η = ${o.config.eta}.`,
);
out.push('');
out.push(`Candidates proposed: ${trials.length + totalRejected}; rejected before training: ${totalRejected}; trained: ${trials.length}.`);
out.push(
  `Rung-0 throughput: ${o.throughput.rung0Evaluations} evaluations in ${(o.throughput.seconds / 60).toFixed(1)} min = ${o.throughput.perHour.toFixed(0)}/h with ${o.throughput.workers} worker(s), wall clock, while the workers also trained the higher rungs.`,
);
// Older summaries lack capacityPerHour: recompute it from the stored rung-0 seconds.
const r0 = trials.map((t) => t.metrics.rungs['0']?.seconds).filter((x) => x > 0);
const mean0 = o.throughput.rung0MeanSeconds ?? (r0.length ? r0.reduce((a, x) => a + x, 0) / r0.length : null);
if (mean0 !== null)
  out.push(
    `Rung-0 capacity: ${mean0.toFixed(1)} s per rung-0 evaluation, so ${((o.throughput.workers * 3600) / mean0).toFixed(0)}/h if all ${o.throughput.workers} worker(s) only screened.`,
  );
out.push('');
out.push('| rejection reason | count |');
out.push('|---|---|');
for (const [k, v] of Object.entries(rej)) out.push(`| ${k} | ${v} |`);
out.push('');
out.push('Search curve (best validation accuracy so far, by trial number, per rung):');
out.push('');
const rungs = o.config.ladder.length;
for (let r = 0; r < rungs; r++) {
  const pts = trials
    .filter((t) => t.metrics.rungs[r]?.valAcc !== undefined)
    .sort((a, b) => a.number - b.number);
  let best = -1;
  const steps = [];
  for (const t of pts) {
    if (t.metrics.rungs[r].valAcc > best) {
      best = t.metrics.rungs[r].valAcc;
      steps.push(`#${t.number}: ${(100 * best).toFixed(2)}`);
    }
  }
  out.push(`- rung ${r} (${pts.length} evaluations): ${steps.join(' → ') || '—'}`);
}
out.push('');
out.push('Top candidates (by the highest rung reached, then validation accuracy there):');
out.push('');
out.push('| trial | expression | highest rung | val acc % there | rung-0 val acc % | rung-0 acc after epoch 1 % |');
out.push('|---|---|---|---|---|---|');
const ranked = trials
  .map((t) => {
    const rs = Object.keys(t.metrics.rungs).map(Number);
    const top = Math.max(...rs);
    return { t, top, acc: t.metrics.rungs[top].valAcc ?? 0 };
  })
  .sort((a, b) => b.top - a.top || b.acc - a.acc)
  .slice(0, 10);
for (const { t, top, acc } of ranked)
  out.push(
    `| ${t.number} | \`${t.expr}\` | ${top} | ${(100 * acc).toFixed(2)} | ${(100 * (t.metrics.rungs[0]?.valAcc ?? NaN)).toFixed(2)} | ${(100 * (t.metrics.rungs[0]?.speed ?? NaN)).toFixed(2)} |`,
  );
console.log(out.join('\n'));
