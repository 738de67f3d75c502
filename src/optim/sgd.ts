import { optimStep, type SgdHyper, type Tensor } from '../engine/index.js';
import { BaseOptimizer, checkHyper } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/**
 * torch.optim.SGD (1.13): g ← g + λp; b ← g on the first step, else b ← μb + (1 − τ)g;
 * d ← g + μb (nesterov) or b; p ← p − lr·d.
 */
export class SGD extends BaseOptimizer {
  readonly kind = 'sgd' as const;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly #h: SgdHyper;

  constructor(params: Tensor[], opts: SGDOptions) {
    const momentum = opts.momentum ?? 0;
    const dampening = opts.dampening ?? 0;
    const nesterov = opts.nesterov ?? false;
    const weightDecay = opts.weightDecay ?? 0;
    checkHyper('SGD', 'momentum', momentum, 0);
    checkHyper('SGD', 'dampening', dampening, 0);
    checkHyper('SGD', 'weightDecay', weightDecay, 0);
    if (nesterov && (momentum <= 0 || dampening !== 0))
      throw new Error('SGD: nesterov needs momentum > 0 and dampening 0');
    super('SGD', 'sgd', params, opts.lr, { momentum });
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.#h = {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }

  protected fusedStep(): void {
    this.#h.lr = this.lr;
    optimStep.sgd(this.params, null, this.state, this.#h);
  }
}
