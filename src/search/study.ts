import { SPACE_NAMES, type Objective, type SpaceName } from './types.js';
import { DEFAULT_EVOLUTION, type EvolutionOptions } from './samplers/evolution.js';
import { getModel } from '../nn/models/index.js';
import type { OptimizerKind } from '../train/config.js';
import { DEFAULT_PROMOTION_MARGIN } from './ranking.js';

/** One fidelity of the ladder: what a trial trains at that rung. */
export interface Rung {
  model: string;
  dataset: string;
  epochs: number;
  /** Training examples (after the validation split); undefined = the full training set. */
  trainLimit?: number;
}

export type SamplerName = 'random' | 'evolution' | 'cmaes';

/** Everything that defines a study; stored as `studies.config` and read back (not re-derived from flags) on --resume. */
export interface StudyConfig {
  space: SpaceName;
  sampler: SamplerName;
  seed: number;
  /** Training seed of every trial at every rung (common random numbers: differences come from the head). */
  trainSeed: number;
  ladder: Rung[];
  /** Successive-halving reduction factor. */
  eta: number;
  objectives: Objective[];
  valFraction: number;
  /** Validation examples each rung evaluates (see RunConfig.evalLimit); all when absent. */
  evalLimit?: number;
  evolution: EvolutionOptions;
  /** CMA-ES population size; undefined = Hansen's default for the dimension (TaylorGLO used 20). */
  cmaesLambda?: number;
  /** Tune the constants of this expression of `space` with CMA-ES instead of searching structures. */
  tune?: string;
  /**
   * Duplicates are decided on δ up to a positive scale. True for new studies whose every rung trains with an
   * adaptive optimizer (c·δ then trains like δ); absent in studies stored before the option existed.
   */
  scaleInvariantHash?: boolean;
  /**
   * The promotion gate: ASHA promotes a trial only if its validation accuracy is at most this much (a fraction: 0.02
   * = 2 points) below the study's softmax-ce baseline at that rung. Absent in studies stored before the gate existed,
   * which keep their ungated promotions on --resume (they were made that way and are replayed, not re-decided).
   */
  promotionMargin?: number;
}

export const OBJECTIVES: readonly Objective[] = ['acc', 'speed'];

/**
 * The default ladder. Rung 0 is the cheap screen that every surviving candidate gets; rungs 1 and 2 only see the
 * best 1/η and 1/η² of it. Rung 1 trains keras-mlp on min(full, 10 × trainLimit) examples for 3 epochs (the whole
 * training set with the default trainLimit of 10k); rung 2 checks that the head also trains a conv body: keras-cnn
 * on trainLimit examples for 3 epochs. Successive halving wants each rung to cost about η times the one below, so
 * that every rung gets a similar share of the compute. The earlier rung 2 (keras-cnn, full data, 5 epochs: about
 * 470 s against 1.6 s for rung 0 on this machine) took 90% of the delta-2 search's worker time and left it only
 * ~70 rung-0 screens an hour; the full-data CNN check belongs to `confirm`.
 */
export function defaultLadder(trainLimit = 10000, dataset = 'mnist'): Rung[] {
  const upper = trainLimit * 10;
  const cap = (r: Rung): Rung =>
    upper < (FULL_TRAIN[dataset] ?? Infinity) ? { ...r, trainLimit: upper } : r;
  return [
    { model: 'keras-mlp', dataset, epochs: 2, trainLimit },
    cap({ model: 'keras-mlp', dataset, epochs: 3 }),
    { model: 'keras-cnn', dataset, epochs: 3, trainLimit },
  ];
}

/** Training examples left after carving 10% validation, for the datasets a ladder is usually built on. */
const FULL_TRAIN: Record<string, number> = { mnist: 54000, 'fashion-mnist': 54000, cifar10: 45000 };

/**
 * `--ladder "keras-mlp:2000:1,keras-mlp:5000:2"`: comma-separated rungs `model:trainLimit:epochs[:dataset]`,
 * trainLimit `full` for the whole training set. Throws an Error with one line on bad input.
 */
export function parseLadder(text: string, defaultDataset = 'mnist'): Rung[] {
  const rungs = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((spec) => {
      const [model, limit, epochs, dataset] = spec.split(':');
      const e = Number(epochs);
      const l = limit === 'full' ? undefined : Number(limit);
      if (!model || !Number.isInteger(e) || e < 1 || (l !== undefined && (!Number.isInteger(l) || l < 1)))
        throw new Error(
          `bad rung '${spec}': expected model:trainLimit|full:epochs[:dataset], e.g. keras-mlp:10000:2`,
        );
      const rung: Rung = { model, dataset: dataset || defaultDataset, epochs: e };
      if (l !== undefined) rung.trainLimit = l;
      return rung;
    });
  if (rungs.length === 0) throw new Error('the ladder needs at least one rung');
  return rungs;
}

export function formatLadder(ladder: Rung[]): string {
  return ladder.map((r) => `${r.model}:${r.trainLimit ?? 'full'}:${r.epochs}:${r.dataset}`).join(',');
}

export function defaultSampler(space: SpaceName, tune?: string): SamplerName {
  return space === 'taylor' || space === 'poly' || tune !== undefined ? 'cmaes' : 'evolution';
}

export function makeStudyConfig(
  opts: Partial<StudyConfig> & { space: SpaceName; trainLimit?: number; dataset?: string },
): StudyConfig {
  if (!SPACE_NAMES.includes(opts.space)) throw new Error(`unknown space '${opts.space}'`);
  const seed = opts.seed ?? 0;
  const ladder = opts.ladder ?? defaultLadder(opts.trainLimit, opts.dataset);
  return {
    space: opts.space,
    sampler: opts.sampler ?? defaultSampler(opts.space, opts.tune),
    seed,
    trainSeed: opts.trainSeed ?? seed,
    ladder,
    eta: opts.eta ?? 3,
    objectives: opts.objectives ?? ['acc'],
    valFraction: opts.valFraction ?? 0.1,
    ...(opts.evalLimit !== undefined ? { evalLimit: opts.evalLimit } : {}),
    evolution: opts.evolution ?? DEFAULT_EVOLUTION,
    ...(opts.cmaesLambda !== undefined ? { cmaesLambda: opts.cmaesLambda } : {}),
    ...(opts.tune !== undefined ? { tune: opts.tune } : {}),
    scaleInvariantHash: opts.scaleInvariantHash ?? ladderIsScaleInvariant(ladder),
    promotionMargin: opts.promotionMargin ?? DEFAULT_PROMOTION_MARGIN,
  };
}

const ADAPTIVE: readonly OptimizerKind[] = ['rmsprop', 'adam', 'adamw', 'adadelta'];

/** Every rung's reference optimizer divides the gradient by a running scale of itself, so c·δ ≡ δ for c > 0. */
export function ladderIsScaleInvariant(ladder: readonly Rung[]): boolean {
  return ladder.every((r) => {
    try {
      return ADAPTIVE.includes(getModel(r.model).defaultOptimizer.kind);
    } catch {
      return false; // a model this build does not know (a test double): no claim about its optimizer
    }
  });
}

/** `90s`, `30m`, `2h`, `1h30m` (a bare number is minutes) → milliseconds; null when unreadable. */
export function parseBudget(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 60_000;
  const re = /(\d+(?:\.\d+)?)\s*(h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (const m of t.matchAll(re)) {
    total += Number(m[1]) * { h: 3600_000, m: 60_000, s: 1000 }[m[2] as 'h' | 'm' | 's'];
    matched += m[0].length;
  }
  return matched === t.length && matched > 0 && total > 0 ? total : null;
}
