/**
 * Prints an expression in the text syntax with the fewest parentheses that parse back to the same tree:
 * parse(print(e)) is structurally equal to e for every e (see parse.ts for the grammar it inverts).
 */
import type { Expr } from './ast.js';
import { INFIX_SYMBOL } from './ops.js';

// Binding strength of the form a node prints as; higher binds tighter.
const ADD = 1;
const MUL = 2;
const UNARY = 3;
const POW = 4;
const ATOM = 5;

function precedence(e: Expr): number {
  switch (e.kind) {
    case 'num':
      return e.value < 0 ? UNARY : ATOM;
    case 'var':
    case 'reduce':
      return ATOM;
    case 'unary':
      return e.op === 'neg' ? UNARY : ATOM;
    case 'binary':
      switch (e.op) {
        case 'add':
        case 'sub':
          return ADD;
        case 'mul':
        case 'div':
          return MUL;
        case 'pow':
          return POW;
        default:
          return ATOM; // max(a, b), min(a, b)
      }
  }
}

/** Shortest text that reads back as exactly this double. */
export function formatNumber(x: number): string {
  return String(x);
}

export function print(e: Expr): string {
  return printWith(e, formatNumber);
}

/**
 * The expression's structure with every numeric constant printed as `c`: two candidates with the same skeleton
 * differ only in their constants (a family that evolution's constant perturbation explores). Not parseable.
 */
export function skeleton(e: Expr): string {
  return printWith(e, () => 'c');
}

function printWith(e: Expr, numberText: (x: number) => string): string {
  const wrap = (x: Expr, minPrec: number): string => {
    const s = printWith(x, numberText);
    return precedence(x) < minPrec ? `(${s})` : s;
  };
  const inner = (x: Expr): string => printWith(x, numberText);
  switch (e.kind) {
    case 'num':
      return numberText(e.value);
    case 'var':
      return e.name;
    case 'reduce':
      return `${e.op}(${inner(e.arg)})`;
    case 'unary':
      if (e.op !== 'neg') return `${e.op}(${inner(e.arg)})`;
      // "-2" would read back as the literal −2, so the negation of a non-negative literal needs parentheses.
      if (e.arg.kind === 'num' && e.arg.value >= 0) return `-(${inner(e.arg)})`;
      return `-${wrap(e.arg, UNARY)}`;
    case 'binary': {
      const { op, left, right } = e;
      switch (op) {
        case 'add':
        case 'sub':
          return `${wrap(left, ADD)} ${INFIX_SYMBOL[op]} ${wrap(right, MUL)}`;
        case 'mul':
        case 'div':
          return `${wrap(left, MUL)} ${INFIX_SYMBOL[op]} ${wrap(right, UNARY)}`;
        case 'pow':
          // right-associative; the exponent may be a negation (2^-x)
          return `${wrap(left, ATOM)}^${wrap(right, UNARY)}`;
        default:
          return `${op}(${inner(left)}, ${inner(right)})`;
      }
    }
  }
}
