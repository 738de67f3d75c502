// The candidate language for loss / δ-rule / output-activation search: AST, text syntax, type checks,
// simplification, a pure-JS evaluator, the functional hash, random generation and mutation, known heads.
export {
  BINARY_OPS,
  COMMUTATIVE,
  REDUCE_OPS,
  UNARY_OPS,
  VAR_NAMES,
  VAR_TYPES,
  binary,
  children,
  depth,
  exprEquals,
  freeVars,
  getAt,
  joinTypes,
  nodeCount,
  nodesWithPaths,
  num,
  reduce,
  replaceAt,
  typeLeq,
  unary,
  v,
  withChildren,
} from './ast.js';
export type {
  BinaryNode,
  BinaryOp,
  Expr,
  ExprType,
  NodeAt,
  NumNode,
  Path,
  ReduceNode,
  ReduceOp,
  UnaryNode,
  UnaryOp,
  VarName,
  VarNode,
} from './ast.js';
export { ExprError, spanOf } from './errors.js';
export type { Span } from './errors.js';
export { EPS, guardDenominator, safeLog, safePow, safeSqrt } from './ops.js';
export { parse, parseUntyped } from './parse.js';
export { formatNumber, print, skeleton } from './print.js';
export { describeType, inferType, tryInferType, typecheck } from './typecheck.js';
export { finiteSafe, simplify } from './simplify.js';
export { broadcastToVec, evaluate, makeEvalContext } from './evaluate.js';
export type { EvalContext, EvalInputs, EvalResult } from './evaluate.js';
export {
  HASH_DIGITS,
  HASH_ZERO,
  functionalHash,
  functionalSignature,
  probeContexts,
  roundForHash,
} from './hash.js';
export { createRng, pick, pickWeighted, randInt, randNormal } from './rng.js';
export type { Rng } from './rng.js';
export {
  DEFAULT_CONSTANTS,
  MUTATION_KINDS,
  crossover,
  mutate,
  mutateConstant,
  mutateDelete,
  mutateInsert,
  mutatePoint,
  mutateSubtree,
  randomExpr,
} from './random.js';
export type { GenOptions, MutateOptions, MutationKind } from './random.js';
export { KNOWN_EXPRESSIONS, findKnown, knownExpr, spaceType } from './known.js';
export type { KnownExpression, Space } from './known.js';
export { compile } from './compile.js';
export type { CompileInputs, CompiledExpr } from './compile.js';
