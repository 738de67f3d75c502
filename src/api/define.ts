// defineHead, defineDataset and defineModel: the three ways a user (a script or a --plugin module) adds to headroom's
// registries. Each checks the definition when it is made, so that a mistake is one line when the plugin loads, not a
// failed run per seed later, and records the file that made it (for `headroom heads` and for worker processes).
import { scope, tensor, type Tensor } from '../engine/index.js';
import { activationHead, deltaRuleHead, lossHead, BUILT_IN_HEAD_IDS } from '../heads/index.js';
import { registerHead } from '../heads/registry.js';
import {
  HeadError,
  type HeadContext,
  type HeadFactory,
  type HeadInput,
  type HeadParams,
  type OutputLayerKind,
} from '../heads/types.js';
import { DataError } from '../data/errors.js';
import { registerDataSource } from '../data/load.js';
import { customSource, type DatasetLoader } from '../data/sources/custom.js';
import { BUILT_IN_MODEL_IDS } from '../nn/models/index.js';
import { registerModel } from '../nn/models/registry.js';
import type { Body, ModelSpec, OptimizerKind } from '../nn/models/types.js';
import { callerFile } from './origin.js';

/** A definition a user made: what, and in which file (undefined when no file is known, e.g. a REPL). */
export interface Definition {
  kind: 'head' | 'dataset' | 'model';
  name: string;
  origin: string | undefined;
}

const definitions: Definition[] = [];

/** Every definition made in this process, in order. */
export function listDefinitions(): readonly Definition[] {
  return definitions;
}

/** A user mistake in a definition: one line, exit code 2 (the CLI prints it when a plugin loads). */
export class DefinitionError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'DefinitionError';
  }
}

// Ids travel in --heads lists and run keys: no commas, parentheses, spaces or '#' (search candidates use it).
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PARAM = /^[A-Za-z_][A-Za-z0-9_]*$/;

function nonEmpty(what: string, o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '')
    throw new DefinitionError(`${what}: '${key}' must be a non-empty string.`);
  return v;
}

function checkId(fn: string, o: Record<string, unknown>, key: 'id' | 'name'): string {
  if (typeof o !== 'object' || o === null) throw new DefinitionError(`${fn}: give it one object.`);
  const id = o[key];
  if (typeof id !== 'string' || !ID.test(id))
    throw new DefinitionError(
      `${fn}: '${key}' must be letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${JSON.stringify(id)}.`,
    );
  return id;
}

// ------------------------------------------------------------------------------------------------------------- heads

interface HeadDefinitionBase {
  /** What `--heads` names it by: letters, digits, '.', '_', '-'. */
  id: string;
  title: string;
  /** The rule in one line, as `headroom heads` prints it. */
  formula: string;
  /** Where it comes from: a paper, or your name. */
  source: string;
  /** Parameter defaults; `--heads 'id(name=value)'` overrides them (and the run key includes the override). */
  params?: Record<string, number>;
  /** Throws with a plain message when a parameter combination makes no sense. */
  validate?: (params: HeadParams) => void;
  /** The output layer the head trains on; default 'linear' (z = Wx + b). */
  outputLayer?: OutputLayerKind;
  /** Prediction scores [B, C] (rows summing to 1, for ECE; argmax = prediction); default softmax(z). */
  scores?: (z: Tensor, params: HeadParams) => Tensor;
}

/**
 * A head, by exactly one of:
 *  - objective(ctx): a differentiable loss per example [B] (averaged over the batch) or already a scalar;
 *  - deltaRule(ctx): the error δ [B, C] the output layer receives (no 1/B; need not be the gradient of anything);
 *  - outputActivation(z, params) with base 'ce-like' (q = a/Σa, loss −log q_y; a must be positive) or 'mse'
 *    (loss ½‖a(z) − t‖²).
 * ctx holds z [B, C], y (int64 [B]), t (one-hot [B, C] in z's dtype), params, numClasses, step and featureNorm.
 */
export type HeadDefinition = HeadDefinitionBase &
  (
    | { objective: (ctx: HeadContext) => Tensor; deltaRule?: undefined; outputActivation?: undefined }
    | { deltaRule: (ctx: HeadContext) => Tensor; objective?: undefined; outputActivation?: undefined }
    | {
        outputActivation: (z: Tensor, params: HeadParams) => Tensor;
        base: 'ce-like' | 'mse';
        objective?: undefined;
        deltaRule?: undefined;
      }
  );

const shapeText = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/**
 * Runs a new head once on a fixed batch (B = 3, C = 4, float64; no random numbers, so the global seed is untouched):
 * the objective must be a finite scalar whose gradient reaches z, δ must be [B, C], scores [B, C].
 */
function probe(factory: HeadFactory): void {
  const b = 3;
  const c = 4;
  const zData = Float64Array.from({ length: b * c }, (_, i) => Math.sin(1.7 * i + 0.3) * 0.8);
  const head = factory.create();
  scope(() => {
    const cosine = head.outputLayer !== 'linear';
    const z = tensor(cosine ? zData.map((v) => v / 1.6) : zData, [b, c], {
      dtype: 'float64',
      requiresGrad: true,
    });
    const inp: HeadInput = {
      z,
      y: tensor(Int32Array.from([0, 2, 3]), [b]),
      featureNorm: tensor(Float64Array.from([1.5, 2, 0.7]), [b], { dtype: 'float64' }),
      step: 0,
      numClasses: c,
    };
    if (head.delta) {
      const d = head.delta(inp);
      if (d.shape.length !== 2 || d.shape[0] !== b || d.shape[1] !== c)
        throw new Error(
          `deltaRule returned ${shapeText(d)}; it must return δ shaped like z, [B, C] = [${b}, ${c}].`,
        );
    }
    const obj = head.objective(inp);
    if (obj.shape.length !== 0) throw new Error(`the objective is ${shapeText(obj)}, not a scalar.`);
    if (!Number.isFinite(obj.item())) throw new Error(`the objective is ${obj.item()} on a plain batch.`);
    const noGradient =
      'no gradient reaches z: build the loss from ctx.z with tensor operations (no .detach(), no numbers read out).';
    if (!obj.requiresGrad) throw new Error(noGradient);
    obj.backward();
    const g = z.grad;
    if (g === null) throw new Error(noGradient);
    if (!g.toFloat64Array().every(Number.isFinite))
      throw new Error('its gradient is not finite on a plain batch.');
    const s = head.scores(z.detach());
    if (s.shape.length !== 2 || s.shape[0] !== b || s.shape[1] !== c)
      throw new Error(`scores returned ${shapeText(s)}; it must return [B, C] = [${b}, ${c}].`);
  });
}

/** Adds a head to the registry (every command and worker process that loads the defining module sees it). */
export function defineHead(def: HeadDefinition): HeadFactory {
  const fn = 'defineHead';
  const id = checkId(fn, def as unknown as Record<string, unknown>, 'id');
  const what = `${fn}('${id}')`;
  const o = def as unknown as Record<string, unknown>;
  const meta = {
    title: nonEmpty(what, o, 'title'),
    formula: nonEmpty(what, o, 'formula'),
    source: nonEmpty(what, o, 'source'),
  };
  const rules = (['objective', 'deltaRule', 'outputActivation'] as const).filter((k) => o[k] !== undefined);
  if (rules.length !== 1)
    throw new DefinitionError(
      `${what}: give exactly one of objective, deltaRule or outputActivation${rules.length > 1 ? ` (got ${rules.join(', ')})` : ''}.`,
    );
  const rule = rules[0]!;
  if (typeof o[rule] !== 'function') throw new DefinitionError(`${what}: '${rule}' must be a function.`);
  const defaults: Record<string, number> = {};
  if (def.params !== undefined) {
    if (typeof def.params !== 'object' || def.params === null)
      throw new DefinitionError(`${what}: 'params' must be an object of numbers, e.g. { gamma: 1 }.`);
    for (const [k, v] of Object.entries(def.params)) {
      if (!PARAM.test(k)) throw new DefinitionError(`${what}: parameter name '${k}' must be an identifier.`);
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new DefinitionError(
          `${what}: parameter '${k}' must default to a finite number, got ${String(v)}.`,
        );
      defaults[k] = v;
    }
  }
  for (const k of ['validate', 'scores'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'function')
      throw new DefinitionError(`${what}: '${k}' must be a function.`);
  const layers: OutputLayerKind[] = ['linear', 'cosine', 'normalized-weights'];
  if (def.outputLayer !== undefined && !layers.includes(def.outputLayer))
    throw new DefinitionError(`${what}: 'outputLayer' must be one of ${layers.join(', ')}.`);
  const builderMeta = {
    ...meta,
    defaults,
    ...(def.outputLayer !== undefined ? { outputLayer: def.outputLayer } : {}),
    ...(def.validate !== undefined ? { validate: def.validate } : {}),
    ...(def.scores !== undefined ? { scores: def.scores } : {}),
  };
  let factory: HeadFactory;
  if (def.objective !== undefined) {
    const objective = def.objective;
    factory = lossHead(
      id,
      (ctx) => {
        const l = objective(ctx);
        const b = ctx.z.shape[0];
        // [B] is averaged by the builder; a scalar's mean is itself. [B, C] is the usual slip (a missing .sum(1)).
        if (!(l.shape.length === 0 || (l.shape.length === 1 && l.shape[0] === b)))
          throw new HeadError(
            `head '${id}': objective returned ${shapeText(l)}; return the loss per example [B] or a scalar.`,
          );
        return l;
      },
      builderMeta,
    );
  } else if (def.deltaRule !== undefined) {
    factory = deltaRuleHead(id, def.deltaRule, builderMeta);
  } else {
    const base = o.base;
    if (base !== 'ce-like' && base !== 'mse')
      throw new DefinitionError(
        `${what}: an outputActivation head needs base: 'ce-like' (−log of a/Σa) or 'mse' (½‖a(z) − t‖²).`,
      );
    factory = activationHead(id, def.outputActivation!, base, builderMeta);
  }
  try {
    probe(factory);
  } catch (e) {
    throw new DefinitionError(
      `${what}: ${e instanceof Error ? e.message.replace(/\s*\n[\s\S]*$/, '') : String(e)}`,
    );
  }
  const origin = callerFile();
  try {
    registerHead(factory, BUILT_IN_HEAD_IDS, origin);
  } catch (e) {
    throw new DefinitionError(`${fn}: ${(e as Error).message}`);
  }
  definitions.push({ kind: 'head', name: id, origin });
  return factory;
}

// ---------------------------------------------------------------------------------------------------------- datasets

export interface DatasetDefinition {
  /** What `--dataset` names it by. */
  name: string;
  title?: string;
  /**
   * A function returning { train: { x, y }, test: { x, y }, sampleShape, numClasses?, classNames? } (typed arrays or
   * plain number arrays; called once per process, when a command first needs the data), or a folder:
   * { format: 'idx' | 'cifar-binary' | 'csv', dir, … }. Validation is carved from train, as for the built-in datasets.
   */
  load: DatasetLoader;
}

/** Adds a dataset to the registry. Its data are read when first used (listing sizes reads them too). */
export function defineDataset(def: DatasetDefinition): { name: string } {
  const fn = 'defineDataset';
  const name = checkId(fn, def as unknown as Record<string, unknown>, 'name');
  const what = `${fn}('${name}')`;
  const load = def.load as unknown;
  if (typeof load === 'object' && load !== null) {
    const f = load as Record<string, unknown>;
    if (f.format !== 'idx' && f.format !== 'cifar-binary' && f.format !== 'csv')
      throw new DefinitionError(`${what}: load.format must be 'idx', 'cifar-binary' or 'csv'.`);
    if (!(typeof f.dir === 'string' && f.dir !== '') && !(f.dir instanceof URL))
      throw new DefinitionError(`${what}: load.dir must be a folder path or a file: URL.`);
  } else if (typeof load !== 'function')
    throw new DefinitionError(`${what}: 'load' must be a function returning arrays, or { format, dir }.`);
  if (def.title !== undefined && (typeof def.title !== 'string' || def.title.trim() === ''))
    throw new DefinitionError(`${what}: 'title' must be a non-empty string.`);
  const origin = callerFile();
  try {
    registerDataSource(customSource(def, origin), origin);
  } catch (e) {
    if (e instanceof DataError) throw new DefinitionError(`${fn}: ${e.message}`);
    throw e;
  }
  definitions.push({ kind: 'dataset', name, origin });
  return { name };
}

// ------------------------------------------------------------------------------------------------------------ models

export interface ModelDefinition {
  /** What `--model` names it by. */
  id: string;
  title?: string;
  /**
   * Builds a fresh body for examples of `inputShape` (the dataset's sample shape): a Module whose forward maps
   * [B, ...inputShape] to features [B, featureDim]. The head's output layer is added on top. The global seed is set
   * before each call; `opts.seed` is the run's seed.
   */
  createBody(inputShape: number[], opts: { seed?: number }): Body;
  /** The optimizer a run uses unless --optimizer/--lr say otherwise. */
  defaultOptimizer: { kind: OptimizerKind; lr: number; [hyper: string]: number | string | boolean };
  /** Default 10. */
  defaultEpochs?: number;
  /** Default 128. */
  defaultBatchSize?: number;
  /** The input the model was designed for (documentation only); default []. */
  inputShape?: number[];
}

const OPTIMIZERS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw', 'rmsprop', 'adadelta'];

/** Adds a model to the registry. */
export function defineModel(def: ModelDefinition): ModelSpec {
  const fn = 'defineModel';
  const id = checkId(fn, def as unknown as Record<string, unknown>, 'id');
  const what = `${fn}('${id}')`;
  if (typeof def.createBody !== 'function')
    throw new DefinitionError(`${what}: 'createBody(inputShape, opts)' must be a function returning a body.`);
  const opt = def.defaultOptimizer as unknown as Record<string, unknown> | undefined;
  if (typeof opt !== 'object' || opt === null || !OPTIMIZERS.includes(opt.kind as OptimizerKind))
    throw new DefinitionError(`${what}: 'defaultOptimizer.kind' must be one of ${OPTIMIZERS.join(', ')}.`);
  if (typeof opt.lr !== 'number' || !(opt.lr > 0) || !Number.isFinite(opt.lr))
    throw new DefinitionError(`${what}: 'defaultOptimizer.lr' must be a number > 0.`);
  const positive = (k: 'defaultEpochs' | 'defaultBatchSize', fallback: number): number => {
    const v = def[k];
    if (v === undefined) return fallback;
    if (!Number.isSafeInteger(v) || v < 1)
      throw new DefinitionError(`${what}: '${k}' must be an integer ≥ 1.`);
    return v;
  };
  const spec: ModelSpec = {
    id,
    title: def.title ?? id,
    inputShape: [...(def.inputShape ?? [])],
    createBody: (inputShape, opts) => def.createBody(inputShape, opts),
    defaultOptimizer: { ...def.defaultOptimizer },
    defaultEpochs: positive('defaultEpochs', 10),
    defaultBatchSize: positive('defaultBatchSize', 128),
  };
  const origin = callerFile();
  try {
    registerModel(spec, BUILT_IN_MODEL_IDS, origin);
  } catch (e) {
    throw new DefinitionError(`${fn}: ${(e as Error).message}`);
  }
  definitions.push({ kind: 'model', name: id, origin });
  return spec;
}
