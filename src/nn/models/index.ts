import { kerasCnn } from './keras-cnn.js';
import { kerasMlp } from './keras-mlp.js';
import { lenet5 } from './lenet5.js';
import { paperFcn } from './paper-fcn.js';
import { resnet20 } from './resnet20.js';
import type { ModelSpec } from './types.js';
import { addedModels } from './registry.js';

export type { Body, ModelSpec, OptimizerKind } from './types.js';
export { TrunkBody } from './types.js';
export { createBodyFor, FEATURE_ENDS, type FeatureEnd } from './features.js';
export { kerasCnn, kerasMlp, lenet5, paperFcn, resnet20 };

const MODELS: readonly ModelSpec[] = [kerasMlp, kerasCnn, paperFcn, lenet5, resnet20];

/** The built-in ids, which models added by defineModel (registry.ts) may not reuse. */
export const BUILT_IN_MODEL_IDS: ReadonlySet<string> = new Set(MODELS.map((m) => m.id));

/** The built-in models, then those added by defineModel (plugins), in the order they were defined. */
export function listModels(): ModelSpec[] {
  return [...MODELS, ...addedModels()];
}

export function getModel(id: string): ModelSpec {
  const all = listModels();
  const m = all.find((s) => s.id === id);
  if (m === undefined)
    throw new Error(
      `unknown model '${id}'. Known models: ${all.map((s) => s.id).join(', ')}` +
        ' (models from plugins need --plugin FILE or HEADROOM_PLUGINS)',
    );
  return m;
}
