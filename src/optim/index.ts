import type { Tensor } from '../engine/index.js';
import { Adadelta, type AdadeltaOptions } from './adadelta.js';
import { Adam, AdamW, type AdamOptions } from './adam.js';
import type { Optimizer, OptimizerKind } from './optimizer.js';
import { RMSprop, type RMSpropOptions } from './rmsprop.js';
import { SGD, type SGDOptions } from './sgd.js';

export { BaseOptimizer, type Optimizer, type OptimizerKind } from './optimizer.js';
export { Adadelta, Adam, AdamW, RMSprop, SGD };
export type { AdadeltaOptions, AdamOptions, RMSpropOptions, SGDOptions };

export const sgd = (params: Tensor[], o: SGDOptions): SGD => new SGD(params, o);
export const adam = (params: Tensor[], o: AdamOptions = {}): Adam => new Adam(params, o);
export const adamw = (params: Tensor[], o: AdamOptions = {}): AdamW => new AdamW(params, o);
export const rmsprop = (params: Tensor[], o: RMSpropOptions = {}): RMSprop => new RMSprop(params, o);
export const adadelta = (params: Tensor[], o: AdadeltaOptions = {}): Adadelta => new Adadelta(params, o);

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adadelta'];

/** Hyper-parameters as configs carry them (ModelSpec.defaultOptimizer, RunConfig.optimizer); `kind` is ignored. */
export type OptimizerHyper = { lr: number; [k: string]: number | string | boolean };

const KEYS: Record<OptimizerKind, readonly string[]> = {
  sgd: ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'decoupledWeightDecay'],
  adam: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'],
  adamw: ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'],
  rmsprop: ['lr', 'alpha', 'eps', 'momentum', 'weightDecay', 'centered'],
  adadelta: ['lr', 'rho', 'eps', 'weightDecay'],
};

/** Keras names accepted as synonyms: RMSprop's rho is torch's alpha; weight_decay spelled the Python way. */
const ALIASES: Record<string, string> = { weight_decay: 'weightDecay', epsilon: 'eps', learningRate: 'lr' };

function isKind(k: string): k is OptimizerKind {
  return (OPTIMIZER_KINDS as readonly string[]).includes(k);
}

/** Builds an optimizer from a config record. Unknown kinds or keys throw (a typo must not silently fall back). */
export function makeOptimizer(kind: string, params: Tensor[], hyper: OptimizerHyper): Optimizer {
  if (!isKind(kind)) throw new Error(`unknown optimizer '${kind}'. Known: ${OPTIMIZER_KINDS.join(', ')}`);
  const h: Record<string, number | boolean> = {};
  for (const [rawKey, v] of Object.entries(hyper)) {
    if (rawKey === 'kind') continue;
    let key = ALIASES[rawKey] ?? rawKey;
    if (kind === 'rmsprop' && key === 'rho') key = 'alpha';
    if (!KEYS[kind].includes(key))
      throw new Error(`${kind}: unknown hyper-parameter '${rawKey}' (accepted: ${KEYS[kind].join(', ')})`);
    if (typeof v === 'string')
      throw new Error(`${kind}: hyper-parameter '${rawKey}' must be a number or boolean`);
    h[key] = v;
  }
  const num = (k: string): number | undefined => {
    const v = h[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw new Error(`${kind}: '${k}' must be a number`);
    return v;
  };
  const bool = (k: string): boolean | undefined => {
    const v = h[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') throw new Error(`${kind}: '${k}' must be a boolean`);
    return v;
  };
  const lr = num('lr') ?? hyper.lr;
  switch (kind) {
    case 'sgd':
      return new SGD(params, {
        lr,
        momentum: num('momentum'),
        dampening: num('dampening'),
        nesterov: bool('nesterov'),
        weightDecay: num('weightDecay'),
        decoupledWeightDecay: num('decoupledWeightDecay'),
      });
    case 'adam':
    case 'adamw': {
      const o: AdamOptions = { lr, eps: num('eps'), weightDecay: num('weightDecay') };
      if (h.beta1 !== undefined || h.beta2 !== undefined)
        o.betas = [num('beta1') ?? 0.9, num('beta2') ?? 0.999];
      return kind === 'adam' ? new Adam(params, o) : new AdamW(params, o);
    }
    case 'rmsprop':
      return new RMSprop(params, {
        lr,
        alpha: num('alpha'),
        eps: num('eps'),
        momentum: num('momentum'),
        weightDecay: num('weightDecay'),
        centered: bool('centered'),
      });
    case 'adadelta':
      return new Adadelta(params, { lr, rho: num('rho'), eps: num('eps'), weightDecay: num('weightDecay') });
  }
}
