import type { Tensor } from '../engine/index.js';

/** How a head produces its error signal: a differentiable loss, a stated δ-rule, or an output activation + base loss. */
export type HeadKind = 'loss' | 'delta-rule' | 'activation';

/**
 * linear: z = Wx + b (Keras glorot-uniform init, zero bias);
 * cosine: z = cos θ (x and W rows L2-normalised, no bias; the head applies its scale s);
 * normalized-weights: z = ‖x‖ cos θ (W rows normalised, no bias) — SphereFace.
 */
export type OutputLayerKind = 'linear' | 'cosine' | 'normalized-weights';

export interface HeadInput {
  z: Tensor; // [B, C] output-layer values
  y: Tensor; // int64 [B]
  featureNorm?: Tensor; // [B] ‖x‖ (from the output layer; A-Softmax needs it)
  step: number; // global optimisation step, for schedules (A-Softmax λ)
  numClasses: number;
}

export type HeadParams = Readonly<Record<string, number>>;

export interface Head {
  id: string;
  title: string;
  formula: string;
  source: string;
  kind: HeadKind;
  params: Record<string, number>;
  outputLayer: OutputLayerKind;
  /** Scalar; what backward() is called on (δ-rules return the surrogate, see delta-rule.ts). */
  objective(inp: HeadInput): Tensor;
  /** δ-rules only: the stated per-class error [B, C], without the 1/B, detached. */
  delta?(inp: HeadInput): Tensor;
  /** [B, C] scores in [0, 1] with rows summing to 1; argmax is the head's prediction. */
  scores(z: Tensor): Tensor;
}

export interface HeadFactory {
  id: string;
  title: string;
  formula: string;
  source: string;
  kind: HeadKind;
  outputLayer: OutputLayerKind;
  defaults: Record<string, number>;
  create(params?: Partial<Record<string, number>>): Head;
}

/** What loss / δ / activation functions receive: the head input plus the one-hot target and the parameters. */
export interface HeadContext extends HeadInput {
  t: Tensor; // [B, C] one-hot target in z's dtype and device
  params: HeadParams;
}

/** A user mistake in naming a head or its parameters: the CLI prints the one line and exits with code 2. */
export class HeadError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'HeadError';
  }
}
