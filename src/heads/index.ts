// The head registry: every head in ../shared/docs/heads.md, one file each, in catalogue order.
import { softmaxCe } from './softmax-ce.js';
import { linearMse } from './linear-mse.js';
import { softmaxMse } from './softmax-mse.js';
import { olandExp } from './oland-exp.js';
import { olandPow3 } from './oland-pow3.js';
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

const HEADS: readonly HeadFactory[] = [
  softmaxCe,
  linearMse,
  softmaxMse,
  olandExp,
  olandPow3,
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

export function listHeads(): HeadFactory[] {
  return [...HEADS];
}

export function getHeadFactory(id: string): HeadFactory {
  const f = BY_ID.get(id);
  if (!f) throw new HeadError(`unknown head '${id}'. Known heads: ${HEADS.map((h) => h.id).join(', ')}.`);
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
export { OLAND_EXP_Z_MAX } from './oland-exp.js';
export { sphereFaceLambda, sphereFacePsi } from './a-softmax.js';
export { sparsemaxProbs, sparsemaxThreshold } from './sparsemax.js';
export { temperedSoftmax } from './bi-tempered.js';
export { resolveHead, registerCandidateResolver, type HeadRef, type CandidateResolver } from './resolve.js';
