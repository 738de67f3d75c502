/**
 * Functional hash (AutoML-Zero style): evaluate on fixed probe batches, round, hash. Expressions that compute the
 * same function (`exp(z) - t` and `-t + exp(z)`, `z * 2` and `z + z`) collide; different functions almost surely
 * do not. It is a heuristic: two functions that agree on every probe value collide, and values that straddle a
 * rounding boundary can, rarely, separate two equivalent forms.
 */
import { createHash } from 'node:crypto';
import type { Expr, ExprType } from './ast.js';
import { evaluate, makeEvalContext, type EvalContext } from './evaluate.js';
import { createRng, randInt, randNormal } from './rng.js';

/** Significant digits kept before hashing. */
export const HASH_DIGITS = 6;
/** Values smaller in magnitude than this hash as 0, so that rounding noise around zero does not split forms. */
export const HASH_ZERO = 1e-9;

const PROBE_SEED = 20170301;

function probe(seed: number, scales: readonly number[], classes: number): EvalContext {
  const rng = createRng(seed);
  const batch = scales.length;
  const z = new Float64Array(batch * classes);
  const y = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < classes; c++) z[b * classes + c] = scales[b]! * randNormal(rng);
    y[b] = randInt(rng, classes);
  }
  return makeEvalContext({ z, y, batch, classes });
}

let probes: readonly EvalContext[] | undefined;

/**
 * The fixed probe batches: B=8, C=10 with logits N(0, s²) at scales 0.1…10 per example, and B=4, C=3 so that
 * expressions that only differ through the class count C (e.g. `10` and `C`) still separate.
 */
export function probeContexts(): readonly EvalContext[] {
  probes ??= [probe(PROBE_SEED, [0.1, 0.3, 1, 1, 2, 3, 5, 10], 10), probe(PROBE_SEED + 1, [0.5, 1, 3, 8], 3)];
  return probes;
}

/** The rounded text form of one value, as hashed. */
export function roundForHash(x: number, digits = HASH_DIGITS): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Math.abs(x) < HASH_ZERO) return '0';
  return Number(x.toPrecision(digits)).toString();
}

/** The canonical text that `functionalHash` digests: type, then the rounded values on each probe batch. */
export function functionalSignature(e: Expr, digits = HASH_DIGITS): string {
  const parts: string[] = [];
  let type: ExprType | undefined;
  for (const ctx of probeContexts()) {
    const r = evaluate(e, ctx);
    type = r.type;
    parts.push(Array.from(r.data, (x) => roundForHash(x, digits)).join(','));
  }
  return `${type}|${parts.join('|')}`;
}

/** sha1 (hex) of `functionalSignature(e)`. Throws ExprError if `e` is ill-typed. */
export function functionalHash(e: Expr, digits = HASH_DIGITS): string {
  return createHash('sha1').update(functionalSignature(e, digits)).digest('hex');
}
