import {
  crossover as crossoverExpr,
  ExprError,
  freeVars,
  mutate as mutateExpr,
  parse,
  print,
  randomExpr,
  simplify,
  type Expr,
  type GenOptions,
  type VarName,
} from '../../expr/index.js';
import type { Rng } from '../rng.js';
import { CandidateError, type Candidate, type Space } from '../types.js';
import type { Head } from '../../heads/index.js';
import { compileExpr } from './compile.js';

/** Generation limits shared by the structural spaces: small trees, as in GLO / AutoLoss-Zero's early generations. */
export const GEN: GenOptions = { maxDepth: 5, maxSize: 14 };

/**
 * simplify(), unless it introduces a variable the space forbids: it keeps a vec-typed zero as `0 * t`, which an
 * output activation may not read (z − z would become 0 * t).
 */
function simplified(e: Expr, vars?: readonly VarName[]): Expr {
  const s = simplify(e);
  if (vars && [...freeVars(s)].some((v) => !vars.includes(v))) return e;
  return s;
}

/** Parses and canonicalises (simplify, then print) an expression of the given type; CandidateError on failure. */
export function canonicalExpr(
  text: string,
  type: 'vec' | 'row',
  vars?: readonly VarName[],
): { expr: Expr; text: string } {
  let e: Expr;
  try {
    e = parse(text, type);
  } catch (err) {
    if (err instanceof ExprError) throw new CandidateError(err.message);
    throw err;
  }
  const s = simplified(e, vars);
  return { expr: s, text: print(s) };
}

/**
 * Structural operators over one typed expression, with canonical printing. Every result is simplified, so that
 * the evolution's population and the duplicate filter see canonical forms.
 */
export class ExprOps {
  constructor(
    readonly type: 'vec' | 'row',
    readonly gen: GenOptions,
  ) {}

  private out(e: Expr): string {
    return print(simplified(e, this.gen.vars));
  }

  sample(rng: Rng): string {
    return this.out(randomExpr(rng, this.type, this.gen));
  }

  mutate(text: string, rng: Rng): string {
    const e = canonicalExpr(text, this.type, this.gen.vars).expr;
    return this.out(mutateExpr(e, rng, this.gen).expr);
  }

  crossover(a: string, b: string, rng: Rng): string {
    const va = canonicalExpr(a, this.type, this.gen.vars).expr;
    const vb = canonicalExpr(b, this.type, this.gen.vars).expr;
    return this.out(crossoverExpr(va, vb, rng, this.gen));
  }
}

/** Variables an output activation may read: a(z) must not see the label. */
export const ACTIVATION_VARS: readonly VarName[] = ['z', 'p', 'C'];

export function plain(text: string): Candidate {
  return { expr: text };
}

/**
 * A structural space of one expression type, whose candidates become heads through `build` (the δ-rule or the loss
 * head builder): the delta and loss spaces differ only in the type, the builder and the wording.
 */
export function expressionSpace(spec: {
  name: 'delta' | 'loss';
  type: 'vec' | 'row';
  title: string;
  /** What the expression is called in formulas: 'δ' or 'L'. */
  symbol: string;
  build: (
    id: string,
    f: ReturnType<typeof compileExpr>,
    meta: { title: string; formula: string; source: string },
  ) => Head;
}): Space {
  const ops = new ExprOps(spec.type, GEN);
  return {
    name: spec.name,
    kind: 'structural',
    title: spec.title,
    sample: (rng: Rng) => plain(ops.sample(rng)),
    mutate: (c: Candidate, rng: Rng) => plain(ops.mutate(c.expr, rng)),
    crossover: (a: Candidate, b: Candidate, rng: Rng) => plain(ops.crossover(a.expr, b.expr, rng)),
    validate: (c: Candidate) => plain(canonicalExpr(c.expr, spec.type).text),
    toHead(c: Candidate, id = `${spec.name}-candidate`): Head {
      const { expr, text } = canonicalExpr(c.expr, spec.type);
      const formula = `${spec.symbol} = ${text}`;
      return spec.build(id, compileExpr(expr), {
        title: formula,
        formula,
        source: `headroom search (${spec.name} space)`,
      });
    },
    describe: (c: Candidate) => `${spec.symbol} = ${c.expr}`,
  };
}
