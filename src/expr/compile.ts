/**
 * Compile an expression to engine ops, so that autograd flows through it (loss search) and δ-rules/activations
 * run on the training device. The guards are those of ops.ts, written with differentiable ops:
 *   log(x) = clamp(x, EPS).log(), sqrt(x) = clamp(x, EPS).sqrt(),
 *   a ÷ b = a / (s · clamp(|b|, EPS)) with s = +1 where b ≥ 0 else −1,  pow(a, b) = clamp(|a|, EPS)^b.
 * Literal-only subtrees (and C) are computed in JS with the same scalar functions as the evaluator.
 */
import { full, scope, type Tensor } from '../engine/index.js';
import type { BinaryOp, Expr, ExprType, ReduceOp, UnaryOp } from './ast.js';
import { BINARY_FN, EPS, UNARY_FN, guardDenominator } from './ops.js';
import { inferType } from './typecheck.js';

export interface CompileInputs {
  /** Logits [B, C] (float). */
  z: Tensor;
  /** Labels [B] (int64). */
  y: Tensor;
  /** One-hot target [B, C] in z's dtype, if the caller already has it (a head context does). */
  t?: Tensor;
}

/**
 * Evaluates the expression on a batch: [B, C] for a vec, [B] for a row or a constant. Intermediates are disposed
 * (the result keeps its autograd graph); the result belongs to the caller's scope.
 */
export type CompiledExpr = (inputs: CompileInputs) => Tensor;

type Val = number | Tensor; // a number is a const-typed value; row tensors are [B, 1] until the end

export function compile(e: Expr): CompiledExpr {
  const type: ExprType = inferType(e); // throws ExprError on ill-typed input, before any tensor work
  return (inputs) =>
    scope(() => {
      const env = new Env(inputs);
      const out = emit(e, env);
      const [B] = inputs.z.shape;
      if (typeof out === 'number') return full([B!], out, { dtype: inputs.z.dtype, device: inputs.z.device });
      return type === 'row' ? out.squeeze(1) : out;
    });
}

class Env {
  private cache = new Map<string, Tensor>();
  readonly classes: number;
  constructor(private readonly inp: CompileInputs) {
    if (inp.z.ndim !== 2) throw new RangeError(`compile: z must be [B, C], got [${inp.z.shape.join(', ')}]`);
    this.classes = inp.z.shape[1]!;
  }
  private memo(key: string, make: () => Tensor): Tensor {
    let t = this.cache.get(key);
    if (t === undefined) {
      t = make();
      this.cache.set(key, t);
    }
    return t;
  }
  z(): Tensor {
    return this.inp.z;
  }
  t(): Tensor {
    return this.inp.t ?? this.memo('t', () => this.inp.y.oneHot(this.classes).to(this.inp.z.dtype));
  }
  p(): Tensor {
    return this.memo('p', () => this.inp.z.softmax(1));
  }
  private index(): Tensor {
    return this.memo('index', () => this.inp.y.reshape([-1, 1]));
  }
  zy(): Tensor {
    return this.memo('zy', () => this.inp.z.gather(1, this.index()));
  }
  py(): Tensor {
    return this.memo('py', () => this.p().gather(1, this.index()));
  }
}

function emit(e: Expr, env: Env): Val {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'var':
      switch (e.name) {
        case 'C':
          return env.classes;
        case 'z':
          return env.z();
        case 't':
          return env.t();
        case 'p':
          return env.p();
        case 'zy':
          return env.zy();
        case 'py':
          return env.py();
      }
    // falls through: the switch above is exhaustive
    case 'unary': {
      const a = emit(e.arg, env);
      return typeof a === 'number' ? UNARY_FN[e.op](a) : unaryT(e.op, a);
    }
    case 'reduce': {
      const a = emit(e.arg, env);
      if (typeof a === 'number') throw new Error(`internal: ${e.op}() of a constant passed the type check`);
      return reduceT(e.op, a);
    }
    case 'binary': {
      const l = emit(e.left, env);
      const r = emit(e.right, env);
      return binaryV(e.op, l, r);
    }
  }
}

function unaryT(op: UnaryOp, a: Tensor): Tensor {
  switch (op) {
    case 'neg':
      return a.neg();
    case 'exp':
      return a.exp();
    case 'log':
      return a.clamp(EPS).log();
    case 'sqrt':
      return a.clamp(EPS).sqrt();
    case 'square':
      return a.square();
    case 'cube':
      return a.square().mul(a);
    case 'abs':
      return a.abs();
    case 'tanh':
      return a.tanh();
    case 'sigmoid':
      return a.sigmoid();
    case 'softplus':
      return a.softplus();
    case 'relu':
      return a.relu();
  }
}

function reduceT(op: ReduceOp, a: Tensor): Tensor {
  switch (op) {
    case 'sum':
      return a.sum(1, true);
    case 'mean':
      return a.mean(1, true);
    case 'max':
      return a.amax(1, true);
    case 'logsumexp':
      return a.logsumexp(1, true);
  }
}

/**
 * The guarded denominator g(b) = s·max(|b|, EPS) with s = +1 where b ≥ 0 (−0 included) and −1 elsewhere: keeps
 * the sign of b, |g(b)| ≥ EPS, NaN stays NaN, and dg/db = 1 where |b| > EPS. s is a constant for autograd.
 */
function guardT(b: Tensor): Tensor {
  const s = b.ge(0).to(b.dtype).mul(2).sub(1);
  return b.abs().clamp(EPS).mul(s);
}

function powBase(a: Tensor): Tensor {
  return a.abs().clamp(EPS);
}

function binaryV(op: BinaryOp, l: Val, r: Val): Val {
  if (typeof l === 'number' && typeof r === 'number') return BINARY_FN[op](l, r);
  if (typeof l === 'number') {
    const b = r as Tensor;
    switch (op) {
      case 'add':
        return b.add(l);
      case 'sub':
        return b.neg().add(l);
      case 'mul':
        return b.mul(l);
      case 'div':
        return guardT(b).reciprocal().mul(l);
      case 'pow':
        // c^b = exp(b · ln max(|c|, EPS))
        return b.mul(Math.log(Math.max(Math.abs(l), EPS))).exp();
      case 'max':
        return b.maximum(l);
      case 'min':
        return b.minimum(l);
    }
  }
  const a = l as Tensor;
  if (typeof r === 'number') {
    switch (op) {
      case 'add':
        return a.add(r);
      case 'sub':
        return a.sub(r);
      case 'mul':
        return a.mul(r);
      case 'div':
        return a.div(guardDenominator(r));
      case 'pow':
        return powBase(a).pow(r);
      case 'max':
        return a.maximum(r);
      case 'min':
        return a.minimum(r);
    }
  }
  const b = r;
  switch (op) {
    case 'add':
      return a.add(b);
    case 'sub':
      return a.sub(b);
    case 'mul':
      return a.mul(b);
    case 'div':
      return a.div(guardT(b));
    case 'pow':
      return powBase(a).pow(b);
    case 'max':
      return a.maximum(b);
    case 'min':
      return a.minimum(b);
  }
}
