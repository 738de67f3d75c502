// Low-level fused optimizer steps (one native call updates every param in place under no-grad). src/optim wraps these
// into Optimizer classes. Formulas follow torch/optim/*.py of PyTorch 1.13 (single-tensor path).
import { N, type NativeHandle } from './native.js';
import { keep, scope } from './scope.js';
import { Tensor, zeros } from './tensor.js';

export type OptimKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adadelta';

export interface SgdHyper {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  maximize?: boolean;
}
export interface AdamHyper {
  lr: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}
export interface RmspropHyper {
  lr: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
  maximize?: boolean;
}
export interface AdadeltaHyper {
  lr: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
  maximize?: boolean;
}

/**
 * Per-param optimizer state. Tensors are zeros shaped like their param, owned by the state (kept out of scopes);
 * `step[i]` counts the updates param i has received (params without a gradient are skipped and not counted).
 */
export interface OptimState {
  readonly kind: OptimKind;
  /** sgd: momentumBuffer (when momentum ≠ 0) · adam/adamw: expAvg, expAvgSq · rmsprop: squareAvg, momentumBuffer, gradAvg · adadelta: squareAvg, accDelta */
  readonly buffers: Record<string, Tensor[]>;
  readonly step: Float64Array;
}

const KIND_CODE: Record<OptimKind, number> = { sgd: 0, adam: 1, adamw: 2, rmsprop: 3, adadelta: 4 };
const BUFFER_NAMES: Record<OptimKind, readonly string[]> = {
  sgd: ['momentumBuffer'],
  adam: ['expAvg', 'expAvgSq'],
  adamw: ['expAvg', 'expAvgSq'],
  rmsprop: ['squareAvg', 'momentumBuffer', 'gradAvg'],
  adadelta: ['squareAvg', 'accDelta'],
};

/**
 * Zero state for `params` (buffers match each param's shape, dtype and device). Dispose with disposeOptimState.
 * Given `hyper`, buffers the configuration never reads are not allocated (sgd/rmsprop without momentum, non-centered rmsprop).
 */
export function initOptimState(
  kind: OptimKind,
  params: readonly Tensor[],
  hyper?: { momentum?: number; centered?: boolean },
): OptimState {
  const all = BUFFER_NAMES[kind];
  if (all === undefined) throw new Error(`initOptimState: unknown optimizer kind '${String(kind)}'`);
  const names = all.filter((n) => {
    if (hyper === undefined) return true;
    if (n === 'momentumBuffer') return (hyper.momentum ?? 0) !== 0;
    if (n === 'gradAvg') return hyper.centered === true;
    return true;
  });
  const buffers: Record<string, Tensor[]> = {};
  scope(() => {
    for (const name of names) {
      buffers[name] = params.map((p) => keep(zeros(p.shape, { dtype: p.dtype, device: p.device })));
    }
  });
  return { kind, buffers, step: new Float64Array(params.length) };
}

export function disposeOptimState(state: OptimState): void {
  for (const list of Object.values(state.buffers)) for (const t of list) t.dispose();
}

function handles(ts: readonly Tensor[], op: string): NativeHandle[] {
  return ts.map((t) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected Tensors`);
    return t.h;
  });
}

function run(
  kind: OptimKind,
  params: readonly Tensor[],
  grads: readonly Tensor[] | null,
  state: OptimState,
  hyper: number[],
): void {
  if (state.kind !== kind) throw new Error(`optimStep.${kind}: state was created for '${state.kind}'`);
  if (state.step.length !== params.length) {
    throw new Error(`optimStep.${kind}: state holds ${state.step.length} params, got ${params.length}`);
  }
  const op = `optimStep.${kind}`;
  const states = BUFFER_NAMES[kind].map((n) => {
    const b = state.buffers[n];
    return b === undefined ? null : handles(b, op);
  });
  N.optimStep(
    KIND_CODE[kind],
    handles(params, op),
    grads === null ? null : handles(grads, op),
    states,
    state.step,
    Float64Array.from(hyper),
  );
}

const flag = (b: boolean | undefined): number => (b === true ? 1 : 0);

/**
 * One update of every param in place. `grads` null → each param's own .grad (params without one are skipped).
 * The hyperparameters may change between calls (lr schedules).
 */
export const optimStep = {
  sgd(params: readonly Tensor[], grads: readonly Tensor[] | null, state: OptimState, h: SgdHyper): void {
    run('sgd', params, grads, state, [
      h.lr,
      h.momentum ?? 0,
      h.dampening ?? 0,
      flag(h.nesterov),
      h.weightDecay ?? 0,
      flag(h.maximize),
    ]);
  },
  adam(params: readonly Tensor[], grads: readonly Tensor[] | null, state: OptimState, h: AdamHyper): void {
    const [b1, b2] = h.betas ?? [0.9, 0.999];
    run('adam', params, grads, state, [h.lr, b1, b2, h.eps ?? 1e-8, h.weightDecay ?? 0, flag(h.maximize)]);
  },
  adamw(params: readonly Tensor[], grads: readonly Tensor[] | null, state: OptimState, h: AdamHyper): void {
    const [b1, b2] = h.betas ?? [0.9, 0.999];
    run('adamw', params, grads, state, [
      h.lr,
      b1,
      b2,
      h.eps ?? 1e-8,
      h.weightDecay ?? 1e-2,
      flag(h.maximize),
    ]);
  },
  rmsprop(
    params: readonly Tensor[],
    grads: readonly Tensor[] | null,
    state: OptimState,
    h: RmspropHyper,
  ): void {
    run('rmsprop', params, grads, state, [
      h.lr,
      h.alpha ?? 0.99,
      h.eps ?? 1e-8,
      h.weightDecay ?? 0,
      h.momentum ?? 0,
      flag(h.centered),
      flag(h.maximize),
    ]);
  },
  adadelta(
    params: readonly Tensor[],
    grads: readonly Tensor[] | null,
    state: OptimState,
    h: AdadeltaHyper,
  ): void {
    run('adadelta', params, grads, state, [
      h.lr,
      h.rho ?? 0.9,
      h.eps ?? 1e-6,
      h.weightDecay ?? 0,
      flag(h.maximize),
    ]);
  },
};
