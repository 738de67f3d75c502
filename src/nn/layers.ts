import {
  avgPool2d,
  batchNorm,
  conv2d,
  dropout,
  linear,
  maxPool2d,
  ones,
  rand,
  zeros,
  type Device,
  type DType,
  type Tensor,
} from '../engine/index.js';
import { initBias, initWeight, type InitKind } from './init.js';
import { Module } from './module.js';

export type Pair = number | [number, number];

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function checkPositiveInt(layer: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`${layer}: ${name} must be a positive integer, got ${v}`);
}

export interface LinearOptions {
  bias?: boolean;
  init?: InitKind;
}

/** y = x Wᵀ + b with W of shape [out, in] (torch layout). */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkPositiveInt('Linear', 'inFeatures', inFeatures);
    checkPositiveInt('Linear', 'outFeatures', outFeatures);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const init = opts.init ?? 'kaiming-uniform';
    const w = this.param('weight', zeros([outFeatures, inFeatures]));
    initWeight(w, init);
    if (opts.bias ?? true) initBias(this.param('bias', zeros([outFeatures])), w.shape, init);
  }

  get weight(): Tensor {
    return this.getParam('weight');
  }

  get bias(): Tensor | null {
    return this.hasParam('bias') ? this.getParam('bias') : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined);
  }
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  init?: InitKind;
}

/** 2-D convolution over NCHW input; weight [outC, inC / groups, kh, kw]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernel: Pair, opts: Conv2dOptions = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkPositiveInt('Conv2d', 'inChannels', inChannels);
    checkPositiveInt('Conv2d', 'outChannels', outChannels);
    checkPositiveInt('Conv2d', 'groups', groups);
    if (inChannels % groups !== 0 || outChannels % groups !== 0)
      throw new Error(
        `Conv2d: channels (${inChannels} → ${outChannels}) must be divisible by groups (${groups})`,
      );
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pair(kernel);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = groups;
    const init = opts.init ?? 'kaiming-uniform';
    const w = this.param('weight', zeros([outChannels, inChannels / groups, ...this.kernelSize]));
    initWeight(w, init);
    if (opts.bias ?? true) initBias(this.param('bias', zeros([outChannels])), w.shape, init);
  }

  get weight(): Tensor {
    return this.getParam('weight');
  }

  get bias(): Tensor | null {
    return this.hasParam('bias') ? this.getParam('bias') : null;
  }

  /** Spatial output size for an input of size [h, w] (floor division, as libtorch computes it). */
  outputSize(h: number, w: number): [number, number] {
    const o = (n: number, i: 0 | 1): number =>
      Math.floor(
        (n + 2 * this.padding[i] - this.dilation[i] * (this.kernelSize[i] - 1) - 1) / this.stride[i],
      ) + 1;
    return [o(h, 0), o(w, 1)];
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias ?? undefined, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/** Pooling output size (floor mode). */
export function poolOutputSize(n: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

/** Shared by the pooling layers: kernel, stride (default: the kernel size, as in torch) and padding. */
abstract class Pool2d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;

  constructor(kernel: number, stride?: number, padding = 0) {
    super();
    this.kernelSize = kernel;
    this.stride = stride ?? kernel;
    this.padding = padding;
  }
}

export class MaxPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

export class AvgPool2d extends Pool2d {
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding });
  }
}

/**
 * Inverted dropout: zeroes with probability p and scales survivors by 1/(1-p) in training; identity in eval.
 *
 * Training builds the mask as (U[0,1) ≥ p) · 1/(1−p) from the global generator rather than calling at::dropout: on CPU,
 * libtorch 1.13 without MKL draws bernoulli_ one element at a time, which made dropout about 2.3× slower (forward +
 * backward) than this on keras-cnn's 1.2M-element activation. Same distribution, different random stream.
 */
export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0 || x.device !== 'cpu') return dropout(x, this.p, this.training);
    const mask = this.mask(x.shape, x.dtype, x.device);
    const y = x.mul(mask);
    mask.dispose();
    return y;
  }

  /**
   * The training mask for an input of `shape`, drawing exactly the random numbers forward() would: a fused population
   * broadcasts it over its members, so each member sees the mask its solo run would have seen.
   */
  mask(shape: readonly number[], dtype: DType, device: Device): Tensor {
    if (device !== 'cpu') return dropout(ones(shape, { dtype, device }), this.p, true);
    // Temporaries are freed at once (autograd keeps its own reference to the mask it needs for backward).
    const u = rand(shape, { dtype });
    const keepMask = u.ge(this.p);
    u.dispose();
    const mask = keepMask.to(dtype);
    keepMask.dispose();
    mask.mul_(1 / (1 - this.p));
    return mask;
  }
}

export interface BatchNormOptions {
  momentum?: number;
  eps?: number;
  affine?: boolean;
}

/**
 * Batch normalisation over N, H, W per channel. Training uses batch statistics and updates the running mean and the
 * (unbiased) running variance with `momentum` (torch's convention: new = (1 - m)·old + m·batch); eval uses the running
 * statistics.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly momentum: number;
  readonly eps: number;

  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    checkPositiveInt('BatchNorm2d', 'numFeatures', numFeatures);
    this.numFeatures = numFeatures;
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
    if (opts.affine ?? true) {
      this.param('weight', ones([numFeatures]));
      this.param('bias', zeros([numFeatures]));
    }
    this.buffer('runningMean', zeros([numFeatures]));
    this.buffer('runningVar', ones([numFeatures]));
  }

  get weight(): Tensor | null {
    return this.hasParam('weight') ? this.getParam('weight') : null;
  }

  get bias(): Tensor | null {
    return this.hasParam('bias') ? this.getParam('bias') : null;
  }

  get runningMean(): Tensor {
    return this.getBuffer('runningMean');
  }

  get runningVar(): Tensor {
    return this.getBuffer('runningVar');
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected NCHW input, got shape [${x.shape.join(', ')}]`);
    return batchNorm(
      x,
      this.runningMean,
      this.runningVar,
      this.weight,
      this.bias,
      this.training,
      this.momentum,
      this.eps,
    );
  }
}

/** Flattens every dim from startDim on (default: keep the batch dim). */
export class Flatten extends Module {
  constructor(readonly startDim = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** Runs its children in order; they are registered as '0', '1', … like torch.nn.Sequential. */
export class Sequential extends Module {
  readonly #mods: Module[];

  constructor(...mods: Module[]) {
    super();
    this.#mods = mods;
    mods.forEach((m, i) => this.child(String(i), m));
  }

  get length(): number {
    return this.#mods.length;
  }

  at(i: number): Module {
    const m = this.#mods[i];
    if (m === undefined) throw new Error(`Sequential: no module at index ${i} (length ${this.#mods.length})`);
    return m;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.#mods) h = m.forward(h);
    return h;
  }
}
