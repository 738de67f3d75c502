import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import {
  checkQueue,
  common,
  defaultWorkers,
  deviceOption,
  opt,
  parseOptions,
  UsageError,
  type OptionTable,
} from '../args.js';
import { printJson } from '../output.js';
import { workStarted } from '../errors.js';
import { RunsReporter } from '../progress.js';
import { checkStore, openStore } from '../../store/index.js';
import { loadDataset } from '../../data/index.js';
import { formatCkaMatrix, formatTable, markdownCkaMatrix, markdownTable } from '../../compare/index.js';
import { ConfirmError, runConfirm, type ConfirmCandidate, type ConfirmOutput } from '../../search/confirm.js';
import { BASELINE_HEAD as SEARCH_BASELINE, formatPoints } from '../../search/ranking.js';

/** "val 97.22% at rung 1, Δ −0.31 against softmax-ce's 97.53%" */
function searchScore(c: ConfirmCandidate): string {
  const at = `val ${(100 * c.searchValAcc).toFixed(2)}% at rung ${c.rung}`;
  return c.delta === null || c.baselineValAcc === null
    ? `${at}, no ${SEARCH_BASELINE} baseline there`
    : `${at}, Δ ${formatPoints(c.delta)} against ${SEARCH_BASELINE}'s ${(100 * c.baselineValAcc).toFixed(2)}%`;
}

const HELP = `usage: headroom confirm --study NAME [options]

Retrains a search study's best candidates (those within the promotion margin of the study's softmax-ce baseline
ranked by the highest rung each completed, then by their validation Δ there) and the baseline with fresh seeds that
the search never used, on the full training data, and compares test accuracy: mean ± 95% CI, Δ against the baseline,
Welch p-values Holm-corrected across candidates (the compare table). Candidates more than the study's promotion
margin (2 points unless the search said otherwise) below softmax-ce at their rung, or without a baseline to tell,
are refused (exit 2) unless --force.
Runs are stored in grid 'confirm:<study>' (with --repr, 'confirm:<study>:repr'), so an interrupted confirmation resumes when run again.

options:
  --study NAME        the search study (required)
  --db PATH           SQLite database holding the study                              [headroom.db]
  --top K             how many of the study's best to retrain                          [5]
  --trials N,N        retrain these trials (by number) instead of the top of the ranking; for a fresh test of a
                      lead, with --first-seed so that no seed that suggested it is reused
  --seeds N           fresh seeds (skipping the search's training seed)                 [5]
  --first-seed S      the first of them                                                [1001]
  --dataset LIST      datasets (comma-separated)                                      [mnist]
  --model LIST        models (comma-separated)                                        [keras-mlp]
  --epochs N          epochs per run                                     [each model's reference epochs]
  --train-limit N     cap the training set (default: full)
  --baseline ID       head to compare with                                            [softmax-ce]
  --distinct          one candidate per structure: pass over trials that differ from a better-ranked one
                      only in their constants (structural spaces)
  --repr              also measure representation metrics (kNN, probe, R², NC1, MAP@R); grid 'confirm:<study>:repr'
  --force             confirm candidates beyond the margin (or without a search baseline) instead of refusing
  --workers N         worker processes, one libtorch thread each (0: in-process)      [2]
  --population K|auto train the candidates of one dataset × model × seed as one fused model (see compare)  [1]
  --queue URL         train through this Redis queue on 'headroom worker's instead of locally
  --device D          auto | cpu | cuda (auto: CUDA when libtorch sees a GPU)          [auto]
  --eval-limit N      validation examples evaluated each epoch (test accuracy stays full)  [all]
  --json | --markdown print one JSON document, or the table as markdown
`;

/** Every option of confirm, with its type and range: parseOptions checks all of them before anything runs. */
const OPTIONS = {
  study: opt.text(),
  // Must exist, but checked after --device, so that a missing GPU is reported first (it is the bigger problem).
  db: opt.db(),
  top: opt.int({ min: 1, max: 1000 }),
  trials: opt.list(),
  seeds: common.seeds(),
  'first-seed': common.firstSeed(),
  // The same names as compare's and search's (one name per option across commands).
  dataset: common.datasets(),
  model: common.models(),
  epochs: common.epochs(),
  'train-limit': common.trainLimit(),
  baseline: common.head(),
  repr: opt.flag(),
  distinct: opt.flag(),
  force: opt.flag(),
  workers: common.workers(0),
  queue: common.queue('confirm'),
  population: common.population(),
  device: common.device(),
  'eval-limit': common.evalLimit(),
  json: opt.flag(),
  markdown: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('confirm', argv, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'confirm';
  if (!values.study)
    throw new UsageError("confirm: --study NAME is required. See 'headroom confirm --help'.");
  if (values.json && values.markdown)
    throw new UsageError('confirm: --json and --markdown are two outputs; pick one.');
  if (values.trials && values.top !== undefined)
    throw new UsageError('confirm: --top and --trials both choose the candidates; give one.');
  if (values.trials && values.distinct)
    throw new UsageError(
      'confirm: --distinct thins out the ranking; with --trials you name the candidates, so drop it.',
    );
  const trials = values.trials?.map((t) => {
    const n = Number(t.replace(/^#/, ''));
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`confirm: --trials takes trial numbers such as 2146,6; got '${t}'.`);
    return n;
  });
  const queue = values.queue;
  const device = deviceOption(cmd, values.device, queue);
  const evalLimit = values['eval-limit'];
  const dbPath = values.db ?? resolve('headroom.db');
  if (!existsSync(dbPath))
    throw new UsageError(`confirm: no database at ${dbPath}; give the --db that search wrote the study to.`);
  checkStore(dbPath); // another program's database is refused before the data are read
  const models = values.model ?? ['keras-mlp'];
  const datasets = values.dataset ?? ['mnist'];
  for (const d of datasets) await loadDataset(d, { trainLimit: 10 }); // DataError (exit 2) before any training
  await checkQueue(cmd, queue);
  const store = openStore(dbPath);
  try {
    if (!store.getStudy(values.study)) {
      const names = store.listStudies().map((s) => s.name);
      throw new UsageError(
        `confirm: no study '${values.study}' in ${dbPath}; ${names.length > 0 ? `studies there: ${names.join(', ')}` : 'it has no studies (search creates them)'}.`,
      );
    }
    const progress = new RunsReporter('confirm');
    let out: ConfirmOutput;
    workStarted(dbPath);
    try {
      out = await runConfirm(store, {
        study: values.study,
        top: values.top ?? 5,
        ...(trials ? { trials } : {}),
        seeds: values.seeds ?? 5,
        ...(values['first-seed'] !== undefined ? { firstSeed: values['first-seed'] } : {}),
        datasets,
        models,
        ...(values.epochs !== undefined ? { epochs: values.epochs } : {}),
        ...(values['train-limit'] !== undefined ? { trainLimit: values['train-limit'] } : {}),
        workers: values.workers ?? defaultWorkers(),
        device,
        ...(queue !== undefined ? { queue } : {}),
        population: values.population ?? 1,
        ...(evalLimit !== undefined ? { evalLimit } : {}),
        baseline: values.baseline ?? 'softmax-ce',
        repr: values.repr,
        distinct: values.distinct,
        force: values.force,
        command: `headroom confirm ${argv.join(' ')}`,
        // What will train, with the score it was chosen by, before the first run starts (stderr: stdout is the table).
        onSelected: values.json
          ? undefined
          : (cands, margin) =>
              process.stderr.write(
                [
                  `confirming ${cands.length} candidate(s) of ${values.study}; Δ is validation accuracy against ${SEARCH_BASELINE} at the rung each reached (one training seed), margin ${+(100 * margin).toFixed(2)} points:`,
                  ...cands.map((c) => `  ${c.head}  ${searchScore(c)}  ${c.expr}`),
                ].join('\n') + '\n',
              ),
        onProgress: (_done, _total, p) => progress.update(p),
        sinks: [progress.sink],
      });
    } catch (e) {
      if (e instanceof ConfirmError) throw new UsageError(`confirm: ${e.message}`);
      throw e;
    }
    progress.done();
    if (values.json) {
      printJson(out, 2);
      return 0;
    }
    const legend = out.candidates.map(
      (c) =>
        `  ${c.head}: ${c.description}   (search: ${searchScore(c)}${out.forced.includes(c.number) ? '; beyond the margin, confirmed with --force' : ''})`,
    );
    const wins = out.rows.filter((r) => r.delta && r.delta.pHolm < 0.05 && r.delta.mean > 0);
    const losses = out.rows.filter((r) => r.delta && r.delta.pHolm < 0.05 && r.delta.mean < 0);
    const verdict =
      wins.length > 0
        ? `significantly better than ${out.baseline} (Holm p < 0.05): ${wins.map((r) => `${r.head} on ${r.dataset}/${r.model}`).join(', ')}`
        : `nothing beat ${out.baseline} significantly (Holm-corrected p < 0.05) on held-out seeds`;
    const table = [
      values.markdown ? markdownTable(out.rows, out.panels) : formatTable(out.rows, out.panels),
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
