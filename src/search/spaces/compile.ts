import { where, type Tensor } from '../../engine/index.js';
import { BINARY_FN, EPS, UNARY_FN } from '../../expr/ops.js';
import type { BinaryOp, Expr, UnaryOp } from '../../expr/index.js';
import type { HeadContext, HeadParams } from '../../heads/index.js';

/**
 * Compiles a candidate-language expression to engine ops. The guards are those of src/expr/ops.ts (the JS evaluator's
 * semantics), so a candidate trains exactly as it evaluates in the filters' reference checks:
 *   log x = ln max(x, ε), √x = √max(x, ε), a ÷ b = a / (b ≥ 0 ? max(b, ε) : min(b, −ε)), pow(a, b) = max(|a|, ε)^b.
 * Row values are [B, 1] so they broadcast against [B, C]; constants stay JS numbers (folded on the host).
 *
 * (src/expr owns the language; this compiler lives here until src/expr ships its own `compile`.)
 */
type Value = Tensor | number;

interface Env {
  z: Tensor;
  t?: Tensor;
  y?: Tensor;
  C: number;
  cache: Map<string, Tensor>;
}

function variable(name: string, env: Env): Value {
  if (name === 'C') return env.C;
  const hit = env.cache.get(name);
  if (hit) return hit;
  let out: Tensor;
  switch (name) {
    case 'z':
      return env.z;
    case 'p':
      out = env.z.softmax(1);
      break;
    case 't':
      if (!env.t) throw new Error("expression reads 't' but no target was given");
      return env.t;
    case 'zy':
      if (!env.y) throw new Error("expression reads 'zy' but no target was given");
      out = env.z.gather(1, env.y.unsqueeze(1));
      break;
    case 'py':
      if (!env.y) throw new Error("expression reads 'py' but no target was given");
      out = (variable('p', env) as Tensor).gather(1, env.y.unsqueeze(1));
      break;
    default:
      throw new Error(`unknown variable '${name}'`);
  }
  env.cache.set(name, out);
  return out;
}

function unaryOp(op: UnaryOp, x: Value): Value {
  if (typeof x === 'number') return UNARY_FN[op](x);
  switch (op) {
    case 'neg':
      return x.neg();
    case 'exp':
      return x.exp();
    case 'log':
      return x.clamp(EPS).log();
    case 'sqrt':
      return x.clamp(EPS).sqrt();
    case 'square':
      return x.square();
    case 'cube':
      return x.mul(x).mul(x);
    case 'abs':
      return x.abs();
    case 'tanh':
      return x.tanh();
    case 'sigmoid':
      return x.sigmoid();
    case 'softplus':
      return x.softplus();
    case 'relu':
      return x.relu();
  }
}

function guard(b: Tensor): Tensor {
  return where(b.ge(0), b.clamp(EPS), b.clamp(undefined, -EPS));
}

function binaryOp(op: BinaryOp, a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return BINARY_FN[op](a, b);
  switch (op) {
    case 'add':
      return typeof a === 'number' ? (b as Tensor).add(a) : a.add(b);
    case 'sub':
      return typeof a === 'number' ? (b as Tensor).neg().add(a) : a.sub(b);
    case 'mul':
      return typeof a === 'number' ? (b as Tensor).mul(a) : a.mul(b);
    case 'div': {
      const den = typeof b === 'number' ? BINARY_FN.div(1, b) : null;
      if (den !== null) return (a as Tensor).mul(den);
      const g = guard(b as Tensor);
      return typeof a === 'number' ? g.reciprocal().mul(a) : a.div(g);
    }
    case 'pow': {
      if (typeof a === 'number') return (b as Tensor).mul(Math.log(Math.max(Math.abs(a), EPS))).exp();
      return a.abs().clamp(EPS).pow(b);
    }
    case 'max':
      return typeof a === 'number' ? (b as Tensor).maximum(a) : a.maximum(b);
    case 'min':
      return typeof a === 'number' ? (b as Tensor).minimum(a) : a.minimum(b);
  }
}

function ev(e: Expr, env: Env): Value {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'var':
      return variable(e.name, env);
    case 'unary':
      return unaryOp(e.op, ev(e.arg, env));
    case 'binary':
      return binaryOp(e.op, ev(e.left, env), ev(e.right, env));
    case 'reduce': {
      const x = ev(e.arg, env);
      if (typeof x === 'number') throw new Error(`${e.op} of a constant`);
      switch (e.op) {
        case 'sum':
          return x.sum(1, true);
        case 'mean':
          return x.mean(1, true);
        case 'max':
          return x.amax(1, true);
        case 'logsumexp':
          return x.logsumexp(1, true);
      }
    }
  }
}

export type Compiled = (ctx: { z: Tensor; t?: Tensor; y?: Tensor; numClasses: number }) => Value;

export function compileExpr(e: Expr): Compiled {
  return (ctx) => ev(e, { z: ctx.z, t: ctx.t, y: ctx.y, C: ctx.numClasses, cache: new Map() });
}

/** An activation a(z) for activationHead: reads z, p and C only. */
export function compileActivation(e: Expr): (z: Tensor, params: HeadParams) => Tensor {
  const f = compileExpr(e);
  return (z) => asVec(f({ z, numClasses: z.shape[1] ?? 1 }), { z });
}

/** A compiled value as [B, C] (δ-rules, activations). */
export function asVec(v: Value, ctx: Pick<HeadContext, 'z'>): Tensor {
  const shape = ctx.z.shape;
  if (typeof v === 'number') return ctx.z.detach().mul(0).add(v);
  if (v.shape.length === 2 && v.shape[1] === shape[1]) return v;
  return v.expand(shape);
}

/** A compiled value as [B] (per-example losses). */
export function asRow(v: Value, ctx: Pick<HeadContext, 'z'>): Tensor {
  if (typeof v === 'number') return ctx.z.detach().sum(1).mul(0).add(v);
  if (v.shape.length === 2) {
    if (v.shape[1] === 1) return v.squeeze(1);
    throw new Error(`a loss must be one value per example, got shape [${v.shape.join(', ')}]`);
  }
  return v;
}
