// Training recipes: a named, resolved bundle of optimizer, schedule, augmentation, epochs and batch size for one model.
// The default for every model stays its reference (Keras) setting; a recipe is opt-in (`compare --recipe`), and the
// resolved recipe is stored in each run's config, so it is part of the run key.
import type { OptimizerConfig } from './config.js';
import { checkSchedule, type LrSchedule } from './schedule.js';
import { checkAugment, type AugmentConfig } from './augment.js';

/** What a run's config carries: the recipe's name and the parts fit() applies beyond the optimizer. */
export interface RecipeConfig {
  name: string;
  schedule: LrSchedule;
  augment?: AugmentConfig;
}

export interface RecipePreset {
  id: string;
  /** The model it is made for; using it with another model is refused. */
  model: string;
  title: string;
  source: string;
  optimizer: OptimizerConfig;
  epochs: number;
  batchSize: number;
  schedule: LrSchedule;
  augment?: AugmentConfig;
}

/**
 * The crop pads 2 pixels on 28×28 inputs (4 on CIFAR's 32×32 in the papers: about the same fraction). Flips suit
 * Fashion-MNIST and CIFAR-10; on MNIST digits a flip changes what some digits look like, so these recipes are meant for
 * the former.
 */
const RESNET20_AUGMENT: AugmentConfig = { crop: 2, flip: true };

const PRESETS: readonly RecipePreset[] = [
  {
    id: 'resnet20-modern',
    model: 'resnet20',
    title:
      'SGD + Nesterov 0.9, lr 0.1, weight decay 5e-4, 1-epoch linear warmup then cosine, crop 2 + flip, batch 128',
    source:
      'the common CIFAR ResNet recipe (He et al. 2016 with Nesterov momentum, Goyal et al. 2017 warmup, Loshchilov & ' +
      'Hutter 2017 cosine); weight decay as torch SGD applies it (L2 added to the gradient)',
    optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    epochs: 30,
    batchSize: 128,
    schedule: { kind: 'cosine', warmupEpochs: 1, minFactor: 0 },
    augment: RESNET20_AUGMENT,
  },
  {
    id: 'resnet20-he2016',
    model: 'resnet20',
    title:
      'SGD momentum 0.9, lr 0.1, weight decay 1e-4, ×0.1 at 50% and 75% of the epochs, crop 2 + flip, batch 128',
    source: 'He, Zhang, Ren & Sun 2016, §4.2 (CIFAR-10: ×0.1 at 32k and 48k of 64k iterations)',
    optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
    epochs: 30,
    batchSize: 128,
    schedule: { kind: 'step', at: [0.5, 0.75], gamma: 0.1 },
    augment: RESNET20_AUGMENT,
  },
  {
    id: 'resnet20-onecycle',
    model: 'resnet20',
    title:
      'SGD + Nesterov 0.9, one-cycle to lr 0.1 (30% up, torch defaults 25 / 1e4), decoupled weight decay 5e-3, ' +
      'crop 2 + flip, batch 128',
    source:
      'Smith & Topin 2019 (one-cycle); Loshchilov & Hutter 2019 (decoupled weight decay, applied as p ← p·(1 − lr·λ)); ' +
      'λ = 5e-3 gives the per-update shrink lr·λ that coupled 5e-4 gives under momentum 0.9 (lr·5e-4 / (1 − 0.9))',
    optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, decoupledWeightDecay: 5e-3 },
    epochs: 30,
    batchSize: 128,
    schedule: { kind: 'one-cycle', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 },
    augment: RESNET20_AUGMENT,
  },
];

for (const p of PRESETS) {
  checkSchedule(p.schedule);
  if (p.augment) checkAugment(p.augment);
}

export const RECIPE_IDS: readonly string[] = PRESETS.map((p) => p.id);

export function listRecipes(): readonly RecipePreset[] {
  return PRESETS;
}

export class RecipeError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'RecipeError';
  }
}

/** The preset `id` for `model`; unknown ids and presets made for another model are refused with what exists. */
export function getRecipe(id: string, model?: string): RecipePreset {
  const p = PRESETS.find((r) => r.id === id);
  if (!p) throw new RecipeError(`unknown recipe '${id}'. Known recipes: ${RECIPE_IDS.join(', ')}.`);
  if (model !== undefined && p.model !== model)
    throw new RecipeError(
      `recipe '${id}' is made for model '${p.model}', not '${model}'. Recipes for ${model}: ${
        PRESETS.filter((r) => r.model === model)
          .map((r) => r.id)
          .join(', ') || 'none (its defaults are its reference settings)'
      }.`,
    );
  return p;
}

/** The part of a preset a run's config stores beside its optimizer, epochs and batch size. */
export function recipeConfig(p: RecipePreset): RecipeConfig {
  return { name: p.id, schedule: p.schedule, ...(p.augment ? { augment: p.augment } : {}) };
}
