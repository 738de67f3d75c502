import { zeros, type Tensor } from '../../engine/index.js';
import { compile, type Expr } from '../../expr/index.js';
import type { HeadContext, HeadParams } from '../../heads/index.js';

/** A δ-rule or loss body for the head builders: the expression on the head's context (z, y and its one-hot t). */
export function compileExpr(e: Expr): (ctx: HeadContext) => Tensor {
  const f = compile(e);
  return (ctx) => f({ z: ctx.z, y: ctx.y, t: ctx.t });
}

/** An output activation a(z) for activationHead. It reads z, p and C only, so the labels it is given are never read. */
export function compileActivation(e: Expr): (z: Tensor, params: HeadParams) => Tensor {
  const f = compile(e);
  return (z) => f({ z, y: zeros([z.shape[0]!], { dtype: 'int64' }) });
}
