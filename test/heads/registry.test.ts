// The registry: the whole catalogue, described; bad ids and parameters are refused with useful messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getHead, HeadError, listHeads } from '../../src/heads/index.js';

const CATALOGUE = [
  'softmax-ce',
  'linear-mse',
  'softmax-mse',
  'oland-exp',
  'oland-pow3',
  'oland-exp-err',
  'oland-pow3-err',
  'sigmoid-bce',
  'hinge',
  'squared-hinge',
  'crammer-singer',
  'label-smoothing',
  'focal',
  'poly1',
  'squentropy',
  'rescaled-square',
  'logit-penalty',
  'logit-norm',
  'taylor-softmax',
  'sparsemax',
  'bi-tempered',
  'baikal',
  'cosine-softmax',
  'am-softmax',
  'arcface',
  'a-softmax',
];

test('the registry holds every catalogue head (≥ 20), each with a title, formula and source', () => {
  const heads = listHeads();
  assert.ok(heads.length >= 20);
  assert.deepEqual(heads.map((h) => h.id).sort(), [...CATALOGUE].sort());
  for (const h of heads) {
    assert.ok(h.title.trim().length > 0, `${h.id}: title`);
    assert.ok(h.formula.trim().length > 10, `${h.id}: formula`);
    assert.ok(/\d{4}/.test(h.source), `${h.id}: source should name a year`);
    const head = h.create();
    assert.equal(head.id, h.id);
    assert.deepEqual(head.params, h.defaults);
    assert.equal(head.kind, h.kind);
    assert.equal(head.outputLayer, h.outputLayer);
    assert.equal(typeof head.delta === 'function', h.kind === 'delta-rule', `${h.id}: delta() iff δ-rule`);
  }
});

test('margin heads own normalised output layers; the rest use a linear one', () => {
  const layers = Object.fromEntries(listHeads().map((h) => [h.id, h.outputLayer]));
  assert.equal(layers['cosine-softmax'], 'cosine');
  assert.equal(layers['am-softmax'], 'cosine');
  assert.equal(layers.arcface, 'cosine');
  assert.equal(layers['a-softmax'], 'normalized-weights');
  assert.equal(layers['softmax-ce'], 'linear');
});

test('the catalogue defaults', () => {
  assert.deepEqual(getHead('oland-exp').params, { alpha: 1, beta: 0 });
  assert.deepEqual(getHead('oland-pow3').params, { alpha: 0.001, beta: 0 });
  assert.deepEqual(getHead('oland-pow3-err').params, { alpha: 1 });
  assert.deepEqual(getHead('oland-exp-err').params, { alpha: 1 });
  assert.equal(getHead('label-smoothing').params.epsilon, 0.1);
  assert.equal(getHead('focal').params.gamma, 2);
  assert.equal(getHead('logit-penalty').params.lambda, 6e-4);
  assert.equal(getHead('logit-norm').params.tau, 0.04);
  assert.deepEqual(getHead('bi-tempered').params, { t1: 0.8, t2: 1.2, iters: 5 });
  assert.deepEqual(getHead('am-softmax').params, { s: 30, m: 0.35 });
  assert.equal(getHead('a-softmax').params.m, 4);
});

test('overrides replace defaults', () => {
  const h = getHead('oland-exp', { alpha: 0.1 });
  assert.deepEqual(h.params, { alpha: 0.1, beta: 0 });
});

test('unknown id → HeadError listing the known ids', () => {
  assert.throws(
    () => getHead('softmax-cee'),
    (e: unknown) =>
      e instanceof HeadError &&
      e.exitCode === 2 &&
      /softmax-cee/.test(e.message) &&
      /oland-exp/.test(e.message),
  );
});

test('unknown or bad parameters → HeadError', () => {
  assert.throws(
    () => getHead('focal', { gama: 1 }),
    (e: unknown) => e instanceof HeadError && /gama/.test(e.message) && /gamma/.test(e.message),
  );
  assert.throws(() => getHead('softmax-ce', { tau: 1 }), /no parameters/);
  assert.throws(() => getHead('focal', { gamma: Number.NaN }), HeadError);
  assert.throws(() => getHead('focal', { gamma: -1 }), HeadError);
  assert.throws(() => getHead('a-softmax', { m: 2.5 }), HeadError);
  assert.throws(() => getHead('bi-tempered', { t2: 0.5 }), HeadError);
  assert.throws(() => getHead('sigmoid-bce', { shiftLogC: 0.5 }), HeadError);
  assert.throws(() => getHead('oland-exp', { alpha: 0 }), HeadError);
});
