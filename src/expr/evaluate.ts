/**
 * Pure-JS evaluator on Float64Array: no native dependency, deterministic, fast enough for filters and the
 * functional hash. Semantics (including the guards) are those of ops.ts; the engine compiler mirrors them.
 */
import type { Expr, ExprType } from './ast.js';
import { ExprError } from './errors.js';
import { BINARY_FN, REDUCE_FN, UNARY_FN } from './ops.js';

export interface EvalInputs {
  /** Logits, row-major [batch, classes]. */
  z: ArrayLike<number>;
  /** Labels in 0..classes-1, length batch. */
  y: ArrayLike<number>;
  batch: number;
  classes: number;
}

/** Inputs with p, t, zy, py precomputed; reuse one context to evaluate many expressions on the same batch. */
export interface EvalContext {
  readonly batch: number;
  readonly classes: number;
  readonly z: Float64Array;
  readonly y: Int32Array;
  readonly t: Float64Array;
  readonly p: Float64Array;
  readonly zy: Float64Array;
  readonly py: Float64Array;
}

/**
 * A value of type `type`: `data` has batch×classes entries (row-major) for 'vec', batch for 'row', 1 for 'const'.
 */
export interface EvalResult {
  readonly type: ExprType;
  readonly data: Float64Array;
}

export function makeEvalContext(inputs: EvalInputs): EvalContext {
  const { batch: B, classes: C } = inputs;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(C) || C < 1) {
    throw new RangeError(`batch and classes must be positive integers, got ${B} and ${C}`);
  }
  if (inputs.z.length !== B * C) throw new RangeError(`z has ${inputs.z.length} values, expected ${B}×${C}`);
  if (inputs.y.length !== B) throw new RangeError(`y has ${inputs.y.length} labels, expected ${B}`);
  const z = Float64Array.from(inputs.z);
  const y = Int32Array.from(inputs.y);
  const t = new Float64Array(B * C);
  const p = new Float64Array(B * C);
  const zy = new Float64Array(B);
  const py = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const label = y[b]!;
    if (!Number.isInteger(label) || label < 0 || label >= C) {
      throw new RangeError(`label ${inputs.y[b]} at ${b} is outside 0..${C - 1}`);
    }
    const off = b * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[off + c]!);
    let s = 0;
    for (let c = 0; c < C; c++) {
      const e = Math.exp(z[off + c]! - m);
      p[off + c] = e;
      s += e;
    }
    for (let c = 0; c < C; c++) p[off + c]! /= s;
    t[off + label] = 1;
    zy[b] = z[off + label]!;
    py[b] = p[off + label]!;
  }
  return { batch: B, classes: C, z, y, t, p, zy, py };
}

function isContext(x: EvalInputs | EvalContext): x is EvalContext {
  return 'p' in x && x.p instanceof Float64Array;
}

/** Evaluates `e` on a batch. Throws ExprError if `e` is ill-typed (a reduction of a non-vec). */
export function evaluate(e: Expr, inputs: EvalInputs | EvalContext): EvalResult {
  const ctx = isContext(inputs) ? inputs : makeEvalContext(inputs);
  return ev(e, ctx);
}

function ev(e: Expr, ctx: EvalContext): EvalResult {
  switch (e.kind) {
    case 'num':
      return { type: 'const', data: Float64Array.of(e.value) };
    case 'var':
      switch (e.name) {
        case 'C':
          return { type: 'const', data: Float64Array.of(ctx.classes) };
        case 'zy':
        case 'py':
          return { type: 'row', data: ctx[e.name] };
        default:
          return { type: 'vec', data: ctx[e.name] };
      }
    case 'unary': {
      const a = ev(e.arg, ctx);
      const f = UNARY_FN[e.op];
      const out = new Float64Array(a.data.length);
      for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!);
      return { type: a.type, data: out };
    }
    case 'reduce': {
      const a = ev(e.arg, ctx);
      if (a.type !== 'vec') throw ExprError.at(`reduction ${e.op}() needs a per-class vector (vec)`, e);
      const f = REDUCE_FN[e.op];
      const { batch: B, classes: C } = ctx;
      const out = new Float64Array(B);
      for (let b = 0; b < B; b++) out[b] = f(a.data, b * C, C);
      return { type: 'row', data: out };
    }
    case 'binary': {
      const l = ev(e.left, ctx);
      const r = ev(e.right, ctx);
      return broadcastBinary(BINARY_FN[e.op], l, r, ctx.classes);
    }
  }
}

function broadcastBinary(
  f: (a: number, b: number) => number,
  l: EvalResult,
  r: EvalResult,
  C: number,
): EvalResult {
  const ld = l.data;
  const rd = r.data;
  if (l.type === r.type) {
    const out = new Float64Array(ld.length);
    for (let i = 0; i < out.length; i++) out[i] = f(ld[i]!, rd[i]!);
    return { type: l.type, data: out };
  }
  const type: ExprType = l.type === 'vec' || r.type === 'vec' ? 'vec' : 'row';
  const n = Math.max(ld.length, rd.length);
  const out = new Float64Array(n);
  // index of element i of the result in an operand of the given type
  const idx = (t: ExprType, i: number): number => (t === type ? i : t === 'const' ? 0 : Math.floor(i / C));
  for (let i = 0; i < n; i++) out[i] = f(ld[idx(l.type, i)]!, rd[idx(r.type, i)]!);
  return { type, data: out };
}

/** Expands a result to [batch, classes] (row values repeat across classes, a const everywhere). */
export function broadcastToVec(r: EvalResult, batch: number, classes: number): Float64Array {
  if (r.type === 'vec') return r.data;
  const out = new Float64Array(batch * classes);
  for (let i = 0; i < out.length; i++)
    out[i] = r.type === 'const' ? r.data[0]! : r.data[Math.floor(i / classes)]!;
  return out;
}
