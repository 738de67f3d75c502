// What crosses the queue, checked field by field on the worker: a job names registry heads or candidate expressions in
// headroom's own language (compiled by the search's grammar), never code, so a worker runs nothing it was sent.
import type { HeadRef, TrainJob } from './job.js';
import type { RunConfig } from '../train/config.js';

/** Bumped whenever TrainJob, RunConfig or the result format changes incompatibly. */
export const PROTOCOL_VERSION = 1;

export interface QueuePayload {
  headroom: number;
  job: TrainJob;
}

export class PayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadError';
  }
}

export function payloadOf(job: TrainJob): QueuePayload {
  return { headroom: PROTOCOL_VERSION, job };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_TEXT = 4096;

function fail(path: string, want: string, got: unknown): never {
  const shown = JSON.stringify(got)?.slice(0, 60) ?? String(got);
  throw new PayloadError(`malformed job: ${path} must be ${want}, got ${shown}`);
}
function text(o: Obj, k: string, path: string, optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT)
    fail(`${path}.${k}`, 'a non-empty string', v);
}
function int(o: Obj, k: string, path: string, min: number, optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    fail(`${path}.${k}`, `an integer ≥ ${min}`, v);
}
function bool(o: Obj, k: string, path: string, optional = false): void {
  const v = o[k];
  if (v === undefined && optional) return;
  if (typeof v !== 'boolean') fail(`${path}.${k}`, 'a boolean', v);
}
function numbers(v: unknown, path: string): void {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    fail(path, 'an array of finite numbers', v);
}
function numberRecord(v: unknown, path: string): void {
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'number' && Number.isFinite(x)))
    fail(path, 'an object of finite numbers', v);
}
function onlyKeys(o: Obj, allowed: readonly string[], path: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    throw new PayloadError(`malformed job: ${path} has unknown field(s) ${extra.join(', ')}`);
}

const CONFIG_KEYS: readonly (keyof RunConfig)[] = [
  'dataset',
  'model',
  'head',
  'headParams',
  'candidate',
  'seed',
  'epochs',
  'batchSize',
  'optimizer',
  'trainLimit',
  'valFraction',
  'device',
  'threads',
  'evalLimit',
  'evalTest',
  'repr',
  'classes',
  'recipe',
];

const SCHEDULE_KEYS: Record<string, readonly string[]> = {
  constant: [],
  step: ['at', 'gamma'],
  cosine: ['warmupEpochs', 'minFactor'],
  'one-cycle': ['pctStart', 'divFactor', 'finalDivFactor'],
};

/** A recipe crosses as data (a schedule's numbers, crop and flip), never as code; its ranges are checked by fit(). */
function checkRecipe(r: unknown): void {
  const path = 'job.cfg.recipe';
  if (!isObj(r)) fail(path, 'an object', r);
  onlyKeys(r, ['name', 'schedule', 'augment'], path);
  text(r, 'name', path);
  const s = r.schedule;
  if (!isObj(s)) fail(`${path}.schedule`, 'an object', s);
  const keys = typeof s.kind === 'string' ? SCHEDULE_KEYS[s.kind] : undefined;
  if (keys === undefined) fail(`${path}.schedule.kind`, Object.keys(SCHEDULE_KEYS).join(' | '), s.kind);
  onlyKeys(s, ['kind', ...keys], `${path}.schedule`);
  for (const k of keys) {
    if (k === 'at') numbers(s.at, `${path}.schedule.at`);
    else if (typeof s[k] !== 'number' || !Number.isFinite(s[k]))
      fail(`${path}.schedule.${k}`, 'a finite number', s[k]);
  }
  if (r.augment !== undefined) {
    const a = r.augment;
    if (!isObj(a)) fail(`${path}.augment`, 'an object', a);
    onlyKeys(a, ['crop', 'flip'], `${path}.augment`);
    int(a, 'crop', `${path}.augment`, 0);
    bool(a, 'flip', `${path}.augment`);
  }
}

function checkConfig(c: unknown): void {
  if (!isObj(c)) fail('job.cfg', 'an object', c);
  onlyKeys(c, CONFIG_KEYS, 'job.cfg');
  text(c, 'dataset', 'job.cfg');
  text(c, 'model', 'job.cfg');
  text(c, 'head', 'job.cfg');
  int(c, 'seed', 'job.cfg', 0);
  int(c, 'epochs', 'job.cfg', 1);
  int(c, 'batchSize', 'job.cfg', 1);
  int(c, 'trainLimit', 'job.cfg', 1, true);
  int(c, 'evalLimit', 'job.cfg', 1, true);
  int(c, 'threads', 'job.cfg', 1, true);
  bool(c, 'evalTest', 'job.cfg');
  bool(c, 'repr', 'job.cfg', true);
  if (typeof c.valFraction !== 'number' || !(c.valFraction > 0 && c.valFraction < 1))
    fail('job.cfg.valFraction', 'a number in (0, 1)', c.valFraction);
  if (c.device !== 'cpu' && c.device !== 'cuda') fail('job.cfg.device', "'cpu' or 'cuda'", c.device);
  if (c.headParams !== undefined) numberRecord(c.headParams, 'job.cfg.headParams');
  if (c.classes !== undefined) numbers(c.classes, 'job.cfg.classes');
  if (c.recipe !== undefined) checkRecipe(c.recipe);
  const o = c.optimizer;
  if (!isObj(o)) fail('job.cfg.optimizer', 'an object', o);
  text(o, 'kind', 'job.cfg.optimizer');
  if (typeof o.lr !== 'number' || !(o.lr > 0) || !Number.isFinite(o.lr))
    fail('job.cfg.optimizer.lr', 'a positive number', o.lr);
  for (const [k, v] of Object.entries(o))
    if (!['number', 'string', 'boolean'].includes(typeof v)) fail(`job.cfg.optimizer.${k}`, 'a scalar', v);
}

function checkHead(h: unknown, path: string): asserts h is HeadRef {
  if (!isObj(h)) fail(path, 'an object', h);
  text(h, 'id', path);
  if (h.kind === 'registry') {
    onlyKeys(h, ['kind', 'id', 'params'], path);
    if (h.params !== undefined) numberRecord(h.params, `${path}.params`);
  } else if (h.kind === 'candidate') {
    onlyKeys(h, ['kind', 'id', 'space', 'expr', 'params'], path);
    text(h, 'space', path);
    text(h, 'expr', path);
    if (h.params !== undefined) numbers(h.params, `${path}.params`);
  } else fail(`${path}.kind`, "'registry' or 'candidate'", h.kind);
}

/**
 * The job inside a queue payload, or a PayloadError that says what is wrong: a foreign protocol version (the driver and
 * the worker run different headroom versions) or a malformed field.
 */
export function parsePayload(data: unknown): TrainJob {
  if (!isObj(data) || !('headroom' in data))
    throw new PayloadError('not a headroom job: the payload has no protocol version');
  if (data.headroom !== PROTOCOL_VERSION)
    throw new PayloadError(
      `job speaks headroom queue protocol ${JSON.stringify(data.headroom)}, this worker speaks ${PROTOCOL_VERSION}: run the same headroom version on the driver and its workers`,
    );
  const job = data.job;
  if (!isObj(job)) fail('job', 'an object', job);
  onlyKeys(job, ['id', 'cfg', 'heads'], 'job');
  text(job, 'id', 'job');
  checkConfig(job.cfg);
  if (!Array.isArray(job.heads) || job.heads.length === 0 || job.heads.length > 1024)
    fail('job.heads', 'an array of 1 to 1024 heads', job.heads);
  job.heads.forEach((h, i) => checkHead(h, `job.heads[${i}]`));
  return job as unknown as TrainJob;
}
