// scope()/keep()/dispose bookkeeping, the GC backstop, and flat memory over many training-like steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  crossEntropy,
  externalBytes,
  initOptimState,
  disposeOptimState,
  keep,
  liveTensorCount,
  linear,
  manualSeed,
  ones,
  optimStep,
  randint,
  randn,
  rssBytes,
  scope,
  scopeDepth,
  zeros,
  type Tensor,
} from '../../src/engine/index.js';

test('scope disposes intermediates and keeps what the return value reaches', () => {
  const base = liveTensorCount();
  let inner: Tensor[] = [];
  const out = scope(() => {
    const a = ones([2]);
    const b = a.add(1);
    const c = b.mul(2);
    inner = [a, b];
    return { result: c, list: [b.neg(), { deep: c.exp() }], n: 3, map: new Map([['k', a.sub(1)]]) };
  });
  assert.equal(inner[0]!.isDisposed, true);
  assert.equal(inner[1]!.isDisposed, true);
  assert.deepEqual(out.result.toNumbers(), [4, 4]);
  assert.deepEqual(out.list[0] instanceof Object && (out.list[0] as Tensor).toNumbers(), [-2, -2]);
  assert.equal(liveTensorCount(), base + 4);
  out.result.dispose();
  (out.list[0] as Tensor).dispose();
  (out.list[1] as { deep: Tensor }).deep.dispose();
  out.map.get('k')!.dispose();
  assert.equal(liveTensorCount(), base);
});

test('nested scopes hand returned tensors to the parent; keep() exempts from all scopes', () => {
  const base = liveTensorCount();
  let kept: Tensor | undefined;
  let fromInner: Tensor | undefined;
  scope(() => {
    fromInner = scope(() => {
      kept = keep(ones([3]));
      ones([3]);
      assert.equal(scopeDepth(), 2);
      return zeros([3]);
    });
    assert.equal(fromInner.isDisposed, false, 'returned from inner scope: alive in the outer scope');
    return null;
  });
  assert.equal(fromInner!.isDisposed, true, 'not returned from the outer scope: disposed there');
  assert.equal(kept!.isDisposed, false);
  assert.equal(liveTensorCount(), base + 1);
  kept!.dispose();
  assert.equal(liveTensorCount(), base);
  assert.equal(scopeDepth(), 0);
});

test('scope disposes on throw and rejects async functions', async () => {
  const base = liveTensorCount();
  assert.throws(
    () =>
      scope(() => {
        ones([4]).add(1);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(liveTensorCount(), base);
  assert.equal(scopeDepth(), 0);
  assert.throws(() => scope(async () => ones([1])), /scope\(fn\): fn returned a Promise/);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(liveTensorCount(), base);
});

test('liveTensorCount and externalBytes return to baseline after work', () => {
  const base = liveTensorCount();
  const bytes = externalBytes();
  for (let i = 0; i < 50; i++) {
    scope(() => {
      const x = randn([32, 16]).setRequiresGrad(true);
      const y = x
        .matmul(randn([16, 8]))
        .relu()
        .sum();
      y.backward();
      return x.grad!.sum().item();
    });
  }
  const t = zeros([1000]);
  assert.equal(externalBytes(), bytes + 4000, 'a 1000-float tensor is 4000 bytes of external memory');
  const v = t.view([10, 100]);
  assert.equal(externalBytes(), bytes + 4000, 'views are not counted twice');
  v.dispose();
  t.dispose();
  assert.equal(liveTensorCount(), base);
  assert.equal(externalBytes(), bytes);
});

test('GC backstop frees tensors that were never disposed', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const base = liveTensorCount();
  (() => {
    for (let i = 0; i < 200; i++) ones([16]);
  })();
  assert.ok(liveTensorCount() >= base + 200);
  for (let i = 0; i < 50 && liveTensorCount() > base; i++) {
    await new Promise((r) => setTimeout(r, 5));
    gc();
  }
  assert.equal(liveTensorCount(), base);
});

test('memory stays flat over 3000 small training steps', () => {
  manualSeed(0);
  const w1 = keep(randn([64, 32]).mul(0.1).setRequiresGrad(true));
  const w2 = keep(randn([10, 64]).mul(0.1).setRequiresGrad(true));
  const params = [w1, w2];
  const state = initOptimState('adam', params);
  const x = keep(randn([32, 32]));
  const y = keep(randint(0, 10, [32]));
  const step = () =>
    scope(() => {
      const loss = crossEntropy(linear(linear(x, w1).relu(), w2), y);
      loss.backward();
      optimStep.adam(params, null, state, { lr: 1e-3 });
      for (const p of params) p.zeroGrad();
    });
  for (let i = 0; i < 300; i++) step();
  const base = liveTensorCount();
  const rss0 = rssBytes();
  for (let i = 0; i < 3000; i++) step();
  const rss1 = rssBytes();
  assert.equal(liveTensorCount(), base);
  assert.ok(
    rss1 < rss0 * 1.2,
    `RSS grew from ${(rss0 / 2 ** 20).toFixed(1)} to ${(rss1 / 2 ** 20).toFixed(1)} MiB`,
  );
  disposeOptimState(state);
  for (const t of [w1, w2, x, y]) t.dispose();
});
