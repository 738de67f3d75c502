import { manualSeed, type Tensor } from '../../engine/index.js';
import { Module } from '../module.js';

/** A feature extractor: forward(x) maps a batch [B, ...inputShape] to features [B, featureDim]. */
export interface Body extends Module {
  readonly featureDim: number;
}

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adadelta';

export interface ModelSpec {
  id: string;
  title: string;
  /** The input the reference model was defined for, CHW, e.g. [1, 28, 28]. */
  inputShape: number[];
  createBody(inputShape: number[], opts: { seed?: number }): Body;
  defaultOptimizer: { kind: OptimizerKind; lr: number; [k: string]: number | string | boolean };
  defaultEpochs: number;
  defaultBatchSize: number;
}

/** A body made of one Sequential-like trunk. */
export class TrunkBody extends Module implements Body {
  readonly featureDim: number;
  readonly #trunk: Module;

  constructor(trunk: Module, featureDim: number) {
    super();
    this.#trunk = this.child('trunk', trunk);
    this.featureDim = featureDim;
  }

  get trunk(): Module {
    return this.#trunk;
  }

  forward(x: Tensor): Tensor {
    return this.#trunk.forward(x);
  }
}

export function checkInputShape(model: string, inputShape: number[], dims: number): void {
  if (inputShape.length !== dims || !inputShape.every((d) => Number.isInteger(d) && d > 0))
    throw new Error(
      `${model}: expected an input shape of ${dims} positive dims (CHW), got [${inputShape.join(', ')}]`,
    );
}

export function seedIfGiven(seed: number | undefined): void {
  if (seed !== undefined) manualSeed(seed);
}

export function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}
