import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listHeads } from '../../src/heads/index.js';
import { computeDeltas, margins } from '../../src/report/delta.js';
import type { DeltaView } from '../../src/report/types.js';

function series(view: DeltaView, head: string, name: string): Map<number, number> {
  return new Map(
    view.points.filter((p) => p.head === head && p.series === name).map((p) => [p.margin, p.delta]),
  );
}

function close(a: number | undefined, b: number, tol: number, what: string): void {
  assert.ok(a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

test('δ shapes match the closed forms of softmax-ce, linear-mse and oland-exp', () => {
  const view = computeDeltas(['softmax-ce', 'linear-mse', 'oland-exp'], new Map());
  assert.deepEqual(view.skipped, []);
  assert.equal(view.reference, 'softmax-ce');
  const C = view.numClasses;
  for (const m of margins([-6, 6]).filter((_, i) => i % 7 === 0)) {
    // z = (m, 0, …, 0), label 0: p_0 = e^m / (e^m + C − 1), p_k = 1 / (e^m + C − 1).
    const denom = Math.exp(m) + C - 1;
    close(
      series(view, 'softmax-ce', 'target').get(m),
      Math.exp(m) / denom - 1,
      1e-5,
      `softmax-ce target at ${m}`,
    );
    close(series(view, 'softmax-ce', 'other class').get(m), 1 / denom, 1e-5, `softmax-ce other at ${m}`);
    close(series(view, 'linear-mse', 'target').get(m), m - 1, 1e-5, `linear-mse target at ${m}`);
    close(series(view, 'linear-mse', 'other class').get(m), 0, 1e-6, `linear-mse other at ${m}`);
    close(series(view, 'oland-exp', 'target').get(m), Math.exp(m) - 1, 1e-5, `oland-exp target at ${m}`);
    close(series(view, 'oland-exp', 'other class').get(m), 1, 1e-5, `oland-exp other at ${m}`);
    // The dashed reference in another head's panel is softmax-ce's δ.
    close(series(view, 'oland-exp', 'softmax-ce target').get(m), Math.exp(m) / denom - 1, 1e-5, 'reference');
  }
  assert.equal(series(view, 'softmax-ce', 'softmax-ce target').size, 0, 'no reference in the baseline panel');
});

test('a head run with other parameters is drawn with them', () => {
  const view = computeDeltas(['oland-exp'], new Map([['oland-exp', { alpha: 0.1 }]]));
  assert.equal(view.heads[0].params.alpha, 0.1);
  const [m, d] = [...series(view, 'oland-exp', 'target').entries()].find(([x]) => Math.abs(x - 2) < 0.1)!;
  close(d, 0.1 * Math.exp(m) - 1, 1e-5, 'α = 0.1');
});

test('every registered head yields finite δ curves; unknown ids are listed, not fatal', () => {
  const ids = listHeads().map((h) => h.id);
  const view = computeDeltas([...ids, 'study#3'], new Map());
  assert.deepEqual(
    view.skipped.map((s) => s.head),
    ['study#3'],
  );
  assert.equal(view.heads.length, ids.length);
  for (const h of view.heads) {
    const target = series(view, h.id, 'target');
    assert.equal(target.size, margins(h.marginRange).length, `${h.id}: every margin finite`);
    // Every head must widen the margin when the target is below the others: gradient descent moves z_y − z_k by
    // −(δ_y − δ_k), so δ_y − δ_k < 0 at m = −0.5. (Not at the far end: taylor-softmax's 1 + z + z²/2 is not monotone
    // and ranks a very negative target first, which its panel shows. logit-norm has δ_y = 0 on this probe: it is
    // scale-invariant and z stays on one ray, so all of its push comes through the other classes.)
    const ms = margins(h.marginRange);
    const m = ms.reduce((best, x) => (Math.abs(x + 0.5) < Math.abs(best + 0.5) ? x : best));
    const dy = target.get(m)!;
    const dk = series(view, h.id, 'other class').get(m)!;
    assert.ok(dy - dk < 0, `${h.id}: δ_y − δ_k at m = ${m} is ${dy - dk}`);
  }
});

test('search candidates are rebuilt from their space and formula', () => {
  const view = computeDeltas(
    ['s#1', 's#2'],
    new Map(),
    'softmax-ce',
    new Map([
      ['s#1', { space: 'delta', expr: 'tanh(z) - t' }],
      ['s#2', { space: 'no-such-space', expr: 'z' }],
    ]),
  );
  assert.deepEqual(
    view.heads.map((h) => [h.id, h.formula]),
    [['s#1', 'δ = tanh(z) - t']],
  );
  assert.equal(view.skipped.length, 1);
  assert.equal(view.skipped[0].head, 's#2');
  for (const [m, d] of series(view, 's#1', 'target')) close(d, Math.tanh(m) - 1, 1e-5, `tanh target at ${m}`);
  for (const [m, d] of series(view, 's#1', 'other class')) close(d, 0, 1e-6, `tanh other at ${m}`);
});
