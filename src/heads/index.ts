// The head registry: every head in ../shared/docs/heads.md, one file each, in catalogue order.
import { softmaxCe } from './softmax-ce.js';
import { linearMse } from './linear-mse.js';
import { softmaxMse } from './softmax-mse.js';
import { olandExp } from './oland-exp.js';
import { olandPow3 } from './oland-pow3.js';
import { olandExpErr } from './oland-exp-err.js';
import { olandPow3Err } from './oland-pow3-err.js';
import { sigmoidBce } from './sigmoid-bce.js';
import { hinge } from './hinge.js';
import { squaredHinge } from './squared-hinge.js';
import { crammerSinger } from './crammer-singer.js';
import { labelSmoothing } from './label-smoothing.js';
import { focal } from './focal.js';
import { poly1 } from './poly1.js';
import { squentropy } from './squentropy.js';
import { rescaledSquare } from './rescaled-square.js';
import { logitPenalty } from './logit-penalty.js';
import { logitNorm } from './logit-norm.js';
import { taylorSoftmax } from './taylor-softmax.js';
import { sparsemax } from './sparsemax.js';
import { biTempered } from './bi-tempered.js';
import { baikal } from './baikal.js';
import { cosineSoftmax } from './cosine-softmax.js';
import { amSoftmax } from './am-softmax.js';
import { arcface } from './arcface.js';
import { aSoftmax } from './a-softmax.js';
import { HeadError, type Head, type HeadFactory } from './types.js';
import { addedHead, addedHeads } from './registry.js';

const HEADS: readonly HeadFactory[] = [
  softmaxCe,
  linearMse,
  softmaxMse,
  olandExp,
  olandPow3,
  olandExpErr,
  olandPow3Err,
  sigmoidBce,
  hinge,
  squaredHinge,
  crammerSinger,
  labelSmoothing,
  focal,
  poly1,
  squentropy,
  rescaledSquare,
  logitPenalty,
  logitNorm,
  taylorSoftmax,
  sparsemax,
  biTempered,
  baikal,
  cosineSoftmax,
  amSoftmax,
  arcface,
  aSoftmax,
];

const BY_ID = new Map(HEADS.map((h) => [h.id, h]));
if (BY_ID.size !== HEADS.length) throw new Error('heads: duplicate head id in the registry');

/** The built-in ids, which heads added by defineHead (registry.ts) may not reuse. */
export const BUILT_IN_HEAD_IDS: ReadonlySet<string> = new Set(BY_ID.keys());

/** The catalogue, then the heads added by defineHead (plugins), in the order they were defined. */
export function listHeads(): HeadFactory[] {
  return [...HEADS, ...addedHeads()];
}

export function getHeadFactory(id: string): HeadFactory {
  const f = BY_ID.get(id) ?? addedHead(id);
  if (!f)
    throw new HeadError(
      `unknown head '${id}'. Known heads: ${listHeads()
        .map((h) => h.id)
        .join(', ')}` +
        // A worker or command without the plugin that defines a head sees it as unknown; say where heads come from.
        ' (heads from plugins need --plugin FILE or HEADROOM_PLUGINS).',
    );
  return f;
}

/** A head instance with `params` overriding its defaults; unknown ids or parameter names throw a HeadError. */
export function getHead(id: string, params?: Partial<Record<string, number>>): Head {
  return getHeadFactory(id).create(params);
}

export * from './types.js';
export { activationHead, deltaRuleHead, lossHead } from './builders.js';
export type { ActivationFn, BuilderMeta, DeltaFn, LossFn, ScoresFn } from './builders.js';
export { clipNormalise, CLIP_NORMALISE_EPS } from './common.js';
export { createOutputLayer, OutputLayer, type OutputLayerOptions } from './output-layer.js';
export { FusedOutputLayer } from './fused-output-layer.js';
export { OLAND_EXP_Z_MAX } from './oland-exp.js';
export { OLAND_EXP_ERR_MAX } from './oland-exp-err.js';
export { sphereFaceLambda, sphereFacePsi } from './a-softmax.js';
export { sparsemaxProbs, sparsemaxThreshold } from './sparsemax.js';
export { temperedSoftmax } from './bi-tempered.js';
export { resolveHead, registerCandidateResolver, type HeadRef, type CandidateResolver } from './resolve.js';
export { headOrigin } from './registry.js';
export {
  formatHeadSpec,
  parseHeadSpec,
  parseHeadSpecList,
  resolveHeadSpec,
  type HeadSpecText,
} from './spec.js';
