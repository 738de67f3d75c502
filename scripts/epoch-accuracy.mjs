#!/usr/bin/env node
// Convergence speed as a test, not only a column: validation accuracy after epoch E for each head of the stored runs
// in grids matching a LIKE pattern, with Welch's t-test against the baseline, Holm-corrected across the heads of each
// dataset × model (src/stats' versusBaseline, the compare table's convention). HEAD_LIKE narrows the compared heads (the baseline is always
// kept): two studies' confirmations share their softmax-ce runs, stored once under the first grid that trained them.
// Used for docs/results/search-*.md.
//   node scripts/epoch-accuracy.mjs DB GRID_LIKE [HEAD_LIKE=%] [EPOCH=1] [BASELINE=softmax-ce]
import Database from 'better-sqlite3';
import { versusBaseline } from '../dist/stats/index.js';

const [dbPath, gridLike, headLike = '%', epochArg = '1', baseline = 'softmax-ce'] = process.argv.slice(2);
if (!dbPath || !gridLike) {
  console.error(
    'usage: node scripts/epoch-accuracy.mjs DB GRID_LIKE [HEAD_LIKE=%] [EPOCH=1] [BASELINE=softmax-ce]',
  );
  process.exit(2);
}
const epoch = Number(epochArg);
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const rows = db
  .prepare(
    `SELECT r.dataset, r.model, r.head, e.val_acc FROM runs r JOIN epochs e ON e.run_id = r.id
     WHERE r.grid LIKE ? AND (r.head LIKE ? OR r.head = ?) AND r.status = 'ok' AND e.epoch = ?
       AND e.val_acc IS NOT NULL`,
  )
  .all(gridLike, headLike, baseline, epoch);
const groups = new Map();
for (const r of rows) {
  const g = `${r.dataset} | ${r.model}`;
  if (!groups.has(g)) groups.set(g, new Map());
  const heads = groups.get(g);
  if (!heads.has(r.head)) heads.set(r.head, []);
  heads.get(r.head).push(100 * r.val_acc);
}
console.log(`| dataset | model | head | n | val acc % after epoch ${epoch} | Δ pts | p (Welch) | p (Holm) |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const [g, heads] of groups) {
  const base = heads.get(baseline);
  if (!base) continue;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const tests = versusBaseline(heads, baseline);
  const others = [...heads.entries()].filter(([h]) => h !== baseline).sort(([a], [b]) => a.localeCompare(b));
  console.log(`| ${g} | ${baseline} (baseline) | ${base.length} | ${mean(base).toFixed(2)} |  |  |  |`);
  for (const [h, xs] of others) {
    const t = tests.get(h);
    const d = mean(xs) - mean(base);
    console.log(
      `| ${g} | ${h} | ${xs.length} | ${mean(xs).toFixed(2)} | ${d >= 0 ? '+' : ''}${d.toFixed(2)} | ${t ? t.p.toFixed(4) : '—'} | ${t ? t.pHolm.toFixed(4) : '—'} |`,
    );
  }
}
