#!/usr/bin/env node
// The learning rate an lr sweep selects, on the validation split only (issue 19: paper-fcn's lr was once chosen on the
// test set). For each lr of the sweep, the final validation accuracy of every head (mean over seeds 1..SEEDS) of the
// runs of DATASET × MODEL, leaving out runs with a recipe, linear features, head parameters, a data cap or a candidate
// head (the database must hold no other variant of the model's settings). Runs are found by their config, not grid:
// a sweep point equal to an earlier grid's config (paper-fcn at lr 0.1) reuses those runs, stored under that grid.
// The rule, fixed before the sweep ran: the lr with the highest validation accuracy of the worst head (every head must
// train), ties to the higher mean over heads. Prints one table and the choice.
//   node scripts/pick-lr.mjs DB DATASET MODEL SEEDS LR,LR,... HEAD,HEAD,...
import Database from 'better-sqlite3';

const [dbPath, dataset, model, seedsArg, lrsArg, headsArg] = process.argv.slice(2);
if (!headsArg) {
  console.error('usage: node scripts/pick-lr.mjs DB DATASET MODEL SEEDS LR,LR,... HEAD,HEAD,...');
  process.exit(2);
}
const seeds = Number(seedsArg);
const lrs = lrsArg.split(',').map(Number);
const heads = headsArg.split(',').sort();
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
// only the sweep's own configs: no recipe, features, head parameters, data caps or candidates
const rows = db
  .prepare(
    `SELECT head, json_extract(config, '$.optimizer.lr') AS lr,
            AVG(CASE WHEN status = 'ok' THEN val_acc ELSE 0 END) AS val, COUNT(*) AS n
     FROM runs
     WHERE dataset = ? AND model = ? AND seed BETWEEN 1 AND ? AND status IN ('ok', 'diverged', 'failed')
       AND json_extract(config, '$.recipe') IS NULL AND json_extract(config, '$.features') IS NULL
       AND json_extract(config, '$.headParams') IS NULL AND json_extract(config, '$.trainLimit') IS NULL
       AND json_extract(config, '$.candidate') IS NULL
     GROUP BY head, lr`,
  )
  .all(dataset, model, seeds);
const byLr = new Map(lrs.map((lr) => [lr, []]));
for (const r of rows) if (byLr.has(r.lr) && heads.includes(r.head)) byLr.get(r.lr).push(r);
const incomplete = [...byLr].filter(([, rs]) => rs.length < heads.length || rs.some((r) => r.n < seeds));
if (incomplete.length > 0) {
  console.error(
    `pick-lr: lr ${incomplete.map(([lr]) => lr).join(', ')} lack runs of some head or seed in ${dbPath}`,
  );
  process.exit(2);
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
