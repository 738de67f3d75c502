// Population (horizontally fused) training, HFTA-style: K copies of one body trained as one model whose layers are
// K wide. Member k's weights are a block of every parameter's first dimension, so members share nothing and an
// elementwise optimizer gives each the update it would get alone. libtorch has no vmap, so each layer is fused by hand:
//   conv layers keep activations as [B, K·C, H, W] (grouped convolutions, per-channel BatchNorm and pooling),
//   dense layers as [K, B, F] (batched matmul), and the input is shared by all members until the first weight layer.
import { batchNorm, cat, conv2d, linear, scope, zeros, type Tensor } from '../engine/index.js';
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
} from './layers.js';
import { Module } from './module.js';
import { TrunkBody, type Body } from './models/types.js';

/**
 * An activation of the population: `shared` ([B, …], the same for every member: the input), `channels`
 * ([B, K·C, H, W], member-major channels) or `members` ([K, B, F]).
 */
export interface Fused {
  t: Tensor;
  layout: 'shared' | 'channels' | 'members';
}

export abstract class FusedLayer extends Module {
  constructor(readonly members: number) {
    super();
  }
  abstract forwardFused(a: Fused): Fused;
  forward(x: Tensor): Tensor {
    return this.forwardFused({ t: x, layout: 'shared' }).t;
  }
}

/** A population body: features [K, B, featureDim], member k's in row k. */
export interface FusedBody extends Module {
  readonly members: number;
  readonly featureDim: number;
  forwardMembers(x: Tensor): Tensor;
}

/** K copies of `t` stacked along its first dimension ([K·d0, …]), or along a new one ([K, …]) when `newDim`. */
function stack(t: Tensor, k: number, newDim: boolean): Tensor {
  return scope(() => {
    const solo = t.detach();
    const copies = Array.from({ length: k }, () => (newDim ? solo.unsqueeze(0) : solo));
    return cat(copies, 0);
  });
}

function asMembers(a: Fused, k: number): Tensor {
  if (a.layout === 'members') return a.t;
  if (a.layout === 'shared') throw new Error('fused: a dense layer on the shared input needs FusedLinear');
  const [b, kc, h, w] = a.t.shape as [number, number, number, number];
  return a.t.reshape([b, k, (kc / k) * h * w]).transpose(0, 1);
}

export class FusedLinear extends FusedLayer {
  readonly #out: number;
  constructor(solo: Linear, k: number) {
    super(k);
    this.#out = solo.outFeatures;
    this.param('weight', stack(solo.weight, k, true)); // [K, out, in]
    const b = solo.bias;
    this.param('bias', b ? stack(b, k, true) : zeros([k, solo.outFeatures], { device: solo.weight.device }));
  }
  forwardFused(a: Fused): Fused {
    const w = this.getParam('weight');
    const b = this.getParam('bias');
    const k = this.members;
    if (a.layout === 'shared') {
      // One GEMM against all members' weights side by side: [B, in] × [in, K·out].
      const [, out, inF] = w.shape as [number, number, number];
      const y = linear(a.t, w.reshape([k * out, inF]), b.reshape([k * out]));
      return { t: y.reshape([a.t.shape[0]!, k, out]).transpose(0, 1), layout: 'members' };
    }
    const x = asMembers(a, k);
    return { t: x.matmul(w.transpose(1, 2)).add(b.reshape([k, 1, this.#out])), layout: 'members' };
  }
}

export class FusedConv2d extends FusedLayer {
  readonly #solo: Conv2d;
  constructor(solo: Conv2d, k: number) {
    super(k);
    if (solo.groups !== 1) throw new Error('fused: grouped solo convolutions are not supported');
    this.#solo = solo;
    this.param('weight', stack(solo.weight, k, false)); // [K·out, in, kh, kw]
    if (solo.bias) this.param('bias', stack(solo.bias, k, false));
  }
  forwardFused(a: Fused): Fused {
    if (a.layout === 'members') throw new Error('fused: a convolution after a dense layer is not supported');
    const s = this.#solo;
    const y = conv2d(
      a.t,
      this.getParam('weight'),
      this.hasParam('bias') ? this.getParam('bias') : undefined,
      {
        stride: s.stride,
        padding: s.padding,
        dilation: s.dilation,
        groups: a.layout === 'shared' ? 1 : this.members,
      },
    );
    return { t: y, layout: 'channels' };
  }
}

export class FusedBatchNorm2d extends FusedLayer {
  readonly #solo: BatchNorm2d;
  constructor(solo: BatchNorm2d, k: number) {
    super(k);
    this.#solo = solo;
    if (solo.weight) this.param('weight', stack(solo.weight, k, false));
    if (solo.bias) this.param('bias', stack(solo.bias, k, false));
    this.buffer('runningMean', stack(solo.runningMean, k, false));
    this.buffer('runningVar', stack(solo.runningVar, k, false));
  }
  forwardFused(a: Fused): Fused {
    if (a.layout !== 'channels') throw new Error('fused: BatchNorm2d expects conv activations');
    const opt = (n: string) => (this.hasParam(n) ? this.getParam(n) : null);
    const t = batchNorm(
      a.t,
      this.getBuffer('runningMean'),
      this.getBuffer('runningVar'),
      opt('weight'),
      opt('bias'),
      this.training,
      this.#solo.momentum,
      this.#solo.eps,
    );
    return { t, layout: 'channels' };
  }
}

/** The solo mask (same random numbers as a solo run with this seed) broadcast over the members. */
export class FusedDropout extends FusedLayer {
  constructor(
    readonly solo: Dropout,
    k: number,
  ) {
    super(k);
  }
  forwardFused(a: Fused): Fused {
    if (!this.training || this.solo.p === 0) return a;
    const k = this.members;
    const soloShape =
      a.layout === 'members'
        ? a.t.shape.slice(1)
        : a.layout === 'channels'
          ? [a.t.shape[0]!, a.t.shape[1]! / k, ...a.t.shape.slice(2)]
          : a.t.shape;
    const mask = this.solo.mask(soloShape, a.t.dtype, a.t.device);
    let t: Tensor;
    if (a.layout === 'members') t = a.t.mul(mask.unsqueeze(0));
    else if (a.layout === 'shared') t = a.t.mul(mask);
    else {
      const [b, kc, ...hw] = a.t.shape;
      t = a.t
        .reshape([b!, k, kc! / k, ...hw])
        .mul(mask.unsqueeze(1))
        .reshape(a.t.shape);
    }
    mask.dispose();
    return { t, layout: a.layout };
  }
}

/** Layers that act on each element or each channel alone work on every layout as they are. */
class FusedPointwise extends FusedLayer {
  constructor(
    readonly solo: Module,
    k: number,
  ) {
    super(k);
  }
  forwardFused(a: Fused): Fused {
    return { t: this.solo.forward(a.t), layout: a.layout };
  }
}

export class FusedFlatten extends FusedLayer {
  constructor(
    readonly solo: Flatten,
    k: number,
  ) {
    super(k);
    if (solo.startDim !== 1) throw new Error('fused: only Flatten(1) is supported');
  }
  forwardFused(a: Fused): Fused {
    if (a.layout === 'shared') return { t: a.t.flatten(1), layout: 'shared' };
    return { t: asMembers(a, this.members), layout: 'members' };
  }
}

export class FusedSequential extends FusedLayer {
  readonly #layers: FusedLayer[];
  constructor(layers: FusedLayer[], k: number) {
    super(k);
    this.#layers = layers;
    layers.forEach((l, i) => this.child(String(i), l));
  }
  forwardFused(a: Fused): Fused {
    let h = a;
    for (const l of this.#layers) h = l.forwardFused(h);
    return h;
  }
}

/** The fused counterpart of a solo layer (its parameters copied K times), for the layers the models are made of. */
export function fuseLayer(m: Module, k: number): FusedLayer {
  if (m instanceof Linear) return new FusedLinear(m, k);
  if (m instanceof Conv2d) return new FusedConv2d(m, k);
  if (m instanceof BatchNorm2d) return new FusedBatchNorm2d(m, k);
  if (m instanceof Dropout) return new FusedDropout(m, k);
  if (m instanceof Flatten) return new FusedFlatten(m, k);
  if (
    m instanceof ReLU ||
    m instanceof Tanh ||
    m instanceof Sigmoid ||
    m instanceof MaxPool2d ||
    m instanceof AvgPool2d
  )
    return new FusedPointwise(m, k);
  if (m instanceof Sequential)
    return new FusedSequential(
      Array.from({ length: m.length }, (_, i) => fuseLayer(m.at(i), k)),
      k,
    );
  throw new Error(`fused: no fused version of ${m.constructor.name}`);
}

/** Bodies that know how to fuse themselves (those that are not one Sequential trunk, such as ResNet-20). */
export interface FusableBody extends Body {
  fuse(k: number): FusedBody;
}

class FusedTrunkBody extends Module implements FusedBody {
  readonly #trunk: FusedLayer;
  constructor(
    solo: TrunkBody,
    readonly members: number,
  ) {
    super();
    this.featureDim = solo.featureDim;
    this.#trunk = this.child('trunk', fuseLayer(solo.trunk, members));
  }
  readonly featureDim: number;
  forward(x: Tensor): Tensor {
    return this.forwardMembers(x);
  }
  forwardMembers(x: Tensor): Tensor {
    const a = this.#trunk.forwardFused({ t: x, layout: 'shared' });
    return asMembers(a, this.members);
  }
}

/**
 * K members, each starting from `solo`'s weights (a solo body built with the population's seed, so every member starts
 * where its solo run would). The solo body is left as it was; the caller disposes it.
 */
export function fuseBody(solo: Body, k: number): FusedBody {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`population size must be ≥ 1, got ${k}`);
  if (solo instanceof TrunkBody) return new FusedTrunkBody(solo, k);
  if ('fuse' in solo && typeof (solo as FusableBody).fuse === 'function')
    return (solo as FusableBody).fuse(k);
  throw new Error(`fused: ${solo.constructor.name} cannot be trained as a population`);
}

/** Per-member zero padding of channels (ResNet's option-A shortcut): [B, K·C, H, W] → [B, K·(C + 2·pad), H, W]. */
export function padMemberChannels(t: Tensor, k: number, pad: number): Tensor {
  const [b, kc, h, w] = t.shape as [number, number, number, number];
  const x = t.reshape([b, k, kc / k, h, w]);
  const z = zeros([b, k, pad, h, w], { dtype: t.dtype, device: t.device });
  return cat([z, x, z], 2).reshape([b, k * (kc / k + 2 * pad), h, w]);
}
