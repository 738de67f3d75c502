// The head's own output layer: the last Dense(C) of a classifier, or its normalised variants for margin heads.
import { linear, zeros, type Device, type Tensor } from '../engine/index.js';
import { initBias, initWeight } from '../nn/init.js';
import { Module } from '../nn/module.js';
import { l2NormalizeRows } from './common.js';
import type { OutputLayerKind } from './types.js';

export interface OutputLayerOptions {
  dtype?: 'float32' | 'float64';
  device?: Device;
}

/**
 * linear:              z = W x + b          (Keras Dense defaults: glorot-uniform W, zero b)
 * cosine:              z_k = x̂ · ŵ_k = cos θ_k   (x and the rows of W L2-normalised, no bias)
 * normalized-weights:  z_k = x · ŵ_k = ‖x‖ cos θ_k (rows of W normalised, no bias) — SphereFace
 * W is [C, featureDim] (torch layout). The normalised layers keep an unnormalised W and normalise it in every forward,
 * so the gradient flows through the normalisation. featureNorm = ‖x‖ (with gradient) for every kind.
 */
export class OutputLayer extends Module {
  readonly kind: OutputLayerKind;
  readonly featureDim: number;
  readonly numClasses: number;

  constructor(kind: OutputLayerKind, featureDim: number, numClasses: number, opts: OutputLayerOptions = {}) {
    super();
    if (!Number.isInteger(featureDim) || featureDim < 1 || !Number.isInteger(numClasses) || numClasses < 1)
      throw new Error(
        `output layer: featureDim and numClasses must be positive integers, got ${featureDim}, ${numClasses}`,
      );
    this.kind = kind;
    this.featureDim = featureDim;
    this.numClasses = numClasses;
    const tensorOpts = { dtype: opts.dtype ?? 'float32', device: opts.device ?? 'cpu' } as const;
    const w = zeros([numClasses, featureDim], tensorOpts);
    // Glorot for all kinds: for the normalised layers only the directions matter, and they are uniform either way.
    initWeight(w, 'glorot-uniform');
    this.param('weight', w);
    if (kind === 'linear') {
      const b = zeros([numClasses], tensorOpts);
      initBias(b, [numClasses, featureDim], 'glorot-uniform');
      this.param('bias', b);
    }
  }

  get weight(): Tensor {
    return this.getParam('weight');
  }

  get bias(): Tensor | null {
    return this.hasParam('bias') ? this.getParam('bias') : null;
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithNorm(x).z;
  }

  forwardWithNorm(x: Tensor): { z: Tensor; featureNorm: Tensor } {
    const featureNorm = x.norm(2, 1);
    switch (this.kind) {
      case 'linear':
        return { z: linear(x, this.weight, this.bias ?? undefined), featureNorm };
      case 'cosine':
        return { z: linear(l2NormalizeRows(x), l2NormalizeRows(this.weight)), featureNorm };
      case 'normalized-weights':
        return { z: linear(x, l2NormalizeRows(this.weight)), featureNorm };
    }
  }
}

export function createOutputLayer(
  kind: OutputLayerKind,
  featureDim: number,
  numClasses: number,
  opts?: OutputLayerOptions,
): OutputLayer {
  return new OutputLayer(kind, featureDim, numClasses, opts);
}
