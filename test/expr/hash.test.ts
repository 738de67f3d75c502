import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  KNOWN_EXPRESSIONS,
  createRng,
  evaluate,
  findKnown,
  functionalHash,
  functionalSignature,
  knownExpr,
  makeEvalContext,
  parse,
  print,
  probeContexts,
  randomExpr,
  roundForHash,
  type ExprType,
} from '../../src/expr/index.js';
import { close, randomInputs } from './helpers.js';

const h = (text: string): string => functionalHash(parse(text));

test('equivalent forms collide', () => {
  const pairs: [string, string][] = [
    ['exp(z) - t', '-t + exp(z)'],
    ['z * 2', 'z + z'],
    ['p - t', 'exp(z - logsumexp(z)) - t'],
    ['p', 'exp(z) / sum(exp(z))'],
    ['logsumexp(z) - zy', '-log(py)'],
    ['square(z)', 'z^2'],
    ['square(z)', 'z * z'],
    ['cube(z)', 'z * z * z'],
    ['sigmoid(z)', '1 / (1 + exp(-z))'],
    ['softplus(z)', 'log(1 + exp(z))'],
    ['tanh(z)', '2 * sigmoid(2 * z) - 1'],
    ['mean(z)', 'sum(z) / C'],
    ['relu(z)', 'max(z, 0)'],
    ['abs(z)', 'max(z, -z)'],
    ['abs(z)', 'sqrt(square(z))'],
    ['sum(t * z)', 'zy'],
    ['sum(t * p)', 'py'],
    ['0.001 * cube(z) - t', 'cube(z) / 1000 - t'],
    ['p - t', '(p - t) * sum(t)'],
  ];
  for (const [a, b] of pairs) assert.equal(h(a), h(b), `${a} vs ${b}`);
});

test('different functions do not collide', () => {
  const distinct = [
    'z',
    't',
    'p',
    'relu(z)',
    'abs(z)',
    '-z',
    'z + 0.001',
    'z * 1.00001',
    'exp(z)',
    'sigmoid(z)',
    'tanh(z)',
    'p - t',
    'exp(z) - t',
    'z - t',
    '0.001 * cube(z) - t',
    '0.1 * exp(z) - t',
    'p * t',
    'max(z, t)',
    'min(z, t)',
    'z / C',
    'z / 10', // C = 10 on the first probe but not on the second
    'z - zy',
    'z - mean(z)',
    'z - max(z)',
    'z - logsumexp(z)',
    'log(sigmoid(z))',
    'sqrt(p)',
    'square(p - t)',
  ];
  const seen = new Map<string, string>();
  for (const text of distinct) {
    const k = h(text);
    assert.ok(!seen.has(k), `${text} collides with ${seen.get(k)}`);
    seen.set(k, text);
  }
  // each known expression is distinct from the others of its space
  for (const space of ['delta', 'loss', 'activation'] as const) {
    const ks = KNOWN_EXPRESSIONS.filter((k) => k.space === space);
    const hashes = new Set(ks.map((k) => functionalHash(knownExpr(k))));
    assert.equal(hashes.size, ks.length, space);
  }
});

test('the type is part of the hash', () => {
  // the constant 1, the row py/py and the vec t/t + ... all equal 1 on every entry
  assert.notEqual(h('1'), h('py / py'));
  assert.notEqual(h('py / py'), h('p / p'));
});

test('a collision between random candidates means equal values on a fresh batch', () => {
  const rng = createRng(31);
  const fresh = makeEvalContext(randomInputs(77, 5, 6, 2));
  const groups = new Map<string, string[]>();
  const types: ExprType[] = ['vec', 'row'];
  for (let i = 0; i < 3000; i++) {
    const e = randomExpr(rng, types[i % 2]!, { maxDepth: 4, maxSize: 10 });
    const allFinite = probeContexts().every((ctx) => evaluate(e, ctx).data.every(Number.isFinite));
    if (!allFinite) continue;
    const k = functionalHash(e);
    groups.set(k, [...(groups.get(k) ?? []), print(e)]);
  }
  let collisions = 0;
  for (const members of groups.values()) {
    const ref = evaluate(parse(members[0]!), fresh).data;
    for (const m of members.slice(1)) {
      if (m === members[0]) continue;
      collisions++;
      const other = evaluate(parse(m), fresh).data;
      other.forEach((x, i) =>
        assert.ok(close(x, ref[i]!, 1e-5, 1e-8), `${members[0]} ~ ${m}: ${ref[i]} vs ${x}`),
      );
    }
  }
  assert.ok(collisions > 50, `only ${collisions} non-trivial collisions exercised`);
});

test('the signature is the rounded probe values, and the hash is its sha1', () => {
  const e = parse('z');
  const sig = functionalSignature(e);
  const [type, ...parts] = sig.split('|');
  assert.equal(type, 'vec');
  const ctxs = probeContexts();
  assert.equal(parts.length, ctxs.length);
  parts.forEach((part, j) => {
    const want = Array.from(ctxs[j]!.z, (x) => Number(x.toPrecision(6)).toString());
    assert.deepEqual(part.split(','), want);
  });
  assert.equal(functionalHash(e), createHash('sha1').update(sig).digest('hex'));
  // probes: B=8, C=10 at several scales, and a second batch with another class count
  assert.equal(ctxs[0]!.batch, 8);
  assert.equal(ctxs[0]!.classes, 10);
  assert.notEqual(ctxs[1]!.classes, 10);
});

test('rounding and special values', () => {
  assert.equal(roundForHash(NaN), 'nan');
  assert.equal(roundForHash(Infinity), 'inf');
  assert.equal(roundForHash(-Infinity), '-inf');
  assert.equal(roundForHash(-0), '0');
  assert.equal(roundForHash(1e-12), '0');
  assert.equal(roundForHash(1.23456789), '1.23457');
  assert.equal(roundForHash(-1234567.89), '-1234570');
  assert.equal(roundForHash(1.2345649), '1.23456');
  // an expression that overflows on part of the probe hashes without throwing, and differs from the zero vec
  assert.notEqual(h('0 * exp(1000 * z)'), h('0 * z'));
  assert.equal(h('0 * exp(1000 * z)'), h('exp(1000 * z) * 0'));
});

test('findKnown recognises rediscovered heads', () => {
  assert.deepEqual(
    findKnown(parse('-t + exp(z)'), 'delta').map((k) => k.id),
    ['oland-exp'],
  );
  assert.deepEqual(
    findKnown(parse('-log(py)'), 'loss').map((k) => k.id),
    ['softmax-ce'],
  );
  assert.deepEqual(
    findKnown(parse('exp(z) / sum(exp(z))'), 'activation').map((k) => k.id),
    ['softmax'],
  );
  assert.deepEqual(findKnown(parse('exp(z) - 2 * t'), 'delta'), []);
  assert.deepEqual(findKnown(parse('p - t'), 'activation'), []); // the space is part of the key
});
