import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HeadFilter,
  independenceFromZ,
  probeData,
  probeHead,
  targetMargin,
  toyTaskAccuracy,
} from '../../src/search/filters.js';
import { getHead } from '../../src/heads/index.js';
import { getSpace } from '../../src/search/spaces/index.js';
import type { Candidate } from '../../src/search/types.js';
import { ladderIsScaleInvariant, makeStudyConfig } from '../../src/search/study.js';

const never = () => false;
const delta = new HeadFilter(getSpace('delta'));
const deltaNoKnown = new HeadFilter(getSpace('delta'), undefined, false);

function verdict(f: HeadFilter, c: Candidate | string, isDup: (h: string) => boolean = never) {
  return f.check(typeof c === 'string' ? { expr: c } : c, isDup);
}

test('parse and type errors are rejected as parse', () => {
  assert.equal(verdict(delta, 'p -').reason, 'parse');
  assert.equal(verdict(delta, 'sum(z)').reason, 'parse', 'a row where a vec is needed');
  assert.equal(
    verdict(new HeadFilter(getSpace('loss')), 'z - t').reason,
    'parse',
    'a vec where a loss (row) is needed',
  );
});

test('a δ that overflows on the probe batch is rejected as non-finite', () => {
  assert.equal(verdict(delta, 'exp(exp(exp(z))) - t').reason, 'non-finite');
  assert.equal(verdict(new HeadFilter(getSpace('loss')), 'sum(exp(exp(z)))').reason, 'non-finite');
});

test('a δ that lowers the target logit is rejected as wrong-sign', () => {
  // t − p: δ_y − mean_{k≠y} δ_k = (1 − p_y) + (1 − p_y)/(C − 1) > 0 for every example
  assert.equal(verdict(delta, 't - p').reason, 'wrong-sign');
  // loss p_y: ∂/∂z_y = p_y(1 − p_y) > 0 and −p_y p_k elsewhere (z_y itself, a linear loss, is constant-in-z)
  assert.equal(verdict(new HeadFilter(getSpace('loss')), 'py').reason, 'wrong-sign');
  assert.equal(verdict(new HeadFilter(getSpace('loss')), 'zy').reason, 'constant-in-z');
  // a loss that reads z the wrong way round: descent lowers z_y
  assert.equal(verdict(new HeadFilter(getSpace('loss')), 'log(py)').reason, 'wrong-sign');
  // the margin itself, on a hand example: C = 3, y = 0, δ = [−1, 0.5, 1.5] → −1 − 1 = −2
  assert.equal(targetMargin(Float64Array.from([-1, 0.5, 1.5]), Int32Array.from([0]), 3), -2);
});

test('a δ, loss or activation that does not depend on z is rejected as constant-in-z', () => {
  // The examples: δ-rules of the labels alone passed every other filter and were trained (#1 to rung 2).
  for (const e of ['-t', '0.001 - t', 'log(log(sigmoid(t) / (2 * t)))', 't * 3', '-t - tanh(t) - 0.01']) {
    const v = verdict(deltaNoKnown, e);
    assert.equal(v.reason, 'constant-in-z', `${e}: ${JSON.stringify(v)}`);
    assert.match(v.detail ?? '', /does not depend on z/);
  }
  // the same with the known-head table on: the check comes before the duplicate check
  assert.equal(verdict(delta, '-t').reason, 'constant-in-z');
  // a loss of the labels only (δ = 0 everywhere), and an output activation that ignores z
  assert.equal(verdict(new HeadFilter(getSpace('loss')), 'sum(t)').reason, 'constant-in-z');
  assert.equal(verdict(new HeadFilter(getSpace('activation')), 'mse: exp(0 * z)').reason, 'constant-in-z');
  // δ that reads z, however it does it, is not
  for (const e of ['exp(z) - t', 'p - t', 'p - t + 0.001 * z', 'relu(z - p) - t'])
    assert.notEqual(verdict(deltaNoKnown, e).reason, 'constant-in-z', e);
  // The prediction matters too: a head whose δ reads z but whose scores ignore it predicts one class forever.
  const base = probeData();
  const other = { z: base.z.map((v, i) => v + Math.sin(i)), y: base.y };
  const probe = (head: ReturnType<typeof getHead>) =>
    independenceFromZ(head, probeHead(head, 'float64', base), [other]);
  const ce = getHead('softmax-ce');
  assert.equal(probe(ce), undefined);
  assert.match(probe({ ...ce, scores: (z) => z.mul(0) }) ?? '', /prediction does not depend on z/);
});

test('a δ that points the right way on the probe but cannot fit the toy task is rejected as toy-task', () => {
  // δ_y = 0.5 − |z_y|: right direction on the probe (|z_y| is mostly > 0.5 there), but from a small-logit start it
  // drives z_y to −0.5 and leaves the other logits alone, so the linear model does not separate the blobs.
  const v = verdict(deltaNoKnown, 't * (0.5 - abs(zy))');
  assert.equal(v.reason, 'toy-task', JSON.stringify(v));
});

test('good δ-rules pass: exp(z) − t and p − t (known heads aside), 2(p − t) and a loss −p_y', () => {
  for (const e of ['exp(z) - t', 'p - t', '2 * (p - t)', 'p - t + 0.01 * z']) {
    const v = verdict(deltaNoKnown, e);
    assert.equal(v.reason, undefined, `${e}: ${JSON.stringify(v)}`);
    assert.equal(v.duplicateOf, undefined);
    assert.ok(v.hash);
  }
  const v = verdict(new HeadFilter(getSpace('loss'), undefined, false), '-py');
  assert.equal(v.reason, undefined, JSON.stringify(v));
  assert.ok(toyTaskAccuracy(getSpace('delta').toHead({ expr: 'p - t' })) >= 0.9);
});

test('duplicates: of known heads (p − t is softmax-ce) and of earlier trials (by functional hash)', () => {
  assert.match(verdict(delta, 'p - t').duplicateOf ?? '', /softmax-ce/);
  assert.match(verdict(delta, 'exp(z) - t').duplicateOf ?? '', /oland-exp/);
  // the loss form of CE is the same function as the δ form: δ-hashes agree across spaces
  assert.match(verdict(new HeadFilter(getSpace('loss')), '-log(py)').duplicateOf ?? '', /softmax-ce/);
  assert.match(
    verdict(new HeadFilter(getSpace('activation')), 'ce-like: exp(z)').duplicateOf ?? '',
    /softmax-ce/,
  );
  const poly = getSpace('poly');
  assert.match(
    verdict(new HeadFilter(poly), poly.continuous!.fromVector([1, 0, 0, 0])).duplicateOf ?? '',
    /poly1/,
  );
  // within a study: equivalent forms share a hash, different functions do not
  const seen = new Set<string>();
  const a = verdict(deltaNoKnown, '2 * (p - t)', (h) => seen.has(h));
  seen.add(a.hash!);
  assert.equal(a.duplicateOf, undefined);
  const b = verdict(deltaNoKnown, 'p + p - 2 * t', (h) => seen.has(h));
  assert.match(b.duplicateOf ?? '', /earlier trial/);
  const c = verdict(deltaNoKnown, '3 * (p - t)', (h) => seen.has(h));
  assert.equal(c.duplicateOf, undefined);
  assert.notEqual(c.hash, a.hash);
});

test('near-duplicates of known heads: p − sqrt(t) is CE shifted by √EPS, which rounding alone lets through', () => {
  for (const scaleInvariant of [false, true]) {
    const f = new HeadFilter(getSpace('delta'), undefined, true, scaleInvariant);
    const v = verdict(f, 'p - sqrt(t)');
    assert.notEqual(
      v.hash,
      verdict(f, 'p - t').hash,
      'the rounded hashes differ, so only the tolerance catches it',
    );
    assert.match(v.duplicateOf ?? '', /softmax-ce \(within/, `scale-invariant ${scaleInvariant}`);
    // a real change in the function is not within tolerance
    for (const e of ['p - t + 0.01 * z', 'p - 0.99 * t', 'exp(z) - 0.99 * t', 'relu(z - p) - t'])
      assert.equal(verdict(f, e).duplicateOf, undefined, e);
  }
  // a positive multiple of CE is a near-duplicate only when scale does not matter
  assert.match(
    verdict(new HeadFilter(getSpace('delta'), undefined, true, true), '3 * p - 3 * sqrt(t)').duplicateOf ??
      '',
    /softmax-ce/,
  );
  assert.equal(verdict(delta, '1.5 * p - 1.5 * sqrt(t)').duplicateOf, undefined);
});

test('rejections cost milliseconds', () => {
  const f = new HeadFilter(getSpace('delta'));
  f.knownHeads();
  const cheap = ['p -', 'exp(exp(exp(z))) - t', 't - p', 'p - t', 't', 'sigmoid(z) - t'];
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) for (const e of cheap) verdict(f, e);
  const ms = (performance.now() - t0) / (5 * cheap.length);
  // a few ms on an idle core; generous so that a loaded CI machine does not fail it
  assert.ok(ms < 60, `${ms.toFixed(1)} ms per rejection`);
});

test('scale-invariant hash: c·δ (c > 0) is a duplicate under adaptive optimizers, not under SGD', () => {
  const scaled = new HeadFilter(getSpace('delta'), undefined, true, true);
  assert.match(verdict(scaled, '3 * (p - t)').duplicateOf ?? '', /softmax-ce/);
  assert.match(
    verdict(new HeadFilter(getSpace('loss'), undefined, true, true), '-2.5 * log(py)').duplicateOf ?? '',
    /softmax-ce/,
  );
  // the scale is global, not per example: δ scaled per example is a different rule ((1 + py)·(p − t) would be Poly-1)
  assert.equal(verdict(scaled, '(2 - py) * (p - t)').duplicateOf, undefined);
  assert.equal(verdict(delta, '3 * (p - t)').duplicateOf, undefined);
  assert.equal(verdict(new HeadFilter(getSpace('loss')), '-2.5 * log(py)').duplicateOf, undefined);
});

test('new studies hash up to scale exactly when every rung uses an adaptive optimizer', () => {
  assert.equal(
    ladderIsScaleInvariant([{ model: 'keras-mlp', dataset: 'mnist', epochs: 2, trainLimit: 10000 }]),
    true,
  );
  assert.equal(
    ladderIsScaleInvariant([
      { model: 'keras-mlp', dataset: 'mnist', epochs: 2 },
      { model: 'paper-fcn', dataset: 'mnist', epochs: 2 },
    ]),
    false,
  );
  assert.equal(makeStudyConfig({ space: 'delta' }).scaleInvariantHash, true);
});
