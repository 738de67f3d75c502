/**
 * δ-shape curves: the error each head sends back into the network as a function of the logit margin. They are
 * deterministic functions of the head's formula and parameters, so they are computed here with the engine when the
 * report is written instead of being stored.
 */
import { ones, scope, tensor } from '../engine/index.js';
import { getHead, listHeads } from '../heads/index.js';
import { getSpace } from '../search/index.js';
import type { Head, OutputLayerKind } from '../heads/index.js';
import type { DeltaHead, DeltaPoint, DeltaView } from './types.js';

export const DELTA_CLASSES = 10;
export const DELTA_POINTS = 120;
/** Late in training: A-Softmax's λ schedule has reached its floor by then. */
export const DELTA_STEP = 100_000;

export function marginRange(layer: OutputLayerKind): [number, number] {
  // Cosine-type layers output cos θ, so a margin outside [−1, 1] cannot happen.
  return layer === 'linear' ? [-6, 6] : [-1, 1];
}

/**
 * Cell midpoints, so m = 0 is never sampled: there z = 0, and heads that normalise z (logit-norm) are singular.
 */
export function margins([lo, hi]: [number, number], n = DELTA_POINTS): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n);
}

/**
 * δ on the target (class 0) and on class 1 for z = (m, 0, …, 0), label 0, one row per margin m. δ-rules report their
 * stated δ; losses the autograd gradient of the batch-mean objective times the batch size.
 */
export function deltaCurve(
  head: Head,
  ms: number[],
  numClasses = DELTA_CLASSES,
  step = DELTA_STEP,
): { target: number[]; other: number[] } {
  return scope(() => {
    const B = ms.length;
    const C = numClasses;
    const zData = new Float32Array(B * C);
    ms.forEach((m, i) => (zData[i * C] = m));
    const z = tensor(zData, [B, C], { requiresGrad: true });
    const y = tensor(new Int32Array(B), [B]);
    const inp = { z, y, featureNorm: ones([B]), step, numClasses: C };
    let d: Float32Array;
    if (head.delta) {
      d = head.delta(inp).toFloat32Array();
    } else {
      head.objective(inp).backward();
      const g = z.grad;
      if (g === null) throw new Error('objective does not depend on z');
      d = g.mul(B).toFloat32Array();
    }
    return { target: ms.map((_, i) => d[i * C]), other: ms.map((_, i) => d[i * C + 1]) };
  });
}

function finiteOr(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** A search candidate as a confirmation run's config names it (`candidate: { space, expr, params? }`). */
export interface CandidateSpec {
  space: string;
  expr: string;
  params?: number[];
}

function candidateHead(id: string, c: CandidateSpec): { head: Head; formula: string } {
  const space = getSpace(c.space);
  const cand = c.params ? { expr: c.expr, params: c.params } : { expr: c.expr };
  return { head: space.toHead(cand, id), formula: space.describe(cand) };
}

/**
 * One facet per head. `params` gives a head's parameters when all its runs used the same ones; otherwise the
 * head's defaults are drawn. Heads outside the registry are drawn from `candidates` (search candidates, rebuilt
 * from their space and formula). softmax-ce's δ is added to every other facet as the reference.
 */
export function computeDeltas(
  headIds: string[],
  params: Map<string, Record<string, number>>,
  baseline = 'softmax-ce',
  candidates: Map<string, CandidateSpec> = new Map(),
): DeltaView {
  const heads: DeltaHead[] = [];
  const points: DeltaPoint[] = [];
  const skipped: DeltaView['skipped'] = [];
  const reference = new Map<string, { target: number[]; other: number[] }>();
  let baseHead: Head | null = null;
  try {
    baseHead = getHead(baseline);
  } catch {
    baseHead = null;
  }
  const known = new Set(listHeads().map((f) => f.id));
  for (const id of headIds) {
    const cand = candidates.get(id);
    if (!known.has(id) && !cand) {
      skipped.push({ head: id, reason: 'not in the head registry' });
      continue;
    }
    let head: Head;
    let formula: string;
    try {
      if (known.has(id)) {
        head = getHead(id, params.get(id));
        formula = head.formula;
      } else {
        ({ head, formula } = candidateHead(id, cand!));
      }
    } catch (e) {
      skipped.push({ head: id, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) });
      continue;
    }
    const range = marginRange(head.outputLayer);
    const ms = margins(range);
    let curve: { target: number[]; other: number[] };
    try {
      curve = deltaCurve(head, ms);
    } catch (e) {
      skipped.push({
        head: id,
        reason: `δ could not be computed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      });
      continue;
    }
    heads.push({
      id,
      title: head.title,
      formula,
      outputLayer: head.outputLayer,
      params: head.params,
      marginRange: range,
    });
    const push = (series: string, values: number[]) =>
      values.forEach((v, i) => {
        const delta = finiteOr(v);
        if (delta !== null) points.push({ head: id, margin: ms[i], series, delta });
      });
    push('target', curve.target);
    push('other class', curve.other);
    if (baseHead !== null && id !== baseline) {
      const key = `${range[0]}:${range[1]}`;
      let ref = reference.get(key);
      if (!ref) {
        ref = deltaCurve(baseHead, ms);
        reference.set(key, ref);
      }
      push(`${baseline} target`, ref.target);
      push(`${baseline} other`, ref.other);
    }
  }
  return {
    numClasses: DELTA_CLASSES,
    reference: baseHead === null ? null : baseline,
    heads,
    points,
    skipped,
  };
}
