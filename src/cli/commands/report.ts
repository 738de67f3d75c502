import { parseArgs, UsageError } from '../args.js';

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

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs('report', argv, {
    db: { type: 'string' },
    out: { type: 'string' },
    grid: { type: 'string' },
    study: { type: 'string' },
    baseline: { type: 'string' },
    'no-deltas': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`report: unexpected argument '${positionals[0]}'. See 'headroom report --help'.`);
  const { writeReport } = await import('../../report/index.js');
  const res = await writeReport({
    dbPath: values.db ?? 'headroom.db',
    out: values.out ?? 'report.html',
    grid: values.grid,
    study: values.study,
    baseline: values.baseline,
    noDeltas: values['no-deltas'] ?? false,
  });
  if (values.json) console.log(JSON.stringify(res));
  else console.log(`report: ${res.path} (${res.charts} charts, ${(res.bytes / 1024 / 1024).toFixed(1)} MB)`);
  return 0;
}
