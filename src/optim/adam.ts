import { optimStep, type AdamHyper, type Tensor } from '../engine/index.js';
import { BaseOptimizer, checkHyper } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

function resolve(name: string, opts: AdamOptions, defaultWeightDecay: number) {
  const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
  const eps = opts.eps ?? 1e-8;
  const weightDecay = opts.weightDecay ?? defaultWeightDecay;
  checkHyper(name, 'beta1', beta1, 0, 1 - Number.EPSILON);
  checkHyper(name, 'beta2', beta2, 0, 1 - Number.EPSILON);
  checkHyper(name, 'eps', eps, 0);
  checkHyper(name, 'weightDecay', weightDecay, 0);
  return { lr: opts.lr ?? 1e-3, beta1, beta2, eps, weightDecay };
}

/**
 * torch.optim.Adam (1.13, amsgrad off): g ← g + λp; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε).
 */
export class Adam extends BaseOptimizer {
  readonly kind: 'adam' | 'adamw';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly #h: AdamHyper & { betas: [number, number] };

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    const r = resolve('Adam', opts, 0);
    super('Adam', 'adam', params, r.lr, {});
    this.kind = 'adam';
    ({ beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay } = r);
    this.#h = { lr: r.lr, betas: [r.beta1, r.beta2], eps: r.eps, weightDecay: r.weightDecay };
  }

  protected fusedStep(): void {
    this.#h.lr = this.lr;
    optimStep.adam(this.params, null, this.state, this.#h);
  }
}

/**
 * torch.optim.AdamW (1.13): decoupled weight decay p ← p(1 − lr·λ) before Adam's update; the gradient is left alone.
 * Default λ = 1e-2.
 */
export class AdamW extends BaseOptimizer {
  readonly kind = 'adamw' as const;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly #h: AdamHyper & { betas: [number, number] };

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    const r = resolve('AdamW', opts, 1e-2);
    super('AdamW', 'adamw', params, r.lr, {});
    ({ beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay } = r);
    this.#h = { lr: r.lr, betas: [r.beta1, r.beta2], eps: r.eps, weightDecay: r.weightDecay };
  }

  protected fusedStep(): void {
    this.#h.lr = this.lr;
    optimStep.adamw(this.params, null, this.state, this.#h);
  }
}
