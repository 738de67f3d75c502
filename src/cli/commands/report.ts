import { opt, parseOptions, type OptionTable } from '../args.js';

const HELP = `usage: headroom report --db PATH [--study NAME] [--grid NAME] [--out report.html] [options]

Writes one self-contained HTML file (charts and data inlined; it opens offline): learning curves with 95% bands,
final accuracy with CIs and Δ against the baseline (Welch, Holm-corrected), δ shapes of each head, representation
metrics, search curves, rejections, Pareto fronts and confirmation tables, and every run with its command.

options:
  --db PATH          the SQLite database written by compare / search / confirm                  [headroom.db]
  --out PATH         where to write the report                                                  [report.html]
  --grid NAME        only the runs of this grid
  --study NAME       only this study (its confirmation runs are grid 'confirm:NAME')
  --baseline ID      the head Δ and p-values are computed against                               [softmax-ce]
  --no-deltas        skip the δ-shape plots (they need the engine's native addon)
  --json             print {"path", "charts", "bytes"} instead of a line
`;

/** Every option of report, with its type: parseOptions checks all of them before anything is read or written. */
const OPTIONS = {
  db: opt.dbToRead(),
  out: opt.outFile('report.html'),
  // Checked against the database (names that match nothing are refused, listing what is there).
  grid: opt.text(),
  study: opt.text(),
  baseline: opt.text(),
  'no-deltas': opt.flag(),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('report', argv, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const { writeReport } = await import('../../report/index.js');
  const res = await writeReport({
    dbPath: values.db ?? 'headroom.db',
    out: values.out ?? 'report.html',
    grid: values.grid,
    study: values.study,
    baseline: values.baseline,
    noDeltas: values['no-deltas'],
  });
  if (values.json) console.log(JSON.stringify(res));
  else console.log(`report: ${res.path} (${res.charts} charts, ${(res.bytes / 1024 / 1024).toFixed(1)} MB)`);
  return 0;
}
