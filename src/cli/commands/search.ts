import { resolve, join } from 'node:path';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  checkQueue,
  common,
  defaultWorkers,
  deviceOption,
  opt,
  OptionProblem,
  parseOptions,
  UsageError,
  type OptionTable,
} from '../args.js';
import { printJson } from '../output.js';
import { workStarted } from '../errors.js';
import { formatSeconds, HEARTBEAT_MS, StatusLine } from '../progress.js';
import { checkStore, openStore } from '../../store/index.js';
import { setNumThreads } from '../../engine/index.js';
import { getModel } from '../../nn/models/index.js';
import { loadDataset } from '../../data/index.js';
import { openExecutor, resolvePopulation } from '../../exec/index.js';
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
import { BASELINE_HEAD, formatPoints, studyMargin } from '../../search/ranking.js';

const HELP = `usage: headroom search --space delta|loss|activation|taylor|poly --study NAME [options]

Evolves output heads (δ-rules, losses, output activations) or tunes parametric losses (TaylorGLO, PolyLoss) for
validation accuracy. Candidates are filtered before training (parse/type errors, non-finite δ, δ or prediction that
does not depend on z, duplicates of earlier trials or known heads, δ that does not raise the target logit, failure
on a toy task), then trained on a fidelity ladder with successive halving (ASHA). softmax-ce is trained at every
rung's setting with the study's training seed (the baseline, stored as trial −1); a trial goes up when it is in the
best 1/η of its rung and at most --promotion-margin below the baseline there. Trials within the margin are ranked by
the highest rung each completed, then by their validation Δ against the baseline there; those below it follow. Every
trial is stored; a killed search continues with --resume, losing and repeating nothing.

options:
  --space NAME          delta | loss | activation | taylor | poly   (required unless --resume)
  --study NAME          study name in the database (required)
  --db PATH             SQLite database                                                  [headroom.db]
  --max-trials N        stop after N trained (non-rejected) candidates
  --budget T            stop after T wall-clock time (90s, 30m, 2h); running trials are re-queued
  --workers N           worker processes, one libtorch thread each                      [2]
  --population K|auto   train up to K trials of a rung as one fused model per worker (they share the seed)
                        (auto: 1 on the CPU, where fusion does not pay; 8-32 on CUDA by the rung-0 model) [auto]
  --queue URL           train through this Redis queue on 'headroom worker's (--workers = trials in flight)
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
  --promotion-margin P  promote only trials at most P accuracy points below softmax-ce at their rung
                        (a new study stores it)                                          [2]
  --tune EXPR           tune the numeric constants of EXPR (an expression of --space delta, loss or
                        activation) with CMA-ES instead of searching structures
  --resume              continue the study (its stored settings win; --max-trials/--budget may change)
                        (a study whose first command died before creating it starts from that command's settings)
  --rerank              for a stored study: train only the softmax-ce baselines it lacks (studies from before
                        they were built in), train no candidate, and print its ranking (implies --resume)
  --bench-throughput    measure rung-0 candidate evaluations per hour: a one-rung ladder in a fresh study
                        (temporary database unless --db), for --budget (default 3m)
  --json                print one JSON document at the end (trials with their Δ, ranking, best, baseline,
                        rejections, throughput)
`;

function parseObjectives(given: string[] | undefined): Objective[] {
  const list = given ?? ['acc'];
  for (const o of list)
    if (!OBJECTIVES.includes(o as Objective))
      throw new UsageError(`search: unknown objective '${o}'; use acc or acc,speed.`);
  if (list[0] !== 'acc')
    throw new UsageError(`search: the first objective must be acc, got '${list.join(',')}'.`);
  return [...new Set(list)] as Objective[];
}

/**
 * The search's status as segments (a TTY wraps them at the separators instead of cutting the line): the clock and the
 * budget left first, then trials, the best Δ with its expression, softmax-ce per rung, rungs, rejections, throughput.
 * `sinceMs` is the time since the driver reported `s`, so that the clock ticks between reports.
 */
export function statusSegments(s: SearchStatus, budgetMs?: number, sinceMs = 0): string[] {
  const elapsed = s.elapsedMs + sinceMs;
  const clock =
    budgetMs !== undefined
      ? `${formatSeconds(elapsed / 1000)} elapsed, ${formatSeconds(Math.max(0, budgetMs - elapsed) / 1000)} of ${formatSeconds(budgetMs / 1000)} left`
      : `${formatSeconds(elapsed / 1000)} elapsed (no --budget)`;
  const rej = Object.entries(s.rejections)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  // The best Δ so far (a running maximum: it never goes down), then softmax-ce at each rung as the reference.
  const best = s.best
    ? `best #${s.best.number} r${s.best.rung} ${(100 * s.best.valAcc).toFixed(2)}% Δ ${formatPoints(s.best.delta)} ${s.best.expr}`
    : 'best —';
  const ce = `${BASELINE_HEAD} ${s.baselines
    .filter((b) => b.state !== 'none')
    .map((b) => `r${b.rung} ${b.valAcc !== null ? `${(100 * b.valAcc).toFixed(2)}%` : b.state}`)
    .join(' ')}`;
  return [
    clock,
    `${s.study} [${s.space}] trials ${s.trials}${s.maxTrials !== undefined ? `/${s.maxTrials}` : ''}`,
    `done ${s.finished} running ${s.running} queued ${s.queued}`,
    best,
    ce,
    `rungs ${s.rungCounts.join('/')}`,
    `rejected ${Object.values(s.rejections).reduce((a, b) => a + b, 0)}${rej ? ` (${rej})` : ''}`,
    `${Math.round(s.rung0PerHour)} evals/h`,
  ];
}

function printSummary(s: SearchSummary): void {
  const byNumber = new Map(s.trials.map((t) => [t.number, t]));
  const top = s.ranking.slice(0, 10).map((n) => byNumber.get(n)!);
  const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);
  const margin = studyMargin(s.config);
  const lines = [
    `study ${s.study} (${s.space}): ${s.trials.length} trials, stopped: ${s.stopReason}`,
    `ladder ${formatLadder(s.config.ladder)} · η=${s.config.eta} · sampler ${s.config.sampler} · seed ${s.config.seed}`,
    `baseline ${s.baseline.head} (training seed ${s.config.trainSeed}): ${s.baseline.rungs
      .map(
        (b) =>
          `rung ${b.rung} ${b.state === 'ok' ? pct(b.valAcc) : b.state === 'none' ? 'not needed' : b.state}`,
      )
      .join(', ')}`,
    s.promotionMargin === null
      ? 'promotion gate: none (a study stored before the gate; its promotions are replayed as they were made)'
      : `promotion gate: top 1/η of a rung and at most ${+(100 * s.promotionMargin).toFixed(2)} points below ${s.baseline.head} there`,
    `rejected before training: ${Object.entries(s.rejections)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `rung-0 throughput: ${s.throughput.rung0Evaluations} evaluations in ${formatSeconds(s.throughput.seconds)} on ${s.throughput.workers} worker(s) = ${Math.round(s.throughput.perHour)} per hour` +
      (s.throughput.capacityPerHour === null || s.throughput.rung0MeanSeconds === null
        ? ''
        : `; capacity ${Math.round(s.throughput.capacityPerHour)} per hour (${s.throughput.rung0MeanSeconds.toFixed(1)} s per rung-0 evaluation, every worker screening)`) +
      (s.throughput.trialsPerJob === undefined
        ? ''
        : `; ${s.throughput.trialsPerJob.toFixed(2)} trials per fused training job`),
    '',
    `top trials (highest rung first, then validation Δ against ${s.baseline.head} there; one training seed):`,
    ...top.map((t) => {
      const sc = t.score!;
      const d = sc.delta === null ? 'Δ —    ' : `Δ ${formatPoints(sc.delta).padStart(6)}`;
      const far = sc.delta !== null && sc.delta < -margin - 1e-9 ? ' (beyond the margin)' : '';
      return `  #${String(t.number).padEnd(5)} ${t.state.padEnd(8)} rung ${sc.rung}  val ${pct(sc.valAcc).padStart(7)}  ${d}  ${t.expr}${far}`;
    }),
    '',
    `verdict: ${s.verdict}.`,
  ];
  if (s.pareto)
    lines.push('', `Pareto front (acc, speed): ${s.pareto.map((t) => `#${t.number}`).join(', ')}`);
  console.log(lines.join('\n'));
}

/** Every option of search, with its type and range: parseOptions checks all of them before anything runs. */
const OPTIONS = {
  space: opt.choice<SpaceName>(SPACE_NAMES),
  study: opt.text(),
  db: opt.db(),
  'max-trials': opt.int({ min: 1, max: 1_000_000 }),
  budget: opt.custom((raw) => {
    const ms = parseBudget(raw);
    if (ms === null) throw new OptionProblem(`must look like 90s, 30m or 2h, got '${raw}'.`);
    return ms;
  }),
  workers: common.workers(1),
  queue: common.queue('search'),
  population: common.population(),
  device: common.device(),
  'eval-limit': common.evalLimit(),
  seed: opt.int({ min: 0, max: 2 ** 31 - 1 }),
  'train-limit': common.trainLimit(1),
  dataset: common.dataset(),
  ladder: opt.text(),
  eta: opt.int({ min: 2, max: 100 }),
  sampler: opt.choice<SamplerName>(['random', 'evolution', 'cmaes']),
  objectives: opt.list(OBJECTIVES),
  tune: opt.text(),
  'promotion-margin': opt.number({ min: 0, max: 100 }),
  resume: opt.flag(),
  rerank: opt.flag(),
  'bench-throughput': opt.flag(),
  json: opt.flag(),
  help: opt.flag('h'),
} satisfies OptionTable;

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('search', argv, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'search';
  const bench = values['bench-throughput'];
  const rerank = values.rerank === true;
  // --rerank continues a stored study (training only its missing baselines), so it implies --resume.
  const resume = values.resume || rerank;
  if (bench && resume)
    throw new UsageError(
      `search: --bench-throughput starts a fresh study; drop ${rerank ? '--rerank' : '--resume'}.`,
    );
  // Points on the command line, a fraction in the study (accuracies are fractions everywhere else).
  const promotionMargin =
    values['promotion-margin'] !== undefined ? values['promotion-margin'] / 100 : undefined;
  const studyName = values.study ?? (bench ? `bench-throughput-${Date.now()}` : undefined);
  if (!studyName) throw new UsageError("search: --study NAME is required. See 'headroom search --help'.");
  const spaceName = values.space;
  if (spaceName === undefined && !resume)
    throw new UsageError(`search: --space is required (${SPACE_NAMES.join(', ')}).`);
  const maxTrials = values['max-trials'];
  const budgetMs = values.budget ?? (bench ? 3 * 60_000 : undefined);
  const workers = values.workers ?? defaultWorkers();
  const queue = values.queue;
  const device = deviceOption(cmd, values.device, queue);
  const evalLimit = values['eval-limit'];
  const seed = values.seed ?? 0;
  const trainLimit = values['train-limit'] ?? 10000;
  const eta = values.eta ?? 3;
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
  const sampler = values.sampler;

  // A new study's settings are checked before the database is opened: a bad --tune or --sampler creates nothing.
  let fresh: { space: ReturnType<typeof studySpace>; config: StudyConfig } | undefined;
  if (!resume) {
    const tune = values.tune;
    let space;
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
    const config = makeStudyConfig({
      space: space.name,
      seed,
      ladder,
      eta,
      objectives,
      ...(sampler ? { sampler } : {}),
      ...(tune !== undefined ? { tune } : {}),
      ...(evalLimit !== undefined ? { evalLimit } : {}),
      ...(promotionMargin !== undefined ? { promotionMargin } : {}),
    });
    fresh = { space, config };
  }
  const dbPath = values.db
    ? values.db
    : bench
      ? join(mkdtempSync(join(tmpdir(), 'headroom-bench-')), 'bench.db')
      : resolve('headroom.db');
  await checkQueue(cmd, queue);
  checkStore(dbPath); // another program's database is refused before the data are read
  // A new study's data are read before the database is created, so unreadable data leave nothing behind.
  if (!resume)
    for (const d of new Set(ladder.map((r) => r.dataset))) await loadDataset(d, { trainLimit: 10 });
  if (resume && !existsSync(dbPath))
    throw new UsageError(`search: --resume: no database at ${dbPath}; drop --resume to start the study.`);
  const store = openStore(dbPath);
  let executor: TrialExecutor | null = null;
  try {
    const existing = store.getStudy(studyName);
    if (existing && !resume)
      throw new UsageError(
        `search: study '${studyName}' already exists in ${dbPath}; add --resume to continue it or pick another --study.`,
      );
    // A command killed before its study row was written left its settings noted (setPendingStudy below): --resume
    // starts the study from them, as that command would have. A name no command tried is still an error.
    const pending = !existing && resume ? store.getPendingStudy(studyName) : undefined;
    if (!existing && resume && pending === undefined) {
      const names = store.listStudies().map((st) => st.name);
      throw new UsageError(
        `search: --resume: no study '${studyName}' in ${dbPath}${names.length > 0 ? ` (studies there: ${names.join(', ')})` : ''}; drop --resume to start it.`,
      );
    }
    let config: StudyConfig | undefined;
    let space;
    let scaleInvariantHash: boolean | undefined;
    if (existing || pending !== undefined) {
      const stored = JSON.parse(existing ? existing.config : pending!) as { config: StudyConfig };
      if (pending !== undefined) config = stored.config;
      if (spaceName !== undefined && spaceName !== stored.config.space)
        throw new UsageError(
          `search: study '${studyName}' searches the '${stored.config.space}' space, not '${spaceName}'.`,
        );
      // The evaluation budget shapes every rung's numbers, so a study keeps the one it started with.
      if (evalLimit !== undefined && evalLimit !== stored.config.evalLimit)
        throw new UsageError(
          `search: study '${studyName}' evaluates ${stored.config.evalLimit ?? 'all'} validation examples per rung, not ${evalLimit}; drop --eval-limit or pick another --study.`,
        );
      // The gate shaped every promotion so far, so a study keeps its margin (or, stored before the gate, none).
      if (promotionMargin !== undefined && promotionMargin !== stored.config.promotionMargin)
        throw new UsageError(
          `search: study '${studyName}' ${stored.config.promotionMargin === undefined ? 'was stored before the promotion gate and promotes without one' : `promotes within ${+(100 * stored.config.promotionMargin).toFixed(2)} points of ${BASELINE_HEAD}`}; drop --promotion-margin or pick another --study.`,
        );
      space = studySpace(stored.config);
      ladder = stored.config.ladder;
      scaleInvariantHash = stored.config.scaleInvariantHash;
    } else {
      ({ space, config } = fresh!);
      scaleInvariantHash = config.scaleInvariantHash;
    }
    // Unreadable data is a usage problem (exit 2) better found now than as every trial failing (a resumed study's
    // ladder is its own; a new one's was read above and comes from the cache).
    for (const d of new Set(ladder.map((r) => r.dataset))) await loadDataset(d, { trainLimit: 10 });
    if (config !== undefined) store.setPendingStudy(studyName, { config });

    // The driver runs the filters (a few ms each) on one thread; the workers get the cores.
    setNumThreads(1);
    const filter = new HeadFilter(space, undefined, true, scaleInvariantHash === true);
    const population = resolvePopulation(values.population ?? 'auto', device, ladder[0]!.model);
    executor = new TrialExecutor(await openExecutor({ workers, device, queue }), device, population);
    // On a TTY the status redraws in place (wrapped, its clock ticking every second); without one, a plain line at
    // the start and every 30 s, so a log shows the search is alive and how far it got.
    const status = new StatusLine();
    let reported: { s: SearchStatus; at: number } | undefined;
    const segments = () => statusSegments(reported!.s, budgetMs, Date.now() - reported!.at);
    const ticker = setInterval(() => {
      if (!reported) return;
      if (status.tty) status.draw(segments());
      else if (status.sinceLine() >= HEARTBEAT_MS) status.line(segments().join(' · '));
    }, 1000);
    ticker.unref();
    workStarted(dbPath);
    const summary = await runSearch({
      store: searchStoreOf(store),
      study: studyName,
      config,
      // A pending study does not exist yet: the driver creates it from `config`.
      resume: existing !== undefined,
      maxTrials,
      budgetMs,
      space,
      filter,
      executor,
      rerank,
      onStatus: (s) => {
        const first = reported === undefined;
        reported = { s, at: Date.now() };
        if (status.tty) status.draw(segments());
        else if (first) status.line(segments().join(' · '));
      },
    });
    clearInterval(ticker);
    status.end();
    store.clearPendingStudy(studyName);
    if (values.json) {
      printJson({ db: dbPath, ...summary }, 2);
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
