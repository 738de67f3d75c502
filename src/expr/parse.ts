/**
 * Text syntax. Precedence, loosest first:  + −   <   × ÷   <   unary −   <   ^  (right-associative).
 *
 *   expr    := mul (('+' | '-') mul)*
 *   mul     := unary (('*' | '/') unary)*
 *   unary   := '-' unary | power
 *   power   := primary ('^' unary)?          so 2^-1 and 2^3^2 = 2^(3^2) work, and -z^2 = -(z^2)
 *   primary := number | variable | name '(' expr (',' expr)* ')' | '(' expr ')'
 *
 * A minus sign directly in front of a number token is part of the literal (`-2` is the number −2), unless the
 * number is the base of ^ (`-2^2` is −(2²)) or is parenthesised (`-(2)` is neg applied to 2). The printer relies
 * on this to print every tree back unambiguously.
 *
 * Names: variables z t p zy py C (z_y and p_y are accepted for zy and py); calls exp log sqrt square cube abs tanh sigmoid softplus relu neg (1 argument),
 * sum mean logsumexp (1 argument, reduce over classes), max (1 argument: reduction; 2: elementwise), min and
 * pow (2 arguments; pow(a, b) is a^b). The Unicode signs − × ÷ are accepted for - * /.
 */
import { binary, num, reduce, unary, v, VAR_TYPES, type Expr, type UnaryOp, type VarName } from './ast.js';
import { ExprError, setSpan } from './errors.js';
import { BINARY_CALL_NAMES, REDUCE_NAMES, UNARY_NAMES } from './ops.js';
import { inferType, typecheck } from './typecheck.js';

type TokKind = 'num' | 'ident' | 'op' | 'lparen' | 'rparen' | 'comma' | 'end';

interface Token {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

const MAX_NESTING = 256;

/** The catalogue writes z_y and p_y; they read as zy and py (and print back as those). */
const ALIASES: Readonly<Record<string, VarName>> = { z_y: 'zy', p_y: 'py' };

function tokenize(src: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9.]/.test(ch)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      if (m === null) throw new ExprError(`malformed number`, { index: i, source: src });
      i += m[0].length;
      toks.push({ kind: 'num', text: m[0], start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      i += m[0].length;
      toks.push({ kind: 'ident', text: m[0], start, end: i });
      continue;
    }
    const sym = ch === '−' ? '-' : ch === '×' ? '*' : ch === '÷' ? '/' : ch;
    i++;
    if ('+-*/^'.includes(sym)) toks.push({ kind: 'op', text: sym, start, end: i });
    else if (sym === '(') toks.push({ kind: 'lparen', text: sym, start, end: i });
    else if (sym === ')') toks.push({ kind: 'rparen', text: sym, start, end: i });
    else if (sym === ',') toks.push({ kind: 'comma', text: sym, start, end: i });
    else throw new ExprError(`unexpected character '${ch}'`, { index: start, source: src });
  }
  toks.push({ kind: 'end', text: '', start: src.length, end: src.length });
  return toks;
}

class Parser {
  private pos = 0;
  private nesting = 0;
  /** Number nodes made straight from a number token (no parentheses, no sign): a leading '-' folds into them. */
  private readonly bare = new WeakSet<Expr>();
  private readonly starts = new WeakMap<Expr, number>();
  private readonly ends = new WeakMap<Expr, number>();

  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private next(): Token {
    return this.toks[this.pos++]!;
  }
  private fail(reason: string, tok: Token): never {
    throw new ExprError(reason, {
      index: tok.start,
      length: Math.max(1, tok.end - tok.start),
      source: this.src,
    });
  }
  private mark<T extends Expr>(e: T, start: number, end: number): T {
    this.starts.set(e, start);
    this.ends.set(e, end);
    setSpan(e, { start, end, source: this.src });
    return e;
  }
  private startOf(e: Expr): number {
    return this.starts.get(e)!;
  }
  private endOf(e: Expr): number {
    return this.ends.get(e)!;
  }

  parseAll(): Expr {
    if (this.peek().kind === 'end') {
      throw new ExprError('empty expression', { index: 0, source: this.src });
    }
    const e = this.parseAdditive();
    const tok = this.peek();
    if (tok.kind === 'rparen') this.fail("unbalanced parentheses: this ')' has no matching '('", tok);
    if (tok.kind !== 'end') this.unexpected(tok, 'an operator or the end of the expression');
    return e;
  }

  private unexpected(tok: Token, wanted: string): never {
    if (tok.kind === 'end') this.fail(`expected ${wanted} but the expression ended`, tok);
    if (tok.kind === 'comma') this.fail(`unexpected ',' (a comma only separates function arguments)`, tok);
    const hint =
      tok.kind === 'num' || tok.kind === 'ident' || tok.kind === 'lparen' ? ' (missing operator?)' : '';
    this.fail(`expected ${wanted} but found '${tok.text}'${hint}`, tok);
  }

  private parseAdditive(): Expr {
    let left = this.parseMul();
    for (;;) {
      const tok = this.peek();
      if (tok.kind !== 'op' || (tok.text !== '+' && tok.text !== '-')) return left;
      this.next();
      const right = this.parseMul();
      left = this.mark(
        binary(tok.text === '+' ? 'add' : 'sub', left, right),
        this.startOf(left),
        this.endOf(right),
      );
    }
  }

  private parseMul(): Expr {
    let left = this.parseUnary();
    for (;;) {
      const tok = this.peek();
      if (tok.kind !== 'op' || (tok.text !== '*' && tok.text !== '/')) return left;
      this.next();
      const right = this.parseUnary();
      left = this.mark(
        binary(tok.text === '*' ? 'mul' : 'div', left, right),
        this.startOf(left),
        this.endOf(right),
      );
    }
  }

  private parseUnary(): Expr {
    const tok = this.peek();
    if (tok.kind === 'op' && tok.text === '-') {
      this.next();
      this.enter(tok);
      const arg = this.parseUnary();
      this.nesting--;
      if (arg.kind === 'num' && this.bare.has(arg))
        return this.mark(num(-arg.value), tok.start, this.endOf(arg));
      return this.mark(unary('neg', arg), tok.start, this.endOf(arg));
    }
    return this.parsePower();
  }

  private parsePower(): Expr {
    const base = this.parsePrimary();
    const tok = this.peek();
    if (tok.kind !== 'op' || tok.text !== '^') return base;
    this.next();
    this.enter(tok);
    const exponent = this.parseUnary();
    this.nesting--;
    return this.mark(binary('pow', base, exponent), this.startOf(base), this.endOf(exponent));
  }

  private enter(tok: Token): void {
    if (++this.nesting > MAX_NESTING)
      this.fail(`expression nested more than ${MAX_NESTING} levels deep`, tok);
  }

  private parsePrimary(): Expr {
    const tok = this.next();
    switch (tok.kind) {
      case 'num': {
        const value = Number(tok.text);
        if (!Number.isFinite(value)) this.fail(`number '${tok.text}' is out of range`, tok);
        const e = this.mark(num(value), tok.start, tok.end);
        this.bare.add(e);
        return e;
      }
      case 'lparen': {
        this.enter(tok);
        if (this.peek().kind === 'rparen') this.fail('empty parentheses', this.peek());
        const inner = this.parseAdditive();
        const close = this.peek();
        if (close.kind !== 'rparen') {
          if (close.kind === 'end') this.fail("unbalanced parentheses: this '(' is never closed", tok);
          this.unexpected(close, "')'");
        }
        this.next();
        this.nesting--;
        this.bare.delete(inner); // -(2) is neg(2), not the literal −2
        return inner;
      }
      case 'ident':
        return this.peek().kind === 'lparen' ? this.parseCall(tok) : this.parseVariable(tok);
      default:
        this.unexpected(tok, 'a number, a variable, a function call or (');
    }
  }

  private parseVariable(tok: Token): Expr {
    const name = ALIASES[tok.text] ?? tok.text;
    if (Object.hasOwn(VAR_TYPES, name)) return this.mark(v(name as VarName), tok.start, tok.end);
    if (isFunctionName(name)) this.fail(`'${name}' is a function: call it as ${name}(...)`, tok);
    this.fail(`unknown identifier '${name}' (variables: z, t, p, zy, py, C)`, tok);
  }

  private parseCall(nameTok: Token): Expr {
    const name = nameTok.text;
    if (!isFunctionName(name)) {
      if (Object.hasOwn(VAR_TYPES, name)) this.fail(`'${name}' is a variable, not a function`, nameTok);
      this.fail(`unknown function '${name}'`, nameTok);
    }
    const open = this.next();
    this.enter(open);
    const args: Expr[] = [];
    if (this.peek().kind === 'rparen') {
      this.next();
    } else {
      for (;;) {
        args.push(this.parseAdditive());
        const tok = this.peek();
        if (tok.kind === 'comma') {
          this.next();
          continue;
        }
        if (tok.kind === 'rparen') {
          this.next();
          break;
        }
        if (tok.kind === 'end')
          this.fail(`unbalanced parentheses: the '(' of ${name}( is never closed`, open);
        this.unexpected(tok, "',' or ')'");
      }
    }
    this.nesting--;
    const end = this.toks[this.pos - 1]!.end;
    const arityFail = (expected: string): never =>
      this.fail(
        `${name}() takes ${expected} but got ${args.length}`,
        // point at the whole call so the caret underlines the arguments too
        { kind: 'ident', text: name, start: nameTok.start, end },
      );
    let e: Expr;
    if (name === 'max') {
      if (args.length === 1) e = reduce('max', args[0]!);
      else if (args.length === 2) e = binary('max', args[0]!, args[1]!);
      else arityFail('1 argument (reduction over classes) or 2 (elementwise)');
    } else if (BINARY_CALL_NAMES.has(name)) {
      if (args.length !== 2) arityFail('2 arguments');
      e = binary(name as 'min' | 'pow', args[0]!, args[1]!);
    } else if (REDUCE_NAMES.has(name)) {
      if (args.length !== 1) arityFail('1 argument');
      e = reduce(name as 'sum' | 'mean' | 'logsumexp', args[0]!);
    } else {
      if (args.length !== 1) arityFail('1 argument');
      e = unary(name as UnaryOp, args[0]!);
    }
    return this.mark(e!, nameTok.start, end);
  }
}

function isFunctionName(name: string): boolean {
  return name === 'neg' || UNARY_NAMES.has(name) || REDUCE_NAMES.has(name) || BINARY_CALL_NAMES.has(name);
}

/**
 * Parses and type-checks `text`. With `expected`, also checks the space-level type ('vec' for δ-rules and
 * activations, 'row' for losses). Throws ExprError with the position on any problem.
 */
export function parse(text: string, expected?: 'vec' | 'row'): Expr {
  const e = new Parser(text, tokenize(text)).parseAll();
  if (expected === undefined) inferType(e);
  else typecheck(e, expected);
  return e;
}

/** Parses without type-checking (for tools that want to report type errors separately). */
export function parseUntyped(text: string): Expr {
  return new Parser(text, tokenize(text)).parseAll();
}
