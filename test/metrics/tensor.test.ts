import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor } from '../../src/engine/index.js';
import { tensorAccuracy, tensorEce, tensorNll, toLabels, toMatrix } from '../../src/metrics/tensor.js';
import { close } from './helpers.js';

test('tensor wrappers agree with hand-computed values', () => {
  const probs = tensor(new Float32Array([0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7]), [4, 2]);
  const y = tensor(new BigInt64Array([0n, 1n, 1n, 1n]), [4]);
  assert.equal(tensorAccuracy(probs, y), 0.75);
  assert.equal(tensorAccuracy(tensor(new BigInt64Array([0n, 0n, 1n, 1n]), [4]), y), 0.75);
  // With 15 bins each row (confidences 0.9, 0.8, 0.6, 0.7) has a bin to itself, so ECE is the mean per-row gap:
  // right at 0.9 → 0.1, right at 0.8 → 0.2, wrong at 0.6 → 0.6, right at 0.7 → 0.3.
  close(tensorEce(probs, y), (0.1 + 0.2 + 0.6 + 0.3) / 4, 1e-6, 'ECE');
  close(
    tensorNll(probs, y),
    -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.7)) / 4,
    1e-6,
    'NLL',
  );
  const m = toMatrix(tensor(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]));
  assert.deepEqual([m.rows, m.cols, m.data instanceof Float64Array], [2, 3, true]);
  assert.deepEqual(Array.from(toLabels(y)), [0, 1, 1, 1]);
  assert.throws(() => toMatrix(y), /2-D/);
});
