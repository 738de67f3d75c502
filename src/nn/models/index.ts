import { kerasCnn } from './keras-cnn.js';
import { kerasMlp } from './keras-mlp.js';
import { lenet5 } from './lenet5.js';
import { paperFcn } from './paper-fcn.js';
import { resnet20 } from './resnet20.js';
import type { ModelSpec } from './types.js';

export type { Body, ModelSpec, OptimizerKind } from './types.js';
export { TrunkBody } from './types.js';
export { kerasCnn, kerasMlp, lenet5, paperFcn, resnet20 };

const MODELS: readonly ModelSpec[] = [kerasMlp, kerasCnn, paperFcn, lenet5, resnet20];

export function listModels(): ModelSpec[] {
  return [...MODELS];
}

export function getModel(id: string): ModelSpec {
  const m = MODELS.find((s) => s.id === id);
  if (m === undefined)
    throw new Error(`unknown model '${id}'. Known models: ${MODELS.map((s) => s.id).join(', ')}`);
  return m;
}
