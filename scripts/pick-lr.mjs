#!/usr/bin/env node
// The learning rate an lr sweep selects, on the validation split only (issue 19: paper-fcn's lr was once chosen on the
// test set). Reads the sweep's grids GRID_PREFIX-lr<lr> and, for each lr, the final validation accuracy of every head
// (mean over the seeds stored). The rule, fixed before the sweep ran: the lr with the highest validation accuracy of
// the worst head (every head must train), ties to the higher mean over heads. Prints one table and the choice.
//   node scripts/pick-lr.mjs DB GRID_PREFIX
import Database from 'better-sqlite3';

const [dbPath, prefix] = process.argv.slice(2);
if (!dbPath || !prefix) {
  console.error('usage: node scripts/pick-lr.mjs DB GRID_PREFIX');
  process.exit(2);
}
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const rows = db
  .prepare(
    `SELECT grid, head, AVG(CASE WHEN status = 'ok' THEN val_acc ELSE 0 END) AS val, COUNT(*) AS n FROM runs
     WHERE grid LIKE ? GROUP BY grid, head`,
  )
  .all(`${prefix}-lr%`);
if (rows.length === 0) {
  console.error(`pick-lr: no grid ${prefix}-lr<lr> in ${dbPath}`);
  process.exit(2);
}
const byLr = new Map();
for (const r of rows) {
  const lr = Number(r.grid.slice(prefix.length + 3));
  if (!byLr.has(lr)) byLr.set(lr, []);
  byLr.get(lr).push(r);
}
const pct = (x) => (100 * x).toFixed(2);
const scored = [...byLr.entries()]
  .sort((a, b) => a[0] - b[0])
  .map(([lr, rs]) => ({
    lr,
    worst: Math.min(...rs.map((r) => r.val)),
    mean: rs.reduce((s, r) => s + r.val, 0) / rs.length,
    rs,
  }));
const heads = [...new Set(rows.map((r) => r.head))].sort();
console.log(`| lr | ${heads.join(' | ')} | worst head | mean |`);
console.log(`|---|${heads.map(() => '---|').join('')}---|---|`);
for (const s of scored)
  console.log(
    `| ${s.lr} | ${heads.map((h) => pct(s.rs.find((r) => r.head === h)?.val ?? NaN)).join(' | ')} | ${pct(s.worst)} | ${pct(s.mean)} |`,
  );
const best = [...scored].sort((a, b) => b.worst - a.worst || b.mean - a.mean)[0];
console.log(
  `\nchosen on validation: lr ${best.lr} (worst head ${pct(best.worst)}%, mean ${pct(best.mean)}%)`,
);
