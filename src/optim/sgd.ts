import { noGrad, optimStep, scope, type SgdHyper, type Tensor } from '../engine/index.js';
import { BaseOptimizer, checkHyper } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /**
   * Decoupled weight decay (Loshchilov & Hutter 2019): p ← p·(1 − lr·λ) before the gradient step, outside the
   * momentum buffer, as torch's AdamW applies it; weightDecay instead adds λp to the gradient (L2).
   */
  decoupledWeightDecay?: number;
}

/**
 * torch.optim.SGD (1.13): g ← g + λp; b ← g on the first step, else b ← μb + (1 − τ)g;
 * d ← g + μb (nesterov) or b; p ← p − lr·d. With decoupledWeightDecay λ_d, first p ← p·(1 − lr·λ_d) (parameters that
 * have a gradient, as the step itself).
 */
export class SGD extends BaseOptimizer {
  readonly kind = 'sgd' as const;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly decoupledWeightDecay: number;
  readonly #h: SgdHyper;

  constructor(params: Tensor[], opts: SGDOptions) {
    const momentum = opts.momentum ?? 0;
    const dampening = opts.dampening ?? 0;
    const nesterov = opts.nesterov ?? false;
    const weightDecay = opts.weightDecay ?? 0;
    checkHyper('SGD', 'momentum', momentum, 0);
    checkHyper('SGD', 'dampening', dampening, 0);
    checkHyper('SGD', 'weightDecay', weightDecay, 0);
    const decoupled = opts.decoupledWeightDecay ?? 0;
    checkHyper('SGD', 'decoupledWeightDecay', decoupled, 0);
    if (nesterov && (momentum <= 0 || dampening !== 0))
      throw new Error('SGD: nesterov needs momentum > 0 and dampening 0');
    super('SGD', 'sgd', params, opts.lr, { momentum });
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.decoupledWeightDecay = decoupled;
    this.#h = {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }

  protected fusedStep(): void {
    if (this.decoupledWeightDecay > 0) {
      const shrink = 1 - this.lr * this.decoupledWeightDecay;
      // The scope frees the wrappers p.grad creates; the gradients themselves stay with their parameters.
      scope(() =>
        noGrad(() => {
          for (const p of this.params) if (p.grad) p.mul_(shrink);
        }),
      );
    }
    this.#h.lr = this.lr;
    optimStep.sgd(this.params, null, this.state, this.#h);
  }
}
