import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { deviceOption, evalLimitOption, intOption, listOption, parseArgs, UsageError } from '../args.js';
import { ProgressBar } from '../progress.js';
import { openStore } from '../../store/index.js';
import { getModel } from '../../nn/models/index.js';
import { loadDataset } from '../../data/index.js';
import { formatCkaMatrix, formatTable, markdownCkaMatrix, markdownTable } from '../../compare/index.js';
import { ConfirmError, runConfirm, type ConfirmOutput } from '../../search/confirm.js';

const HELP = `usage: headroom confirm --study NAME [options]

Retrains a search study's best candidates (ranked by validation accuracy at the highest rung they reached) and the
baseline with fresh seeds that the search never used, on the full training data, and compares test accuracy:
mean ± 95% CI, Δ against the baseline, Welch p-values Holm-corrected across candidates (the compare table).
Runs are stored in grid 'confirm:<study>' (with --repr, 'confirm:<study>:repr'), so an interrupted confirmation resumes when run again.

options:
  --study NAME        the search study (required)
  --db PATH           SQLite database holding the study                              [headroom.db]
  --top K             how many of the study's best to retrain                          [5]
  --seeds N           fresh seeds 1001..1000+N (skipping the search's training seed)  [5]
  --datasets LIST     datasets (comma-separated)                                      [mnist]
  --models LIST       models (comma-separated)                                        [keras-mlp]
  --epochs N          epochs per run                                     [each model's reference epochs]
  --train-limit N     cap the training set (default: full)
  --baseline ID       head to compare with                                            [softmax-ce]
  --distinct          one candidate per structure: pass over trials that differ from a better-ranked one
                      only in their constants (structural spaces)
  --repr              also measure representation metrics (kNN, probe, R², NC1, MAP@R); grid 'confirm:<study>:repr'
  --workers N         worker processes, one libtorch thread each (0: in-process)      [2]
  --device D          auto | cpu | cuda (auto: CUDA when libtorch sees a GPU)          [auto]
  --eval-limit N      validation examples evaluated each epoch (test accuracy stays full)  [all]
  --json | --markdown print one JSON document, or the table as markdown
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs('confirm', argv, {
    study: { type: 'string' },
    db: { type: 'string' },
    top: { type: 'string' },
    seeds: { type: 'string' },
    datasets: { type: 'string' },
    models: { type: 'string' },
    epochs: { type: 'string' },
    'train-limit': { type: 'string' },
    baseline: { type: 'string' },
    repr: { type: 'boolean' },
    distinct: { type: 'boolean' },
    workers: { type: 'string' },
    device: { type: 'string' },
    'eval-limit': { type: 'string' },
    json: { type: 'boolean' },
    markdown: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'confirm';
  if (!values.study)
    throw new UsageError("confirm: --study NAME is required. See 'headroom confirm --help'.");
  const device = deviceOption(cmd, values.device);
  const evalLimit = evalLimitOption(cmd, values['eval-limit']);
  const dbPath = resolve(values.db ?? 'headroom.db');
  if (!existsSync(dbPath)) throw new UsageError(`confirm: no database at ${dbPath}.`);
  const models = listOption(values.models, ['keras-mlp']);
  for (const m of models) {
    try {
      getModel(m);
    } catch (e) {
      throw new UsageError(`confirm: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const datasets = listOption(values.datasets, ['mnist']);
  for (const d of datasets) await loadDataset(d, { trainLimit: 10 }); // DataError (exit 2) before any training
  const store = openStore(dbPath);
  try {
    const bar = new ProgressBar('confirm', { enabled: !values.json && !values.markdown });
    let out: ConfirmOutput;
    try {
      out = await runConfirm(store, {
        study: values.study,
        top: intOption(cmd, 'top', values.top, 5, 1),
        seeds: intOption(cmd, 'seeds', values.seeds, 5, 1),
        datasets,
        models,
        ...(values.epochs !== undefined ? { epochs: intOption(cmd, 'epochs', values.epochs, 1, 1) } : {}),
        ...(values['train-limit'] !== undefined
          ? { trainLimit: intOption(cmd, 'train-limit', values['train-limit'], 0, 10) }
          : {}),
        workers: intOption(cmd, 'workers', values.workers, 2, 0),
        device,
        ...(evalLimit !== undefined ? { evalLimit } : {}),
        baseline: values.baseline ?? 'softmax-ce',
        repr: values.repr ?? false,
        distinct: values.distinct ?? false,
        command: `headroom confirm ${argv.join(' ')}`,
        onProgress: (done, total) => bar.update(done, total),
      });
    } catch (e) {
      if (e instanceof ConfirmError) throw new UsageError(`confirm: ${e.message}`);
      throw e;
    }
    bar.done();
    if (values.json) {
      console.log(JSON.stringify(out, null, 2));
      return 0;
    }
    const legend = out.candidates.map(
      (c) =>
        `  ${c.head}: ${c.description}   (search: val ${(100 * c.searchValAcc).toFixed(2)}% at rung ${c.rung})`,
    );
    const wins = out.rows.filter((r) => r.delta && r.delta.pHolm < 0.05 && r.delta.mean > 0);
    const losses = out.rows.filter((r) => r.delta && r.delta.pHolm < 0.05 && r.delta.mean < 0);
    const verdict =
      wins.length > 0
        ? `significantly better than ${out.baseline} (Holm p < 0.05): ${wins.map((r) => `${r.head} on ${r.dataset}/${r.model}`).join(', ')}`
        : `nothing beat ${out.baseline} significantly (Holm-corrected p < 0.05) on held-out seeds`;
    const table = [
      values.markdown ? markdownTable(out.rows) : formatTable(out.rows),
      ...(out.cka ?? []).map((m) => `\n${values.markdown ? markdownCkaMatrix(m) : formatCkaMatrix(m)}`),
    ].join('\n');
    console.log(
      [
        table,
        '',
        'candidates:',
        ...legend,
        ...(out.knownEquivalents.length > 0
          ? [
              'passed over (a known head in disguise; the next-ranked trial takes its place):',
              ...out.knownEquivalents.map((k) => `  ${k.head}: ${k.expr}  = ${k.knownHead}`),
            ]
          : []),
        ...(out.relatives.length > 0
          ? [
              'passed over (same structure as a better-ranked candidate, other constants):',
              ...out.relatives.map((r) => `  ${r.head}: ${r.expr}  ~ ${r.sameStructureAs}`),
            ]
          : []),
        '',
        `verdict: ${verdict}${losses.length > 0 ? `; significantly worse: ${losses.map((r) => `${r.head} on ${r.dataset}/${r.model}`).join(', ')}` : ''}.`,
        `${out.runs} runs in ${out.grid} (seeds ${out.seeds.join(', ')}; ${out.ranNow} trained now, ${out.skipped} resumed from ${dbPath}).`,
      ].join('\n'),
    );
    return 0;
  } finally {
    store.close();
  }
}
