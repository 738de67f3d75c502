// The three ways to make a head from a function (used by the head files and by the search).
import type { Tensor } from '../engine/index.js';
import {
  batchMean,
  clipNormalise,
  contextOf,
  defineHead,
  softmaxScores,
  targetValue,
  type HeadMeta,
} from './common.js';
import type { HeadContext, HeadFactory, HeadParams } from './types.js';

/** Per-example loss [B]; the head averages it over the batch. */
export type LossFn = (ctx: HeadContext) => Tensor;
/** Per-class error δ [B, C] (no 1/B); need not be the gradient of anything. */
export type DeltaFn = (ctx: HeadContext) => Tensor;
/** Output activation a(z): [B, C] → [B, C]. */
export type ActivationFn = (z: Tensor, params: HeadParams) => Tensor;
export type ScoresFn = (z: Tensor, params: HeadParams) => Tensor;

export interface BuilderMeta extends Partial<HeadMeta> {
  /** Prediction scores; defaults depend on the builder (see each). */
  scores?: ScoresFn;
}

function metaOf(id: string, meta: BuilderMeta | undefined): HeadMeta {
  return {
    title: meta?.title ?? id,
    formula: meta?.formula ?? '(candidate; no formula given)',
    source: meta?.source ?? 'headroom search candidate',
    defaults: meta?.defaults ?? {},
    outputLayer: meta?.outputLayer ?? 'linear',
    validate: meta?.validate,
  };
}

/** A loss head: objective = mean over the batch of lossFn(ctx); autograd gives δ. Scores default to softmax(z). */
export function lossHead(id: string, lossFn: LossFn, meta?: BuilderMeta): HeadFactory {
  const scores = meta?.scores ?? ((z: Tensor) => softmaxScores(z));
  return defineHead({
    ...metaOf(id, meta),
    id,
    kind: 'loss',
    objective: (inp, p) => batchMean(lossFn(contextOf(inp, p))),
    scores,
  });
}

/**
 * A δ-rule head. The body receives exactly δ/B, with δ = deltaFn(z, y) treated as a constant:
 *
 *   objective = S + stopGradient(E − S),  S = Σ_{b,k} z_bk · stopGradient(δ_bk) / B  (the surrogate),
 *                                         E = (1/B) Σ_b ½‖δ_b‖²                        (reported value).
 *
 * ∂objective/∂z = ∂S/∂z = δ/B exactly; adding the detached constant only changes the value, so the trainer's "train
 * loss" is the δ energy ½‖δ‖² (0 at the rule's fixed point; equal to the MSE loss for δ = z − t) rather than the
 * meaningless Σ z·δ. A non-finite δ still makes the value non-finite, so divergence is still seen.
 * Scores default to softmax(z) (argmax = argmax z, the δ-rule's prediction).
 */
export function deltaRuleHead(id: string, deltaFn: DeltaFn, meta?: BuilderMeta): HeadFactory {
  const scores = meta?.scores ?? ((z: Tensor) => softmaxScores(z));
  return defineHead({
    ...metaOf(id, meta),
    id,
    kind: 'delta-rule',
    objective: (inp, p) => {
      const d = deltaFn(contextOf(inp, p)).detach();
      const b = inp.z.shape[0] ?? 1;
      const surrogate = inp.z.mul(d).sum().div(b);
      const energy = d
        .square()
        .sum()
        .mul(0.5 / b);
      return surrogate.add(energy.sub(surrogate.detach()));
    },
    delta: (inp, p) => deltaFn(contextOf(inp, p)).detach(),
    scores,
  });
}

/**
 * An output-activation head a(z) composed with a base loss:
 *  - 'ce-like': q = a(z) / Σ_k a(z)_k (a must be positive), loss = −log q_y; scores = q;
 *  - 'mse':     loss = ½ Σ_k (a(z)_k − t_k)²;                                scores = clip-normalise(a(z)).
 * Either way the prediction is argmax a(z).
 */
export function activationHead(
  id: string,
  activationFn: ActivationFn,
  base: 'ce-like' | 'mse',
  meta?: BuilderMeta,
): HeadFactory {
  if (base === 'ce-like') {
    const normalised = (z: Tensor, p: HeadParams): Tensor => {
      const a = activationFn(z, p);
      return a.div(a.sum(1, true));
    };
    return defineHead({
      ...metaOf(id, meta),
      id,
      kind: 'activation',
      objective: (inp, p) => batchMean(targetValue(normalised(inp.z, p), inp.y).log().neg()),
      scores: meta?.scores ?? normalised,
    });
  }
  return defineHead({
    ...metaOf(id, meta),
    id,
    kind: 'activation',
    objective: (inp, p) => {
      const ctx = contextOf(inp, p);
      return batchMean(activationFn(inp.z, p).sub(ctx.t).square().sum(1).mul(0.5));
    },
    scores: meta?.scores ?? ((z, p) => clipNormalise(activationFn(z, p))),
  });
}
