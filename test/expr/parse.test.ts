import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExprError,
  binary,
  createRng,
  evaluate,
  exprEquals,
  num,
  parse,
  parseUntyped,
  print,
  randomExpr,
  reduce,
  skeleton,
  unary,
  v,
  type Expr,
} from '../../src/expr/index.js';
import { wildExpr } from './helpers.js';

const constValue = (text: string): number => {
  const r = evaluate(parse(text), { z: [0], y: [0], batch: 1, classes: 1 });
  assert.equal(r.type, 'const');
  return r.data[0]!;
};

test('precedence and associativity follow + − < × ÷ < unary minus < ^', () => {
  assert.equal(constValue('2 + 3 * 4'), 14);
  assert.equal(constValue('2 * 3 + 4'), 10);
  assert.equal(constValue('1 - 2 - 3'), -4);
  assert.equal(constValue('8 / 4 / 2'), 1);
  assert.equal(constValue('-2^2'), -4); // unary minus binds looser than ^
  assert.equal(constValue('2^-1'), 0.5);
  assert.equal(constValue('2^3^2'), 512); // right-associative
  assert.equal(constValue('(2^3)^2'), 64);
  assert.equal(constValue('-3 * 2'), -6);
  assert.equal(constValue('2 * -3'), -6);
  assert.equal(constValue('1 - -1'), 2);
  assert.equal(constValue('--2'), 2);
  assert.equal(constValue('pow(2, 10)'), 1024);
  assert.equal(constValue('max(2, 3) + min(2, 3)'), 5);
});

test('parse builds the expected trees', () => {
  const cases: [string, Expr][] = [
    ['exp(z) - t', binary('sub', unary('exp', v('z')), v('t'))],
    ['-z^2', unary('neg', binary('pow', v('z'), num(2)))],
    ['-2', num(-2)],
    ['-(2)', unary('neg', num(2))],
    ['(-2)^z', binary('pow', num(-2), v('z'))],
    ['-2^z', unary('neg', binary('pow', num(2), v('z')))],
    ['max(z)', reduce('max', v('z'))],
    ['max(z, t)', binary('max', v('z'), v('t'))],
    ['logsumexp(z) - zy', binary('sub', reduce('logsumexp', v('z')), v('zy'))],
    ['1.5e-3 * C', binary('mul', num(0.0015), v('C'))],
    ['z × t ÷ 2 − p', binary('sub', binary('div', binary('mul', v('z'), v('t')), num(2)), v('p'))],
    ['  sum( p *t )', reduce('sum', binary('mul', v('p'), v('t')))],
    ['.5', num(0.5)],
    ['z_y - p_y', binary('sub', v('zy'), v('py'))],
  ];
  for (const [text, want] of cases)
    assert.ok(exprEquals(parse(text), want), `${text} → ${print(parse(text))}`);
});

test('print uses minimal parentheses', () => {
  const cases: [Expr, string][] = [
    [binary('sub', v('z'), binary('sub', v('t'), v('p'))), 'z - (t - p)'],
    [binary('sub', binary('sub', v('z'), v('t')), v('p')), 'z - t - p'],
    [binary('mul', binary('add', v('z'), v('t')), v('p')), '(z + t) * p'],
    [binary('div', v('z'), binary('mul', v('t'), v('p'))), 'z / (t * p)'],
    [binary('pow', binary('pow', v('z'), num(2)), num(3)), '(z^2)^3'],
    [binary('pow', v('z'), binary('pow', num(2), num(3))), 'z^2^3'],
    [unary('neg', unary('neg', v('z'))), '--z'],
    [unary('neg', binary('add', v('z'), v('t'))), '-(z + t)'],
    [binary('mul', unary('neg', v('z')), v('t')), '-z * t'],
    [binary('pow', unary('neg', v('z')), num(2)), '(-z)^2'],
    [binary('pow', v('z'), unary('neg', v('t'))), 'z^-t'],
    [binary('sub', v('z'), num(-1)), 'z - -1'],
    [unary('neg', num(2)), '-(2)'],
    [unary('neg', num(-2)), '--2'],
    [binary('mul', num(0.001), unary('cube', v('z'))), '0.001 * cube(z)'],
  ];
  for (const [e, want] of cases) {
    assert.equal(print(e), want);
    assert.ok(exprEquals(parseUntyped(want), e), want);
  }
});

test('skeleton abstracts the constants, and only the constants', () => {
  const sk = (text: string) => skeleton(parseUntyped(text));
  assert.equal(
    sk('logsumexp(min(max(1.245 + p), square(z - t)))'),
    'logsumexp(min(max(c + p), square(z - t)))',
  );
  assert.equal(
    sk('logsumexp(min(max(2 + p), square(z - t)))'),
    sk('logsumexp(min(max(1.245 + p), square(z - t)))'),
  );
  assert.equal(sk('z - -1'), sk('z - 1'), "a literal's sign belongs to the constant");
  assert.notEqual(
    sk('logsumexp(min(exp(py) / py, square(z - t)))'),
    sk('logsumexp(min(max(2 + p), square(z - t)))'),
  );
  assert.notEqual(sk('min(p - t, z)'), sk('min(p - t, t)'));
  assert.notEqual(sk('2 * z'), sk('2 + z'));
  for (let seed = 0; seed < 500; seed++) {
    const e = wildExpr(createRng(seed), 5);
    if (!/\d/.test(print(e))) assert.equal(skeleton(e), print(e), 'no constants: skeleton is the text');
  }
});

test('parse(print(e)) equals e for arbitrary trees (10000 seeds, ill-typed ones included)', () => {
  for (let seed = 0; seed < 10000; seed++) {
    const e = wildExpr(createRng(seed), 6);
    const text = print(e);
    const back = parseUntyped(text);
    assert.ok(exprEquals(back, e), `seed ${seed}: ${text} read back as ${print(back)}`);
  }
});

test('parse(print(e)) equals e for generated candidates of each type', () => {
  const rng = createRng(7);
  for (let i = 0; i < 3000; i++) {
    const e = randomExpr(rng, i % 3 === 0 ? 'vec' : i % 3 === 1 ? 'row' : 'const', {
      maxDepth: 6,
      maxSize: 25,
    });
    assert.ok(exprEquals(parse(print(e)), e), print(e));
  }
});

test('numbers keep every bit through print and parse', () => {
  const rng = createRng(3);
  for (let i = 0; i < 2000; i++) {
    const x = (rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 40 - 20);
    const back = parseUntyped(print(num(x)));
    assert.equal(back.kind, 'num');
    assert.ok(Object.is((back as { value: number }).value, x === 0 ? 0 : x));
  }
});

/** Parses `text`, expecting an ExprError at `index`; returns it. */
function expectError(text: string, index: number, reason: RegExp, expected?: 'vec' | 'row'): ExprError {
  try {
    parse(text, expected);
  } catch (err) {
    assert.ok(err instanceof ExprError, `${text}: not an ExprError: ${String(err)}`);
    assert.equal(err.index, index, `${text}: index in\n${err.message}`);
    assert.match(err.reason, reason);
    const lines = err.message.split('\n');
    assert.equal(lines.length, 3, err.message);
    assert.equal(lines[1], `  ${text}`);
    assert.equal(lines[2]!.indexOf('^'), index + 2, `caret under index ${index}:\n${err.message}`);
    assert.match(lines[0]!, new RegExp(`at index ${index}$`));
    return err;
  }
  assert.fail(`${text} parsed without error`);
}

test('errors point at the offending position', () => {
  expectError('exp(q) - t', 4, /unknown identifier 'q'/);
  expectError('exp(z - t', 3, /unbalanced parentheses/);
  expectError('(z - t', 0, /unbalanced parentheses.*never closed/);
  expectError('z - t)', 5, /unbalanced parentheses.*no matching/);
  expectError('z + * t', 4, /expected .* but found '\*'/);
  expectError('z +', 3, /ended/);
  expectError('2 z', 2, /missing operator/);
  expectError('exp(z, t)', 0, /exp\(\) takes 1 argument but got 2/);
  expectError('max(z, t, p)', 0, /max\(\) takes 1 argument .* or 2 .* but got 3/);
  expectError('min(z)', 0, /min\(\) takes 2 arguments but got 1/);
  expectError('p + exp()', 4, /exp\(\) takes 1 argument but got 0/);
  expectError('foo(z)', 0, /unknown function 'foo'/);
  expectError('z(1)', 0, /'z' is a variable, not a function/);
  expectError('exp + 1', 0, /'exp' is a function/);
  expectError('z $ t', 2, /unexpected character '\$'/);
  expectError('z + ()', 5, /empty parentheses/);
  expectError('', 0, /empty expression/);
  expectError('z, t', 1, /comma/);
  expectError('1e999 * z', 0, /out of range/);
});

test('type errors point at the offending subexpression', () => {
  expectError('p - sum(zy)', 8, /sum\(\) needs a per-class vector .*per-example scalar/);
  expectError('logsumexp(2 * C)', 10, /logsumexp\(\) needs a per-class vector .* constant/);
  expectError('max(sum(z))', 4, /max\(\) needs a per-class vector/);
  const e = expectError(
    'sum(z) - zy',
    0,
    /expected a per-class vector .* but the expression is a per-example scalar/,
    'vec',
  );
  assert.ok(e.message.split('\n')[2]!.includes('^~~~~~~~~~'), 'the caret underlines the whole expression');
  expectError('p - t', 0, /expected a per-example scalar .* but the expression is a per-class vector/, 'row');
  expectError('2 * C', 0, /expected a per-class vector .* constant/, 'vec');
});

test('very deep nesting is an error, not a stack overflow', () => {
  const deep = '('.repeat(5000) + 'z' + ')'.repeat(5000);
  assert.throws(
    () => parse(deep),
    (err: unknown) => err instanceof ExprError && /nested/.test(err.message),
  );
  const negs = '-'.repeat(5000) + 'z';
  assert.throws(() => parse(negs), ExprError);
});

test('long sources are cut around the error so the caret line stays readable', () => {
  const text = 'z + '.repeat(60) + 'q + ' + 'z + '.repeat(60) + 'z';
  try {
    parse(text);
    assert.fail('parsed');
  } catch (err) {
    assert.ok(err instanceof ExprError);
    assert.equal(err.index, 240);
    const [, src, caret] = err.message.split('\n');
    assert.ok(src!.length < 140);
    assert.equal(src![caret!.indexOf('^')], 'q');
  }
});
