// A head named with its parameters in one string, as `--heads` and the programmatic API take it:
// `label-smoothing(epsilon=0.05)`, `bi-tempered(t1=0.5,t2=1.5)`, or a plain id.
import { getHeadFactory } from './index.js';
import { HeadError } from './types.js';

/** A head id and the parameter values given for it (names as written, before they are checked). */
export interface HeadSpecText {
  id: string;
  params: Record<string, number>;
}

// Plain decimal notation only, as the CLI reads every number: no hex, no Infinity, no empty string.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `id` or `id(name=value,…)`; syntax only (see resolveHeadSpec for the check against the head). */
export function parseHeadSpec(text: string): HeadSpecText {
  const s = text.trim();
  const open = s.indexOf('(');
  const id = (open < 0 ? s : s.slice(0, open)).trim();
  if (!ID.test(id)) throw new HeadError(`'${text}' is not a head: write an id, or id(name=value,…).`);
  const params: Record<string, number> = {};
  if (open < 0) return { id, params };
  if (!s.endsWith(')') || s.indexOf('(', open + 1) >= 0 || s.indexOf(')') !== s.length - 1)
    throw new HeadError(`'${text}': parameters go in one pair of parentheses, e.g. ${id}(name=0.1).`);
  const inner = s.slice(open + 1, -1).trim();
  if (inner === '') return { id, params };
  for (const part of inner.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (eq < 0 || !NAME.test(name))
      throw new HeadError(`'${text}': write each parameter as name=value, got '${part.trim()}'.`);
    if (!DECIMAL.test(raw) || !Number.isFinite(Number(raw)))
      throw new HeadError(`'${text}': parameter '${name}' must be a number, got '${raw}'.`);
    if (Object.hasOwn(params, name)) throw new HeadError(`'${text}': parameter '${name}' is given twice.`);
    params[name] = Number(raw);
  }
  return { id, params };
}

/** Splits a comma-separated list of head specs at the commas outside parentheses. */
export function parseHeadSpecList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
    if (depth < 0 || depth > 1)
      throw new HeadError(`'${text}': unbalanced parentheses; write id(name=value,…) for each head.`);
  }
  if (depth !== 0)
    throw new HeadError(`'${text}': unbalanced parentheses; write id(name=value,…) for each head.`);
  out.push(text.slice(start).trim());
  return out;
}

/**
 * Checks a spec against its head and returns the parameters as the run stores them: each name is the head's own
 * (a unique prefix such as `eps` for `epsilon` is accepted and written out), each value passes the head's checks, and
 * values equal to the head's defaults are dropped, so that `label-smoothing(epsilon=0.1)` is the same run, with the
 * same run key, as `label-smoothing`. Unknown heads and parameters throw a HeadError naming what exists.
 */
export function resolveHeadSpec(spec: HeadSpecText): { id: string; params: Record<string, number> } {
  const factory = getHeadFactory(spec.id);
  const names = Object.keys(factory.defaults);
  const full: Record<string, number> = {};
  for (const [given, value] of Object.entries(spec.params)) {
    const matches = names.includes(given) ? [given] : names.filter((n) => n.startsWith(given));
    if (matches.length !== 1) {
      const known =
        names.length === 0
          ? 'it takes no parameters'
          : `its parameters: ${names.map((n) => `${n}=${factory.defaults[n]}`).join(', ')}`;
      throw new HeadError(
        `head '${spec.id}' has ${matches.length === 0 ? 'no' : 'several'} parameter${matches.length === 0 ? '' : 's'} ` +
          `matching '${given}'${matches.length > 1 ? ` (${matches.join(', ')})` : ''}; ${known}.`,
      );
    }
    const name = matches[0]!;
    if (Object.hasOwn(full, name))
      throw new HeadError(`head '${spec.id}': parameter '${name}' is given twice.`);
    full[name] = value;
  }
  factory.create(full); // the head's own range checks (HeadError)
  const params: Record<string, number> = {};
  for (const n of names) if (Object.hasOwn(full, n) && full[n] !== factory.defaults[n]) params[n] = full[n]!;
  return { id: spec.id, params };
}

/** `id` or `id(name=value,…)` with the names in the head's order (the label of a run's head in tables). */
export function formatHeadSpec(id: string, params?: Readonly<Record<string, number>>): string {
  const entries = Object.entries(params ?? {});
  return entries.length === 0 ? id : `${id}(${entries.map(([k, v]) => `${k}=${v}`).join(',')})`;
}
