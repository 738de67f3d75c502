import { optimStep, type AdadeltaHyper, type Tensor } from '../engine/index.js';
import { BaseOptimizer, checkHyper } from './optimizer.js';

export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * torch.optim.Adadelta (1.13): g ← g + λp; s ← ρs + (1−ρ)g²; Δ ← √(u + ε) / √(s + ε) · g; u ← ρu + (1−ρ)Δ²;
 * p ← p − lr·Δ. Keras' Adadelta(learning_rate, rho, epsilon) is the same update.
 */
export class Adadelta extends BaseOptimizer {
  readonly kind = 'adadelta' as const;
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly #h: AdadeltaHyper;

  constructor(params: Tensor[], opts: AdadeltaOptions = {}) {
    const rho = opts.rho ?? 0.9;
    const eps = opts.eps ?? 1e-6;
    const weightDecay = opts.weightDecay ?? 0;
    checkHyper('Adadelta', 'rho', rho, 0, 1);
    checkHyper('Adadelta', 'eps', eps, 0);
    checkHyper('Adadelta', 'weightDecay', weightDecay, 0);
    super('Adadelta', 'adadelta', params, opts.lr ?? 1.0, {});
    this.rho = rho;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.#h = { lr: this.lr, rho: this.rho, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected fusedStep(): void {
    this.#h.lr = this.lr;
    optimStep.adadelta(this.params, null, this.state, this.#h);
  }
}
