// `headroom export --db PATH --format csv|json [--grid G | --study S] [--out FILE]`: the stored results as rows.
import { writeFileSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { opt, parseOptions, UsageError, type OptionTable } from '../args.js';
import { openReadOnly } from '../../report/data.js';
import {
  exportRuns,
  exportTrials,
  flatRun,
  flatTrial,
  gridNames,
  Journal,
  toCsv,
} from '../../query/index.js';

const HELP = `usage: headroom export --db PATH [--format csv|json] [--grid NAME | --study NAME] [--out FILE]

Writes one row per run (every grid, or --grid's) or per trial of a study (--study), with the final and the
per-epoch (per-rung) numbers exactly as stored. Read-only.

  runs:   grid, id, key, dataset, model, head, seed, status, val/test accuracy, ECE, seconds per epoch, repr
          metrics, command, machine, times, the full config, and each epoch's train loss, validation (and test)
          accuracy and seconds (CSV: val_acc_e1, train_loss_e1, …; JSON: an "epochs" array)
  trials: study, number, expression, parameters, state, reject reason, training seed, its score (highest rung,
          validation accuracy, Δ against softmax-ce there) and rank, parents, and each rung's status, validation
          accuracy, speed, seconds, softmax-ce and Δ (CSV: r0_val_acc, …; JSON: a "rungs" array)

options:
  --db PATH        the SQLite database written by compare / search / confirm                   [headroom.db]
  --format F       csv | json                                                                   [csv]
  --grid NAME      only the runs of this grid ('headroom ls' lists them)
  --study NAME     the trials of this study instead of runs
  --out FILE       write here instead of standard output
  --json           the same as --format json
`;

const OPTIONS = {
  db: opt.dbToRead(),
  format: opt.choice<'csv' | 'json'>(['csv', 'json']),
  grid: opt.text(),
  study: opt.text(),
  out: opt.outFile('export.csv'),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

export async function run(argv: string[]): Promise<number> {
  const o = parseOptions('export', argv, OPTIONS);
  if (o.help) {
    console.log(HELP);
    return 0;
  }
  if (o.grid !== undefined && o.study !== undefined)
    throw new UsageError('export: --grid exports runs, --study exports trials; give one of them.');
  if (o.json && o.format === 'csv')
    throw new UsageError('export: --json and --format csv disagree; give one.');
  const format = o.json ? 'json' : (o.format ?? 'csv');
  const dbPath = o.db ?? resolve('headroom.db');
  const store = openReadOnly(dbPath);
  let text: string;
  try {
    if (o.study !== undefined) {
      if (!store.getStudy(o.study)) {
        const names = store.listStudies().map((s) => s.name);
        throw new UsageError(
          `export: --study '${o.study}' matches no study in ${dbPath}; ${names.length > 0 ? `studies there: ${names.join(', ')}` : 'it has no studies'}.`,
        );
      }
      const trials = exportTrials(store, o.study);
      const rungs = Math.max(0, ...trials.flatMap((t) => t.rungs.map((r) => r.rung + 1)));
      text =
        format === 'json'
          ? JSON.stringify(trials, null, 2) + '\n'
          : toCsv(trials.map((t) => flatTrial(t, rungs)));
    } else {
      if (o.grid !== undefined && !store.listRuns({ grid: o.grid }).length) {
        const names = gridNames(store, new Journal(store));
        throw new UsageError(
          `export: --grid '${o.grid}' matches no finished run in ${dbPath}; ${names.length > 0 ? `grids there: ${names.join(', ')}` : 'it has no runs'}.`,
        );
      }
      const runs = exportRuns(store, o.grid);
      const epochs = Math.max(0, ...runs.flatMap((r) => r.epochs.map((e) => e.epoch)));
      text =
        format === 'json' ? JSON.stringify(runs, null, 2) + '\n' : toCsv(runs.map((r) => flatRun(r, epochs)));
    }
  } finally {
    store.close();
  }
  if (o.out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  // Write then rename: a reader never sees half a file, and a failed write leaves nothing behind.
  const tmp = `${o.out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, o.out);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof Error && 'code' in e) (e as NodeJS.ErrnoException).path = o.out;
    throw e;
  }
  console.error(`export: ${o.out}`);
  return 0;
}
