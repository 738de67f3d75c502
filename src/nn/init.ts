import { noGrad, type Tensor } from '../engine/index.js';

/** Weight initialisers. Each fills `w` in place from the engine's global generator (seed it with manualSeed). */
export type InitKind = 'glorot-uniform' | 'kaiming-uniform' | 'he-normal';

/**
 * Fan-in / fan-out as torch.nn.init._calculate_fan_in_and_fan_out computes them: for a weight of shape
 * [out, in, ...kernel], fanIn = in · ∏kernel and fanOut = out · ∏kernel. Keras' glorot uses the same numbers for dense
 * ([in, out] there, [out, in] here) and conv (kh·kw·in, kh·kw·out) weights.
 */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2)
    throw new Error(`init: fan-in/fan-out need a weight with ≥ 2 dims, got shape [${shape.join(', ')}]`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** Keras' default (Glorot & Bengio 2010): U(±√(6 / (fanIn + fanOut))). */
export function glorotUniformBound(shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * PyTorch's default for Linear/Conv weights: kaiming_uniform_(a = √5), i.e. U(±gain·√(3 / fanIn)) with
 * gain = √(2 / (1 + a²)) = √(1/3), which simplifies to U(±1/√fanIn).
 */
export function kaimingUniformBound(shape: readonly number[], a = Math.sqrt(5)): number {
  const { fanIn } = fans(shape);
  const gain = Math.sqrt(2 / (1 + a * a));
  return gain * Math.sqrt(3 / fanIn);
}

/** He et al. 2015 (used by the ResNet paper): N(0, 2 / fanIn). */
export function heNormalStd(shape: readonly number[]): number {
  return Math.sqrt(2 / fans(shape).fanIn);
}

export function initWeight(w: Tensor, kind: InitKind): void {
  noGrad(() => {
    if (kind === 'glorot-uniform') {
      const b = glorotUniformBound(w.shape);
      w.uniform_(-b, b);
    } else if (kind === 'kaiming-uniform') {
      const b = kaimingUniformBound(w.shape);
      w.uniform_(-b, b);
    } else {
      w.normal_(0, heNormalStd(w.shape));
    }
  });
}

/**
 * Bias init matching the weight's scheme: Keras zero-initialises biases; PyTorch draws U(±1/√fanIn) from the
 * weight's fan-in (also used with he-normal, as torchvision leaves biases at the PyTorch default).
 */
export function initBias(b: Tensor, weightShape: readonly number[], kind: InitKind): void {
  noGrad(() => {
    if (kind === 'glorot-uniform') {
      b.zero_();
    } else {
      const bound = 1 / Math.sqrt(fans(weightShape).fanIn);
      b.uniform_(-bound, bound);
    }
  });
}
