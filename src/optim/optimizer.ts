import { disposeOptimState, initOptimState, type OptimState, type Tensor } from '../engine/index.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adadelta';

export interface Optimizer {
  readonly kind: OptimizerKind;
  readonly params: Tensor[];
  readonly lr: number;
  /** One update of every parameter that has a gradient (parameters without one are skipped, as in torch). */
  step(): void;
  /** Drops every parameter's gradient (set-to-none). */
  zeroGrad(): void;
  setLr(lr: number): void;
  /** Frees the optimizer's state tensors (moments, buffers); the parameters stay the caller's. */
  dispose(): void;
}

export function checkHyper(opt: string, name: string, v: number, lo: number, hi = Infinity): void {
  if (!(Number.isFinite(v) && v >= lo && v <= hi))
    throw new Error(`${opt}: ${name} must be in [${lo}, ${hi === Infinity ? '∞)' : `${hi}]`}, got ${v}`);
}

/**
 * Shared machinery over the engine's fused steps: one native call updates every parameter in place under no-grad,
 * so a step allocates nothing in JS beyond the call's arguments. State buffers (zeros shaped like each parameter) are
 * allocated up front; torch allocates them on the first step, which gives the same numbers.
 */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly kind: OptimizerKind;
  readonly params: Tensor[];
  protected readonly state: OptimState;
  #lr: number;
  #disposed = false;

  protected constructor(
    name: string,
    kind: OptimizerKind,
    params: Tensor[],
    lr: number,
    stateHyper: { momentum?: number; centered?: boolean },
  ) {
    if (params.length === 0) throw new Error(`${name}: got an empty parameter list`);
    checkHyper(name, 'lr', lr, 0);
    this.params = [...params];
    this.#lr = lr;
    this.state = initOptimState(kind, this.params, stateHyper);
  }

  get lr(): number {
    return this.#lr;
  }

  /** Updates parameter i has received so far (torch's state['step']). */
  stepsOf(i: number): number {
    return this.state.step[i];
  }

  setLr(lr: number): void {
    checkHyper(this.kind, 'lr', lr, 0);
    this.#lr = lr;
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  step(): void {
    if (this.#disposed) throw new Error(`${this.kind}: step() after dispose()`);
    this.fusedStep();
  }

  protected abstract fusedStep(): void;

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    disposeOptimState(this.state);
  }
}
