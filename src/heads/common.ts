// Shared tensor helpers and the head definition machinery used by every head file.
import { scope, type Tensor } from '../engine/index.js';
import {
  HeadError,
  type Head,
  type HeadContext,
  type HeadFactory,
  type HeadInput,
  type HeadKind,
  type HeadParams,
  type OutputLayerKind,
} from './types.js';

/** One-hot target [B, C] in z's dtype (oneHot gives int64). */
export function oneHotLike(y: Tensor, numClasses: number, z: Tensor): Tensor {
  return y.oneHot(numClasses).to(z.dtype);
}

/** z_y for each row: [B]. */
export function targetValue(m: Tensor, y: Tensor): Tensor {
  return m.gather(1, y.unsqueeze(1)).squeeze(1);
}

/** −log softmax(z)_y per example: [B]. */
export function ceRows(z: Tensor, y: Tensor): Tensor {
  return targetValue(z.logSoftmax(1), y).neg();
}

/** Mean over the batch of a per-example vector [B] → scalar. */
export function batchMean(rows: Tensor): Tensor {
  return rows.mean();
}

/** Row-normalise x to unit L2 norm; the clamp keeps a zero row finite (as torch's F.normalize does). */
export function l2NormalizeRows(x: Tensor): Tensor {
  return x.div(x.norm(2, 1, true).clamp(1e-12));
}

export function softmaxScores(z: Tensor): Tensor {
  return z.softmax(1);
}

/**
 * Weight of the order-preserving tie-break in clipNormalise. It moves no probability by more than 1e-4 (nothing at
 * 15-bin ECE resolution), yet in float32 it still separates classes whose clipped values tie, e.g. two saturated
 * sigmoids that both round to 1.
 */
export const CLIP_NORMALISE_EPS = 1e-4;

/**
 * Probabilities from a head whose outputs estimate the one-hot target directly (MSE-like heads):
 * p_k ∝ max(μ_k, 0) + ε·S·softmax(key)_k,  S = Σ_j max(μ_j, 0) (S := 1 when every μ ≤ 0),  key = z by default μ.
 * Clipping and normalising is the natural estimate of P(k | x) for a regression on one-hot targets. The ε term keeps
 * every row summing to 1 even when all μ ≤ 0 (p = softmax(key) then) and keeps the order of key strictly, so
 * argmax p = argmax key; scaling it by S makes p independent of the scale of μ.
 */
export function clipNormalise(mu: Tensor, key: Tensor = mu): Tensor {
  return scope(() => {
    const clipped = mu.clamp(0);
    const total = clipped.sum(1, true);
    const mass = total.add(total.le(0).to(total.dtype)); // S, or 1 when S = 0
    const num = clipped.add(key.softmax(1).mul(mass).mul(CLIP_NORMALISE_EPS));
    return num.div(num.sum(1, true));
  });
}

export function contextOf(inp: HeadInput, params: HeadParams): HeadContext {
  return { ...inp, t: oneHotLike(inp.y, inp.numClasses, inp.z), params };
}

export interface HeadMeta {
  title: string;
  formula: string;
  source: string;
  defaults?: Record<string, number>;
  outputLayer?: OutputLayerKind;
  /** Throws (with a plain message) when a parameter combination makes no sense. */
  validate?(p: HeadParams): void;
}

export interface HeadSpec extends HeadMeta {
  id: string;
  kind: HeadKind;
  objective(inp: HeadInput, p: HeadParams): Tensor;
  delta?(inp: HeadInput, p: HeadParams): Tensor;
  scores(z: Tensor, p: HeadParams): Tensor;
}

function resolveParams(
  id: string,
  defaults: Record<string, number>,
  overrides: Partial<Record<string, number>> | undefined,
): Record<string, number> {
  const params = { ...defaults };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) continue;
    if (!(name in defaults)) {
      const known = Object.keys(defaults);
      throw new HeadError(
        `head '${id}': unknown parameter '${name}' (${known.length ? `known: ${known.join(', ')}` : 'it takes no parameters'}).`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new HeadError(`head '${id}': parameter '${name}' must be a finite number, got ${String(value)}.`);
    params[name] = value;
  }
  return params;
}

/** Turns a spec into a factory; every objective / delta / scores call runs in its own scope so intermediates die early. */
export function defineHead(spec: HeadSpec): HeadFactory {
  const defaults = Object.freeze({ ...(spec.defaults ?? {}) });
  const outputLayer = spec.outputLayer ?? 'linear';
  return {
    id: spec.id,
    title: spec.title,
    formula: spec.formula,
    source: spec.source,
    kind: spec.kind,
    outputLayer,
    defaults: { ...defaults },
    create(overrides?: Partial<Record<string, number>>): Head {
      const params = resolveParams(spec.id, defaults, overrides);
      const frozen: HeadParams = Object.freeze({ ...params });
      if (spec.validate) {
        try {
          spec.validate(frozen);
        } catch (e) {
          throw new HeadError(`head '${spec.id}': ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const head: Head = {
        id: spec.id,
        title: spec.title,
        formula: spec.formula,
        source: spec.source,
        kind: spec.kind,
        params,
        outputLayer,
        objective: (inp) => scope(() => spec.objective(inp, frozen)),
        scores: (z) => scope(() => spec.scores(z, frozen)),
      };
      const delta = spec.delta;
      if (delta) head.delta = (inp) => scope(() => delta(inp, frozen));
      return head;
    },
  };
}

export function requirePositive(p: HeadParams, ...names: string[]): void {
  for (const n of names)
    if (!((p[n] ?? NaN) > 0)) throw new Error(`parameter '${n}' must be > 0, got ${p[n]}.`);
}

export function requireNonNegative(p: HeadParams, ...names: string[]): void {
  for (const n of names)
    if (!((p[n] ?? NaN) >= 0)) throw new Error(`parameter '${n}' must be ≥ 0, got ${p[n]}.`);
}

/** Reads a parameter that defineHead guarantees to be present. */
export function param(p: HeadParams, name: string): number {
  const v = p[name];
  if (v === undefined) throw new Error(`internal: parameter '${name}' missing`);
  return v;
}
