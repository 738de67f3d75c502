import { optimStep, type RmspropHyper, type Tensor } from '../engine/index.js';
import { BaseOptimizer, checkHyper } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  weightDecay?: number;
  centered?: boolean;
}

/**
 * torch.optim.RMSprop (1.13): g ← g + λp; s ← αs + (1−α)g²; a ← √s + ε (ε outside the root; centered: √(s − ḡ²) + ε
 * with ḡ ← αḡ + (1−α)g); with momentum b ← μb + g/a and p ← p − lr·b, else p ← p − lr·g/a.
 * Keras' RMSprop(rho, epsilon) is this with alpha = rho.
 */
export class RMSprop extends BaseOptimizer {
  readonly kind = 'rmsprop' as const;
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly centered: boolean;
  readonly #h: RmspropHyper;

  constructor(params: Tensor[], opts: RMSpropOptions = {}) {
    const momentum = opts.momentum ?? 0;
    const centered = opts.centered ?? false;
    const alpha = opts.alpha ?? 0.99;
    const eps = opts.eps ?? 1e-8;
    const weightDecay = opts.weightDecay ?? 0;
    checkHyper('RMSprop', 'momentum', momentum, 0);
    checkHyper('RMSprop', 'alpha', alpha, 0, 1);
    checkHyper('RMSprop', 'eps', eps, 0);
    checkHyper('RMSprop', 'weightDecay', weightDecay, 0);
    super('RMSprop', 'rmsprop', params, opts.lr ?? 1e-2, { momentum, centered });
    this.momentum = momentum;
    this.centered = centered;
    this.alpha = alpha;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.#h = {
      lr: this.lr,
      alpha: this.alpha,
      eps: this.eps,
      weightDecay: this.weightDecay,
      momentum,
      centered,
    };
  }

  protected fusedStep(): void {
    this.#h.lr = this.lr;
    optimStep.rmsprop(this.params, null, this.state, this.#h);
  }
}
