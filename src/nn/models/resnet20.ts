import { adaptiveAvgPool2d, cat, zeros, type Tensor } from '../../engine/index.js';
import { BatchNorm2d, Conv2d } from '../layers.js';
import { Module } from '../module.js';
import { FusedBatchNorm2d, FusedConv2d, padMemberChannels, type Fused, type FusedBody } from '../fused.js';
import { checkInputShape, seedIfGiven, type Body, type ModelSpec } from './types.js';

const INIT = 'he-normal';

/**
 * He et al. 2016's CIFAR basic block: conv3×3 → BN → relu → conv3×3 → BN, plus the shortcut, then relu.
 * Downsampling blocks use the paper's option A shortcut (stride-2 subsampling and zero-padded channels), which adds
 * no parameters, so ResNet-20 has the paper's 0.27M parameters.
 */
class BasicBlock extends Module {
  readonly #conv1: Conv2d;
  readonly #bn1: BatchNorm2d;
  readonly #conv2: Conv2d;
  readonly #bn2: BatchNorm2d;
  readonly #stride: number;
  readonly #padChannels: number;

  constructor(inPlanes: number, planes: number, stride: number) {
    super();
    this.#conv1 = this.child(
      'conv1',
      new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false, init: INIT }),
    );
    this.#bn1 = this.child('bn1', new BatchNorm2d(planes));
    this.#conv2 = this.child('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false, init: INIT }));
    this.#bn2 = this.child('bn2', new BatchNorm2d(planes));
    this.#stride = stride;
    if ((planes - inPlanes) % 2 !== 0 || planes < inPlanes)
      throw new Error(`resnet20: cannot pad ${inPlanes} channels to ${planes}`);
    this.#padChannels = (planes - inPlanes) / 2;
  }

  #shortcut(x: Tensor): Tensor {
    if (this.#stride === 1 && this.#padChannels === 0) return x;
    let s = x;
    if (this.#stride !== 1) s = s.slice(2, 0, undefined, this.#stride).slice(3, 0, undefined, this.#stride);
    if (this.#padChannels === 0) return s;
    const [b, , h, w] = s.shape;
    const z = zeros([b, this.#padChannels, h, w], { dtype: s.dtype, device: s.device });
    return cat([z, s, z], 1);
  }

  forward(x: Tensor): Tensor {
    const h = this.#bn1.forward(this.#conv1.forward(x)).relu();
    const o = this.#bn2.forward(this.#conv2.forward(h));
    return o.add(this.#shortcut(x)).relu();
  }

  fuse(k: number): FusedBasicBlock {
    return new FusedBasicBlock(
      [this.#conv1, this.#bn1, this.#conv2, this.#bn2],
      k,
      this.#stride,
      this.#padChannels,
    );
  }
}

/** K basic blocks side by side on [B, K·C, H, W] activations (see nn/fused.ts). */
class FusedBasicBlock extends Module {
  readonly #conv1: FusedConv2d;
  readonly #bn1: FusedBatchNorm2d;
  readonly #conv2: FusedConv2d;
  readonly #bn2: FusedBatchNorm2d;

  constructor(
    solo: [Conv2d, BatchNorm2d, Conv2d, BatchNorm2d],
    readonly members: number,
    readonly stride: number,
    readonly padChannels: number,
  ) {
    super();
    this.#conv1 = this.child('conv1', new FusedConv2d(solo[0], members));
    this.#bn1 = this.child('bn1', new FusedBatchNorm2d(solo[1], members));
    this.#conv2 = this.child('conv2', new FusedConv2d(solo[2], members));
    this.#bn2 = this.child('bn2', new FusedBatchNorm2d(solo[3], members));
  }

  forward(x: Tensor): Tensor {
    const c = (t: Tensor): Fused => ({ t, layout: 'channels' });
    const h = this.#bn1.forwardFused(this.#conv1.forwardFused(c(x))).t.relu();
    const o = this.#bn2.forwardFused(this.#conv2.forwardFused(c(h))).t;
    let s = x;
    if (this.stride !== 1) s = s.slice(2, 0, undefined, this.stride).slice(3, 0, undefined, this.stride);
    if (this.padChannels !== 0) s = padMemberChannels(s, this.members, this.padChannels);
    return o.add(s).relu();
  }
}

class ResNetCifar extends Module implements Body {
  readonly featureDim: number;
  readonly #stem: Conv2d;
  readonly #bn: BatchNorm2d;
  readonly #blocks: BasicBlock[] = [];

  constructor(inChannels: number, blocksPerStage: number, widths: [number, number, number]) {
    super();
    this.#stem = this.child(
      'conv1',
      new Conv2d(inChannels, widths[0], 3, { padding: 1, bias: false, init: INIT }),
    );
    this.#bn = this.child('bn1', new BatchNorm2d(widths[0]));
    let inPlanes = widths[0];
    widths.forEach((planes, stage) => {
      for (let i = 0; i < blocksPerStage; i++) {
        const stride = stage > 0 && i === 0 ? 2 : 1;
        this.#blocks.push(this.child(`layer${stage + 1}_${i}`, new BasicBlock(inPlanes, planes, stride)));
        inPlanes = planes;
      }
    });
    this.featureDim = widths[2];
  }

  forward(x: Tensor): Tensor {
    let h = this.#bn.forward(this.#stem.forward(x)).relu();
    for (const b of this.#blocks) h = b.forward(h);
    return adaptiveAvgPool2d(h, [1, 1]).flatten(1);
  }

  fuse(k: number): FusedBody {
    return new FusedResNet(this.#stem, this.#bn, this.#blocks, k, this.featureDim);
  }
}

class FusedResNet extends Module implements FusedBody {
  readonly #stem: FusedConv2d;
  readonly #bn: FusedBatchNorm2d;
  readonly #blocks: FusedBasicBlock[];

  constructor(
    stem: Conv2d,
    bn: BatchNorm2d,
    blocks: BasicBlock[],
    readonly members: number,
    readonly featureDim: number,
  ) {
    super();
    this.#stem = this.child('conv1', new FusedConv2d(stem, members));
    this.#bn = this.child('bn1', new FusedBatchNorm2d(bn, members));
    this.#blocks = blocks.map((b, i) => this.child(`block${i}`, b.fuse(members)));
  }

  forward(x: Tensor): Tensor {
    return this.forwardMembers(x);
  }

  forwardMembers(x: Tensor): Tensor {
    let h = this.#bn.forwardFused(this.#stem.forwardFused({ t: x, layout: 'shared' })).t.relu();
    for (const b of this.#blocks) h = b.forward(h);
    const pooled = adaptiveAvgPool2d(h, [1, 1]).flatten(1); // [B, K·F]
    const b = pooled.shape[0]!;
    return pooled.reshape([b, this.members, this.featureDim]).transpose(0, 1);
  }
}

/**
 * ResNet-20 for 32×32 CIFAR-10 (He et al. 2016, §4.2): a 3×3 stem with 16 channels, 3 stages × 3 basic blocks with
 * 16/32/64 channels (stride 2 at the start of stages 2 and 3), BatchNorm, global average pooling → 64-d features.
 * Also runs on 1×28×28 (maps 28 → 14 → 7). He-normal conv init as in the paper.
 *
 * Default optimizer: the paper's SGD (lr 0.1, momentum 0.9, weight decay 1e-4) at batch 128, without its step schedule;
 * 30 epochs is a budget for grids, not the paper's 182.
 */
export const resnet20: ModelSpec = {
  id: 'resnet20',
  title: 'ResNet-20 (CIFAR, 3×3 basic blocks, 16/32/64, BN)',
  inputShape: [3, 32, 32],
  createBody(inputShape, opts) {
    checkInputShape('resnet20', inputShape, 3);
    seedIfGiven(opts.seed);
    return new ResNetCifar(inputShape[0], 3, [16, 32, 64]);
  },
  defaultOptimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4 },
  defaultEpochs: 30,
  defaultBatchSize: 128,
};
