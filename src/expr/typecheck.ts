import { joinTypes, VAR_TYPES, type Expr, type ExprType } from './ast.js';
import { ExprError } from './errors.js';

const TYPE_WORDS: Readonly<Record<ExprType, string>> = {
  vec: 'a per-class vector (vec, [B, C])',
  row: 'a per-example scalar (row, [B])',
  const: 'a constant (const)',
};

export function describeType(t: ExprType): string {
  return TYPE_WORDS[t];
}

/** The type of `e`; throws ExprError (pointing at the node when it was parsed) if `e` is ill-typed. */
export function inferType(e: Expr): ExprType {
  switch (e.kind) {
    case 'num':
      return 'const';
    case 'var':
      return VAR_TYPES[e.name];
    case 'unary':
      return inferType(e.arg);
    case 'binary':
      return joinTypes(inferType(e.left), inferType(e.right));
    case 'reduce': {
      const t = inferType(e.arg);
      if (t !== 'vec') {
        throw ExprError.at(
          `reduction ${e.op}() needs a per-class vector (vec) but its argument is ${describeType(t)}`,
          e.arg,
        );
      }
      return 'row';
    }
  }
}

/**
 * Space-level check: a δ-rule or an output activation must be a 'vec', a loss a 'row' (one value per example).
 * Returns the inferred type (equal to `expected`) or throws ExprError.
 */
export function typecheck(e: Expr, expected: 'vec' | 'row'): ExprType {
  const t = inferType(e);
  if (t !== expected) {
    throw ExprError.at(`expected ${describeType(expected)} but the expression is ${describeType(t)}`, e);
  }
  return t;
}

/** inferType without throwing: undefined when ill-typed. */
export function tryInferType(e: Expr): ExprType | undefined {
  try {
    return inferType(e);
  } catch (err) {
    if (err instanceof ExprError) return undefined;
    throw err;
  }
}
