import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultLadder, parseLadder } from '../../src/search/study.js';

test('the default ladder: mlp screen, full-data mlp, then a conv body on the screen-sized subset', () => {
  const l = defaultLadder();
  assert.deepEqual(
    l.map((r) => [r.model, r.trainLimit ?? 'full', r.epochs]),
    [
      ['keras-mlp', 10000, 2],
      ['keras-mlp', 'full', 3],
      ['keras-cnn', 10000, 3],
    ],
  );
  // a small --train-limit keeps every rung small, the upper mlp rung included
  const q = defaultLadder(2000, 'fashion-mnist');
  assert.deepEqual(
    q.map((r) => [r.model, r.trainLimit, r.dataset]),
    [
      ['keras-mlp', 2000, 'fashion-mnist'],
      ['keras-mlp', 20000, 'fashion-mnist'],
      ['keras-cnn', 2000, 'fashion-mnist'],
    ],
  );
});

test('--ladder parses model:trainLimit|full:epochs[:dataset] and rejects malformed rungs', () => {
  assert.deepEqual(parseLadder('keras-mlp:2000:1,keras-cnn:full:2:fashion-mnist'), [
    { model: 'keras-mlp', dataset: 'mnist', epochs: 1, trainLimit: 2000 },
    { model: 'keras-cnn', dataset: 'fashion-mnist', epochs: 2 },
  ]);
  assert.throws(() => parseLadder('keras-mlp:2000'), /keras-mlp:2000/);
  assert.throws(() => parseLadder('keras-mlp:abc:1'), /abc/);
});
