import { parseArgs as nodeParseArgs } from 'node:util';
import type { Device } from '../engine/index.js';
import { DEVICE_CHOICES, resolveDevice, type DeviceChoice } from '../exec/index.js';

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
export function deviceOption(command: string, raw: string | undefined): Device {
  const choice = raw ?? 'auto';
  if (!(DEVICE_CHOICES as readonly string[]).includes(choice))
    throw new UsageError(`${command}: --device must be auto, cpu or cuda, got '${choice}'.`);
  try {
    return resolveDevice(choice as DeviceChoice);
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
}

/** `--eval-limit N`: validation examples evaluated each epoch (the final test evaluation stays full). */
export function evalLimitOption(command: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : intOption(command, 'eval-limit', raw, 0, 1);
}
