import { accessSync, constants as fsConstants, statSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs as nodeParseArgs } from 'node:util';
import type { Device } from '../engine/index.js';
import { DEVICE_CHOICES, resolveDevice, type DeviceChoice, type PopulationChoice } from '../exec/index.js';
import { HeadError, listHeads, parseHeadSpec, parseHeadSpecList, resolveHeadSpec } from '../heads/index.js';
import { listModels } from '../nn/models/index.js';
import { DATASET_NAMES } from '../data/index.js';

/** A user mistake: the CLI prints its one-line message and exits with code 2, writing nothing. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; default?: string | boolean; multiple?: false }
>;

export type ParsedValues<O extends OptionSpec> = {
  [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean | undefined : string | undefined;
};

/** node:util parseArgs, but unknown flags become a UsageError that names the command's --help. */
export function parseArgs<O extends OptionSpec>(
  command: string,
  argv: string[],
  options: O,
): { values: ParsedValues<O>; positionals: string[] } {
  try {
    const { values, positionals } = nodeParseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as unknown as ParsedValues<O>, positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UsageError(`${command}: ${msg}. See 'headroom ${command} --help'.`);
  }
}

export function intOption(
  command: string,
  name: string,
  raw: string | undefined,
  fallback: number,
  min = 0,
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min)
    throw new UsageError(`${command}: --${name} must be an integer ≥ ${min}, got '${raw}'.`);
  return v;
}

export function numberOption(
  command: string,
  name: string,
  raw: string | undefined,
  fallback: number,
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new UsageError(`${command}: --${name} must be a number, got '${raw}'.`);
  return v;
}

export function listOption(raw: string | undefined, fallback: string[]): string[] {
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * `--device auto|cpu|cuda` as the device runs train on: auto is CUDA when libtorch sees a GPU. cuda without one is a
 * usage error (exit 2), never a quiet CPU run stored as cuda.
 */
export function deviceOption(command: string, raw: string | undefined, queue?: string): Device {
  const choice = raw ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(choice))
    throw new UsageError(`${command}: --device must be auto, cpu or cuda, got '${choice}'.`);
  // Through a queue the runs train on the workers' machines: cuda names their queue, not this machine's GPU.
  if (queue !== undefined && choice === 'cuda') return 'cuda';
  try {
    return resolveDevice(choice as DeviceChoice);
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

/** `--queue URL`: a Redis URL whose BullMQ queue `headroom worker`s serve; undefined trains locally. */
export function queueOption(command: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^rediss?:\/\/[^\s]+$/.test(raw))
    throw new UsageError(
      `${command}: --queue must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got '${raw}'.`,
    );
  return raw;
}

/** Fails (exit 2) before anything is written when the queue's Redis does not answer. */
export async function checkQueue(command: string, url: string | undefined): Promise<void> {
  if (url === undefined) return;
  const { connectRedis } = await import('../exec/bullmq.js');
  try {
    (await connectRedis(url)).disconnect();
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

/** `--eval-limit N`: validation examples evaluated each epoch (the final test evaluation stays full). */
export function evalLimitOption(command: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : intOption(command, 'eval-limit', raw, 0, 1);
}

// ---------------------------------------------------------------------------------------------- option tables
//
// Each command declares its options once, in a table (`const OPTIONS = { seeds: opt.int({ min: 1, max: 10_000 }),
// … } satisfies OptionTable`), and reads them with parseOptions: every value is typed, checked and range-tested at
// parse time, before anything is loaded or written, so a bad value is one line and exit 2 with nothing created.
// Adding an option is one row; the validators below are shared so that the same kind of option reads the same way
// in every command.

/** A value that does not fit its option; parseOptions prefixes the command and the option name. */
export class OptionProblem extends Error {}

export interface FlagOption {
  readonly kind: 'flag';
  readonly short?: string;
}

export interface ValueOption<T> {
  readonly kind: 'value';
  readonly short?: string;
  /** Turns the raw text into the value, or throws an OptionProblem saying what was expected. */
  readonly parse: (raw: string) => T;
}

export type OptionDef = FlagOption | ValueOption<unknown>;
export type OptionTable = Readonly<Record<string, OptionDef>>;

/** Flags read as booleans (false when absent); value options as their parsed type, undefined when absent. */
export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K] extends ValueOption<infer V> ? V | undefined : boolean;
};

const problem = (expected: string, raw: string): never => {
  throw new OptionProblem(`must be ${expected}, got '${raw}'.`);
};

// Plain decimal notation only: Number() would also take '', ' ', '0x10', 'Infinity' and '1_0'-free oddities.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readNumber(raw: string, expected: string): number {
  const t = raw.trim();
  if (!DECIMAL.test(t)) problem(expected, raw);
  const v = Number(t);
  if (!Number.isFinite(v)) problem(expected, raw);
  return v;
}

/** The most worker processes or threads a command accepts: more than 4 per core only thrashes. */
export function maxParallelism(): { max: number; why: string } {
  const cores = availableParallelism();
  return { max: 4 * cores, why: `at most 4 × ${cores} core${cores === 1 ? '' : 's'}` };
}

type Choices = readonly string[] | (() => readonly string[]);
const choicesOf = (c: Choices): readonly string[] => (typeof c === 'function' ? c() : c);

function writableProblem(path: string, dir: string, code: string | undefined, name: string): never {
  const why = code === 'EROFS' ? 'read-only file system' : 'permission denied';
  throw new OptionProblem(
    `${path}: cannot write in ${dir} (${why}); pick a ${name} in a folder you can write.`,
  );
}

/**
 * A file this command will create or rewrite (a database, a report): the path must not be a folder, the nearest
 * existing folder above it must be a folder (not a file), and it must be writable. Checked with stat/access only,
 * so nothing is created; what the checks cannot foresee is reported by the CLI's error handler.
 */
function writableFile(raw: string, example: string): string {
  if (raw.trim() === '') problem('a file path', raw);
  const path = resolve(raw);
  const st = statOrNull(path);
  if (st?.isDirectory())
    throw new OptionProblem(`${path} is a folder; give a file path, e.g. ${join(path, example)}.`);
  let dir = dirname(path);
  let dst = statOrNull(dir);
  while (!dst) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
    dst = statOrNull(dir);
  }
  if (dst && !dst.isDirectory())
    throw new OptionProblem(`${path}: ${dir} is a file, not a folder; pick a path inside a folder.`);
  for (const target of st ? [path, dir] : [dir]) {
    try {
      accessSync(target, fsConstants.W_OK);
    } catch (e) {
      writableProblem(
        path,
        dir,
        (e as NodeJS.ErrnoException).code,
        example.endsWith('.db') ? '--db' : 'path',
      );
    }
  }
  return path;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The shared validators of option tables. */
export const opt = {
  flag(short?: string): FlagOption {
    return short === undefined ? { kind: 'flag' } : { kind: 'flag', short };
  },
  /** Free text, not empty (an empty name would silently mean something else, or nothing). */
  text(): ValueOption<string> {
    return {
      kind: 'value',
      parse: (raw) => (raw.trim() === '' ? problem('a non-empty value', raw) : raw),
    };
  },
  /** An integer in [min, max]; `max` may be a function ({ max, why }) evaluated when the value is read. */
  int(r: { min: number; max?: number | (() => { max: number; why: string }) }): ValueOption<number> {
    return {
      kind: 'value',
      parse(raw) {
        const m =
          typeof r.max === 'function' ? r.max() : r.max === undefined ? undefined : { max: r.max, why: '' };
        const expected =
          m === undefined
            ? `an integer ≥ ${r.min}`
            : `an integer in ${r.min}…${m.max}${m.why ? ` (${m.why})` : ''}`;
        const v = readNumber(raw, expected);
        if (!Number.isSafeInteger(v) || v < r.min || (m !== undefined && v > m.max)) problem(expected, raw);
        return v;
      },
    };
  },
  /** A finite number; `gt`/`lt` are exclusive bounds, `min`/`max` inclusive. */
  number(r: { gt?: number; min?: number; lt?: number; max?: number } = {}): ValueOption<number> {
    const lo = r.gt !== undefined ? `(${r.gt}` : r.min !== undefined ? `[${r.min}` : undefined;
    const hi = r.lt !== undefined ? `${r.lt})` : r.max !== undefined ? `${r.max}]` : undefined;
    const expected =
      lo && hi
        ? `a number in ${lo}, ${hi}`
        : lo
          ? `a number ${r.gt !== undefined ? `> ${r.gt}` : `≥ ${r.min}`}`
          : hi
            ? `a number ${r.lt !== undefined ? `< ${r.lt}` : `≤ ${r.max}`}`
            : 'a finite number';
    return {
      kind: 'value',
      parse(raw) {
        const v = readNumber(raw, expected);
        if (
          (r.gt !== undefined && !(v > r.gt)) ||
          (r.min !== undefined && !(v >= r.min)) ||
          (r.lt !== undefined && !(v < r.lt)) ||
          (r.max !== undefined && !(v <= r.max))
        )
          problem(expected, raw);
        return v;
      },
    };
  },
  /** One of a fixed set of names; the message lists them (and `hint`, e.g. which command lists them). */
  choice<T extends string = string>(choices: Choices, hint?: string): ValueOption<T> {
    return {
      kind: 'value',
      parse(raw) {
        const known = choicesOf(choices);
        if (!known.includes(raw))
          throw new OptionProblem(
            `'${raw}' matches nothing; use one of ${known.join(', ')}${hint ? ` (${hint})` : ''}.`,
          );
        return raw as T;
      },
    };
  },
  /** A comma-separated list: no empty list, no repeated entry, and each entry one of `choices` when given. */
  list(choices?: Choices, hint?: string): ValueOption<string[]> {
    return {
      kind: 'value',
      parse(raw) {
        const items = raw.split(',').map((s) => s.trim());
        if (items.every((s) => s === '')) problem('a comma-separated list', raw);
        if (items.some((s) => s === ''))
          throw new OptionProblem(`has an empty entry in '${raw}'; separate names with single commas.`);
        const dup = items.find((s, i) => items.indexOf(s) !== i);
        if (dup !== undefined) throw new OptionProblem(`lists '${dup}' twice.`);
        if (choices !== undefined) {
          const known = choicesOf(choices);
          const unknown = items.find((s) => !known.includes(s));
          if (unknown !== undefined)
            throw new OptionProblem(
              `'${unknown}' matches nothing; use ${known.join(', ')}${hint ? ` (${hint})` : ''}.`,
            );
        }
        return items;
      },
    };
  },
  /** Any other value: `parse` throws an OptionProblem (or a UsageError with its own wording). */
  custom<T>(parse: (raw: string) => T): ValueOption<T> {
    return { kind: 'value', parse };
  },
  /** A SQLite database this command writes (created when missing); resolved to an absolute path. */
  db(): ValueOption<string> {
    return { kind: 'value', parse: (raw) => writableFile(raw, 'headroom.db') };
  },
  /** A database this command only reads: it must exist and be a file. */
  dbToRead(): ValueOption<string> {
    return {
      kind: 'value',
      parse(raw) {
        if (raw.trim() === '') problem('a file path', raw);
        const path = resolve(raw);
        const st = statOrNull(path);
        if (!st) throw new OptionProblem(`${path}: no such file; give the database compare/search wrote.`);
        if (st.isDirectory())
          throw new OptionProblem(`${path} is a folder; give the database file compare/search wrote.`);
        return path;
      },
    };
  },
  /** A file this command writes (a report): not a folder, in a folder that exists or can be made, writable. */
  outFile(example: string): ValueOption<string> {
    return { kind: 'value', parse: (raw) => writableFile(raw, example) };
  },
  /** A folder that must exist (data folders): a missing one is an error, never a silent fallback. */
  dir(): ValueOption<string> {
    return {
      kind: 'value',
      parse(raw) {
        if (raw.trim() === '') problem('a folder', raw);
        const path = resolve(raw);
        const st = statOrNull(path);
        if (!st) throw new OptionProblem(`${path}: no such folder; give the folder that holds the files.`);
        if (!st.isDirectory()) throw new OptionProblem(`${path} is a file, not a folder.`);
        return path;
      },
    };
  },
} as const;

/** The table entry a `--name` or `-x` token refers to, or undefined. */
function lookup(table: OptionTable, token: string): [string, OptionDef] | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2);
    return Object.hasOwn(table, name) ? [name, table[name]] : undefined;
  }
  const hit = Object.entries(table).find(([, d]) => d.short !== undefined && `-${d.short}` === token);
  return hit;
}

/** The closest option name within two edits, for "did you mean". */
function closest(table: OptionTable, name: string): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let prev = d[0];
      d[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = d[j];
        d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return d[b.length];
  };
  let best: string | undefined;
  let bestD = 3;
  for (const k of Object.keys(table)) {
    const dk = dist(name, k);
    if (dk < bestD) [best, bestD] = [k, dk];
  }
  return best;
}

/**
 * Reads argv against a command's option table. Refused, each as one UsageError line: unknown options, a value option
 * without its value, a flag given a value, an option given twice, any positional argument, and any value its
 * validator rejects. A value may start with '-' (`--lr -1` reads -1, which the range check then refuses), so that
 * negative numbers get the range message rather than a parser complaint. With --help (or -h) anywhere, values are
 * not checked: the caller prints the help.
 */
export function parseOptions<T extends OptionTable>(
  command: string,
  argv: readonly string[],
  table: T,
): OptionValues<T> {
  const seeHelp = `See 'headroom ${command} --help'.`;
  const raw = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--' || !token.startsWith('-') || token === '-') {
      const what = token === '--' ? (argv[i + 1] ?? '--') : token;
      throw new UsageError(
        `${command}: unexpected argument '${what}'; every value follows its --option. ${seeHelp}`,
      );
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const flagText = eq >= 0 ? token.slice(0, eq) : token;
    const hit = lookup(table, flagText);
    if (!hit) {
      const near = flagText.startsWith('--') ? closest(table, flagText.slice(2)) : undefined;
      throw new UsageError(
        `${command}: unknown option '${flagText}'${near ? ` (did you mean --${near}?)` : ''}. ${seeHelp}`,
      );
    }
    const [name, def] = hit;
    if (raw.has(name)) throw new UsageError(`${command}: --${name} is given twice; give it once.`);
    if (def.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} is a switch and takes no value.`);
      raw.set(name, true);
      continue;
    }
    if (eq >= 0) {
      raw.set(name, token.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || (next.startsWith('--') && next.length > 2) || lookup(table, next) !== undefined)
      throw new UsageError(`${command}: --${name} needs a value. ${seeHelp}`);
    raw.set(name, next);
    i++;
  }
  const help = raw.get('help') === true;
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(table)) {
    const v = raw.get(name);
    if (def.kind === 'flag') out[name] = v === true;
    else if (v === undefined || v === true || help) out[name] = undefined;
    else {
      try {
        out[name] = def.parse(v);
      } catch (e) {
        if (e instanceof OptionProblem) throw new UsageError(`${command}: --${name} ${e.message}`);
        throw e;
      }
    }
  }
  return out as OptionValues<T>;
}

/** `--device auto|cpu|cuda` in an option table; resolve it with deviceOption. */
export const DEVICE_OPTION = opt.choice<DeviceChoice>(DEVICE_CHOICES);

/** The names the catalogue options accept, read when a value is checked (the lists live with their folders). */
export const headIds = (): readonly string[] => listHeads().map((h) => h.id);
export const modelIds = (): readonly string[] => listModels().map((m) => m.id);
export const datasetNames = (): readonly string[] => DATASET_NAMES;

/** A head as `--heads` gives it: its id and the parameters that differ from its defaults (checked against it). */
export interface HeadChoice {
  id: string;
  params: Record<string, number>;
}

/**
 * `--heads a,b(name=value,…),…`: ids ('headroom heads' lists them), each with optional parameters in parentheses,
 * checked against the head's declared parameters and ranges. A head may appear once: its runs are stored under its id.
 */
function headList(): ValueOption<HeadChoice[]> {
  return {
    kind: 'value',
    parse(raw) {
      let items: string[];
      try {
        items = parseHeadSpecList(raw);
      } catch (e) {
        throw new OptionProblem(`${(e as Error).message}`);
      }
      if (items.every((s) => s === '')) problem('a comma-separated list', raw);
      if (items.some((s) => s === ''))
        throw new OptionProblem(`has an empty entry in '${raw}'; separate names with single commas.`);
      const out: HeadChoice[] = [];
      for (const item of items) {
        let spec;
        try {
          spec = parseHeadSpec(item);
        } catch (e) {
          throw new OptionProblem((e as Error).message);
        }
        if (!headIds().includes(spec.id))
          throw new OptionProblem(
            `'${spec.id}' matches nothing; use ${headIds().join(', ')} ('headroom heads' lists them).`,
          );
        let choice: HeadChoice;
        try {
          choice = resolveHeadSpec(spec);
        } catch (e) {
          if (e instanceof HeadError) throw new OptionProblem(`'${item}': ${e.message}`);
          throw e;
        }
        if (out.some((h) => h.id === choice.id))
          throw new OptionProblem(
            `lists '${choice.id}' twice; a grid trains each head once (compare other parameters in another --grid).`,
          );
        out.push(choice);
      }
      return out;
    },
  };
}

/**
 * The one default of `--workers` (compare, search, confirm, demo): two worker processes, one libtorch thread each,
 * or one on a single core. Two keeps a small machine responsive and already halves a grid's time.
 */
export function defaultWorkers(): number {
  return Math.min(2, availableParallelism());
}

/** Rows several commands share, so the same option reads and fails the same way everywhere. */
export const common = {
  heads: () => headList(),
  head: () => opt.choice(headIds, "'headroom heads' lists them"),
  models: () => opt.list(modelIds),
  datasets: () => opt.list(datasetNames, "'headroom datasets' lists them"),
  dataset: () => opt.choice(datasetNames, "'headroom datasets' lists them"),
  seeds: () => opt.int({ min: 1, max: 10_000 }),
  /** The first of --seeds seeds: the last one (first + 10,000 at most) stays a 31-bit seed. */
  firstSeed: () => opt.int({ min: 1, max: 2 ** 31 - 10_001 }),
  epochs: () => opt.int({ min: 1, max: 10_000 }),
  trainLimit: (min = 10) => opt.int({ min }),
  evalLimit: () => opt.int({ min: 1 }),
  workers: (min: number) => opt.int({ min, max: maxParallelism }),
  threads: () => opt.int({ min: 1, max: maxParallelism }),
  device: () => DEVICE_OPTION,
  /** `--queue URL` (see queueOption); the command name keeps queueOption's wording. */
  queue: (command: string) => opt.custom((raw) => queueOption(command, raw) as string),
  /** `--population K|auto`: runs that differ only in the head train as one fused model of up to K members. */
  population: () =>
    opt.custom((raw): PopulationChoice => {
      if (raw === 'auto') return 'auto';
      const v = Number(raw);
      if (!Number.isSafeInteger(v) || v < 1 || v > 4096) problem("'auto' or an integer in 1…4096", raw);
      return v;
    }),
} as const;
