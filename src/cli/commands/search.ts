import { resolve, join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { deviceOption, evalLimitOption, intOption, listOption, parseArgs, UsageError } from '../args.js';
import { formatSeconds } from '../progress.js';
import { openStore } from '../../store/index.js';
import { setNumThreads } from '../../engine/index.js';
import { getModel } from '../../nn/models/index.js';
import { loadDataset } from '../../data/index.js';
import { createExecutor } from '../../exec/index.js';
import {
  defaultLadder,
  formatLadder,
  CandidateError,
  HeadFilter,
  makeStudyConfig,
  OBJECTIVES,
  parseBudget,
  parseLadder,
  TrialExecutor,
  runSearch,
  searchStoreOf,
  SPACE_NAMES,
  studySpace,
  StudyError,
  type Objective,
  type SamplerName,
  type SearchStatus,
  type SearchSummary,
  type SpaceName,
  type StudyConfig,
} from '../../search/index.js';

const HELP = `usage: headroom search --space delta|loss|activation|taylor|poly --study NAME [options]

Evolves output heads (δ-rules, losses, output activations) or tunes parametric losses (TaylorGLO, PolyLoss) for
validation accuracy. Candidates are filtered before training (parse/type errors, non-finite δ, δ that does not
raise the target logit, failure on a toy task, duplicates of earlier trials or known heads), then trained on a
fidelity ladder with successive halving (ASHA): the best 1/η of each rung go up. Every trial is stored; a killed
search continues with --resume, losing and repeating nothing.

options:
  --space NAME          delta | loss | activation | taylor | poly   (required unless --resume)
  --study NAME          study name in the database (required)
  --db PATH             SQLite database                                                  [headroom.db]
  --max-trials N        stop after N trained (non-rejected) candidates
  --budget T            stop after T wall-clock time (90s, 30m, 2h); running trials are re-queued
  --workers N           worker processes, one libtorch thread each                      [2]
  --device D            auto | cpu | cuda: where trials train; on CUDA worker i uses GPU i mod #GPUs  [auto]
  --eval-limit N        validation examples each rung evaluates (a new study stores it)  [all]
  --seed S              study seed: the same seed proposes the same candidates          [0]
  --train-limit N       rung-0 training examples                                         [10000]
  --dataset NAME        dataset of the default ladder                                    [mnist]
  --ladder SPEC         rungs model:trainLimit|full:epochs[:dataset], comma-separated
                        [keras-mlp:<train-limit>:2, keras-mlp:<R>:3, keras-cnn:<train-limit>:3 with
                         R = min(full, 10 × train-limit): full MNIST at the default train-limit]
  --eta N               successive-halving factor                                        [3]
  --sampler NAME        random | evolution | cmaes            [evolution; cmaes for taylor, poly]
  --objectives LIST     acc, or acc,speed (speed = validation accuracy after epoch 1): Pareto front
  --tune EXPR           tune the numeric constants of EXPR (an expression of --space delta, loss or
                        activation) with CMA-ES instead of searching structures
  --resume              continue the study (its stored settings win; --max-trials/--budget may change)
  --bench-throughput    measure rung-0 candidate evaluations per hour: a one-rung ladder in a fresh study
                        (temporary database unless --db), for --budget (default 3m)
  --json                print one JSON document at the end (trials, best, rejections, throughput)
`;

function parseObjectives(raw: string | undefined): Objective[] {
  const list = listOption(raw, ['acc']);
  for (const o of list)
    if (!OBJECTIVES.includes(o as Objective))
      throw new UsageError(`search: unknown objective '${o}'; use acc or acc,speed.`);
  if (list[0] !== 'acc')
    throw new UsageError(`search: the first objective must be acc, got '${list.join(',')}'.`);
  return [...new Set(list)] as Objective[];
}

function statusLine(s: SearchStatus): string {
  const rej = Object.entries(s.rejections)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const best = s.best
    ? `best #${s.best.number} r${s.best.rung} ${(100 * s.best.valAcc).toFixed(2)}%`
    : 'best —';
  return [
    `${s.study} [${s.space}] trials ${s.trials}${s.maxTrials !== undefined ? `/${s.maxTrials}` : ''}`,
    `done ${s.finished} running ${s.running} queued ${s.queued}`,
    `rungs ${s.rungCounts.join('/')}`,
    best,
    `rejected ${Object.values(s.rejections).reduce((a, b) => a + b, 0)}${rej ? ` (${rej})` : ''}`,
    `${Math.round(s.rung0PerHour)} evals/h`,
    formatSeconds(s.elapsedMs / 1000),
  ].join(' · ');
}

function printSummary(s: SearchSummary): void {
  const top = s.trials
    .filter((t) => t.metrics && Object.keys(t.metrics.rungs).length > 0)
    .map((t) => {
      const rungs = Object.keys(t.metrics!.rungs).map(Number);
      const r = Math.max(...rungs);
      return { t, r, m: t.metrics!.rungs[String(r)]! };
    })
    .sort((a, b) => b.r - a.r || (b.m.valAcc ?? -1) - (a.m.valAcc ?? -1))
    .slice(0, 10);
  const lines = [
    `study ${s.study} (${s.space}): ${s.trials.length} trials, stopped: ${s.stopReason}`,
    `ladder ${formatLadder(s.config.ladder)} · η=${s.config.eta} · sampler ${s.config.sampler} · seed ${s.config.seed}`,
    `rejected before training: ${Object.entries(s.rejections)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `rung-0 throughput: ${s.throughput.rung0Evaluations} evaluations in ${formatSeconds(s.throughput.seconds)} on ${s.throughput.workers} worker(s) = ${Math.round(s.throughput.perHour)} per hour` +
      (s.throughput.capacityPerHour === null || s.throughput.rung0MeanSeconds === null
        ? ''
        : `; capacity ${Math.round(s.throughput.capacityPerHour)} per hour (${s.throughput.rung0MeanSeconds.toFixed(1)} s per rung-0 evaluation, every worker screening)`),
    '',
    'top trials (highest rung, then validation accuracy):',
    ...top.map(
      ({ t, r, m }) =>
        `  #${String(t.number).padEnd(5)} ${t.state.padEnd(8)} rung ${r}  val ${m.valAcc === null ? '—' : (100 * m.valAcc).toFixed(2) + '%'}  speed ${m.speed === null ? '—' : (100 * m.speed).toFixed(2) + '%'}  ${t.expr}`,
    ),
  ];
  if (s.pareto)
    lines.push('', `Pareto front (acc, speed): ${s.pareto.map((t) => `#${t.number}`).join(', ')}`);
  console.log(lines.join('\n'));
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs('search', argv, {
    space: { type: 'string' },
    study: { type: 'string' },
    db: { type: 'string' },
    'max-trials': { type: 'string' },
    budget: { type: 'string' },
    workers: { type: 'string' },
    device: { type: 'string' },
    'eval-limit': { type: 'string' },
    seed: { type: 'string' },
    'train-limit': { type: 'string' },
    dataset: { type: 'string' },
    ladder: { type: 'string' },
    eta: { type: 'string' },
    sampler: { type: 'string' },
    objectives: { type: 'string' },
    tune: { type: 'string' },
    resume: { type: 'boolean' },
    'bench-throughput': { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'search';
  const bench = values['bench-throughput'] === true;
  const resume = values.resume === true;
  if (bench && resume)
    throw new UsageError('search: --bench-throughput starts a fresh study; drop --resume.');
  const studyName = values.study ?? (bench ? `bench-throughput-${Date.now()}` : undefined);
  if (!studyName) throw new UsageError("search: --study NAME is required. See 'headroom search --help'.");
  const spaceName = values.space;
  if (spaceName === undefined && !resume)
    throw new UsageError(`search: --space is required (${SPACE_NAMES.join(', ')}).`);
  if (spaceName !== undefined && !SPACE_NAMES.includes(spaceName as SpaceName))
    throw new UsageError(`search: unknown --space '${spaceName}'; use one of ${SPACE_NAMES.join(', ')}.`);
  const maxTrials =
    values['max-trials'] !== undefined ? intOption(cmd, 'max-trials', values['max-trials'], 0, 1) : undefined;
  let budgetMs: number | undefined;
  if (values.budget !== undefined) {
    const b = parseBudget(values.budget);
    if (b === null)
      throw new UsageError(`search: --budget must look like 90s, 30m or 2h, got '${values.budget}'.`);
    budgetMs = b;
  } else if (bench) budgetMs = 3 * 60_000;
  const workers = intOption(cmd, 'workers', values.workers, 2, 1);
  const device = deviceOption(cmd, values.device);
  const evalLimit = evalLimitOption(cmd, values['eval-limit']);
  if (evalLimit !== undefined && resume)
    throw new UsageError(
      'search: --eval-limit is part of a study; a resumed study keeps its own, so drop it.',
    );
  const seed = intOption(cmd, 'seed', values.seed, 0, 0);
  const trainLimit = intOption(cmd, 'train-limit', values['train-limit'], 10000, 1);
  const eta = intOption(cmd, 'eta', values.eta, 3, 2);
  const dataset = values.dataset ?? 'mnist';
  const objectives = parseObjectives(values.objectives);
  let ladder = defaultLadder(trainLimit, dataset);
  if (values.ladder !== undefined) {
    try {
      ladder = parseLadder(values.ladder, dataset);
    } catch (e) {
      throw new UsageError(`search: --ladder: ${(e as Error).message}`);
    }
  }
  if (bench) ladder = ladder.slice(0, 1);
  for (const r of ladder) {
    try {
      getModel(r.model);
    } catch (e) {
      throw new UsageError(`search: --ladder: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const sampler = values.sampler as SamplerName | undefined;
  if (sampler !== undefined && !['random', 'evolution', 'cmaes'].includes(sampler))
    throw new UsageError(`search: unknown --sampler '${sampler}'; use random, evolution or cmaes.`);

  const dbPath = values.db
    ? resolve(values.db)
    : bench
      ? join(mkdtempSync(join(tmpdir(), 'headroom-bench-')), 'bench.db')
      : resolve('headroom.db');
  const store = openStore(dbPath);
  let executor: TrialExecutor | null = null;
  try {
    const existing = store.getStudy(studyName);
    if (existing && !resume)
      throw new UsageError(
        `search: study '${studyName}' already exists in ${dbPath}; add --resume to continue it or pick another --study.`,
      );
    if (!existing && resume) throw new UsageError(`search: --resume: no study '${studyName}' in ${dbPath}.`);
    let config: StudyConfig | undefined;
    let space;
    let scaleInvariantHash: boolean | undefined;
    if (existing) {
      const stored = JSON.parse(existing.config) as { config: StudyConfig };
      if (spaceName !== undefined && spaceName !== stored.config.space)
        throw new UsageError(
          `search: study '${studyName}' searches the '${stored.config.space}' space, not '${spaceName}'.`,
        );
      space = studySpace(stored.config);
      ladder = stored.config.ladder;
      scaleInvariantHash = stored.config.scaleInvariantHash;
    } else {
      const tune = values.tune;
      try {
        space = studySpace({ space: spaceName!, ...(tune !== undefined ? { tune } : {}) });
      } catch (e) {
        if (e instanceof CandidateError) throw new UsageError(`search: --tune: ${e.message.split('\n')[0]}`);
        throw e;
      }
      if (sampler === 'cmaes' && !space.continuous)
        throw new UsageError(
          `search: --sampler cmaes needs a continuous space (taylor, poly, or --tune EXPR), not '${space.name}'.`,
        );
      if (sampler === 'evolution' && tune !== undefined)
        throw new UsageError(
          'search: --tune searches constants with CMA-ES or random sampling, not evolution.',
        );
      config = makeStudyConfig({
        space: space.name,
        seed,
        ladder,
        eta,
        objectives,
        ...(sampler ? { sampler } : {}),
        ...(tune !== undefined ? { tune } : {}),
        ...(evalLimit !== undefined ? { evalLimit } : {}),
      });
      scaleInvariantHash = config.scaleInvariantHash;
    }
    // Unreadable data is a usage problem (exit 2) better found now than as every trial failing.
    for (const d of new Set(ladder.map((r) => r.dataset))) await loadDataset(d, { trainLimit: 10 });

    // The driver runs the filters (a few ms each) on one thread; the workers get the cores.
    setNumThreads(1);
    const filter = new HeadFilter(space, undefined, true, scaleInvariantHash === true);
    executor = new TrialExecutor(createExecutor({ workers, device }));
    const tty = process.stderr.isTTY === true && !values.json;
    const summary = await runSearch({
      store: searchStoreOf(store),
      study: studyName,
      config,
      resume,
      maxTrials,
      budgetMs,
      space,
      filter,
      executor,
      onStatus: tty
        ? (s) => {
            const line = statusLine(s);
            const cols = process.stderr.columns ?? 160;
            process.stderr.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
          }
        : undefined,
    });
    if (tty) process.stderr.write('\n');
    if (values.json) {
      console.log(JSON.stringify({ db: dbPath, ...summary }, null, 2));
    } else {
      printSummary(summary);
      if (bench) console.log(`\nthroughput benchmark database: ${dbPath}`);
    }
    return summary.stopReason === 'interrupted' ? 130 : 0;
  } catch (e) {
    if (e instanceof StudyError) throw new UsageError(`search: ${e.message}`);
    throw e;
  } finally {
    await executor?.close();
    store.close();
  }
}
