// Bad input must surface as a JS Error naming the op (never a crash), and leave the engine usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cat,
  conv2d,
  crossEntropy,
  cuda,
  liveTensorCount,
  maxPool2d,
  ones,
  scope,
  tensor,
  zeros,
  type DType,
  type Tensor,
} from '../../src/engine/index.js';

test('shape and dtype errors are JS errors naming op, shapes and dtypes', () => {
  scope(() => {
    const a = ones([2, 3]);
    assert.throws(
      () => a.add(ones([4])),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(
          e.message,
          /^add\(float32\[2, 3\], float32\[4\]\): The size of tensor a \(3\) must match/,
        );
        assert.doesNotMatch(e.message, /\n/);
        return true;
      },
    );
    assert.throws(
      () => a.matmul(ones([4, 5])),
      /^Error: matmul\(float32\[2, 3\], float32\[4, 5\]\): .*\(2x3 and 4x5\)/,
    );
    assert.throws(() => crossEntropy(a, ones([2])), /^Error: crossEntropy\(float32\[2, 3\], float32\[2\]\)/);
    assert.throws(() => tensor(new BigInt64Array([1n, 2n])).mean(), /^Error: mean\(int64\[2\]\)/);
    assert.throws(() => a.gather(1, ones([2, 1])), /^Error: gather\(float32\[2, 3\], float32\[2, 1\]\)/);
    assert.throws(() => a.oneHot(3), /^Error: oneHot\(float32\[2, 3\]\)/);
    assert.throws(
      () => a.transpose(0, 1).view([6]),
      /^Error: view\(float32\[3, 2\]\): .*view size is not compatible/,
    );
    assert.throws(() => a.reshape([4, 2]), /^Error: reshape\(float32\[2, 3\]\): shape '\[4, 2\]' is invalid/);
    assert.throws(
      () => conv2d(ones([1, 3, 5, 5]), ones([4, 2, 3, 3])),
      /^Error: conv2d\(float32\[1, 3, 5, 5\], float32\[4, 2, 3, 3\], none\)/,
    );
    assert.throws(() => maxPool2d(ones([1, 1, 2, 2]), 3), /^Error: maxPool2d\(float32\[1, 1, 2, 2\]\)/);
    assert.throws(() => cat([a, ones([2, 2])], 0), /^Error: cat\(/);
    assert.throws(() => a.permute(0), /^Error: permute\(/);
    assert.throws(() => a.sum(5), /^Error: sum\(float32\[2, 3\]\): Dimension out of range/);
  });
});

test('out-of-range indices are errors, not crashes', () => {
  scope(() => {
    const a = ones([2, 3]);
    assert.throws(() => a.select(1, 3), /^Error: select\(float32\[2, 3\]\): .*out of range/);
    assert.throws(() => a.indexSelect(1, tensor(new BigInt64Array([0n, 7n]))), /^Error: indexSelect\(/);
    assert.throws(
      () => a.gather(1, tensor(new BigInt64Array([0n, 5n]), [2, 1])),
      /^Error: gather\(.*out of bounds/,
    );
    assert.throws(
      () => a.scatter(1, tensor(new BigInt64Array([9n, 0n]), [2, 1]), 0),
      /^Error: scatter\(.*out of bounds/,
    );
    assert.throws(
      () => tensor(new BigInt64Array([0n, 4n])).oneHot(3),
      /^Error: oneHot\(int64\[2\]\): Class values must be smaller/,
    );
    assert.throws(
      () => crossEntropy(a, tensor(new BigInt64Array([0n, 3n]))),
      /^Error: crossEntropy\(.*out of bounds/,
    );
    assert.throws(() => a.narrow(1, 2, 5), /^Error: narrow\(/);
    assert.throws(() => a.topk(4, 1), /^Error: topk\(/);
  });
});

test('autograd misuse is an error', () => {
  scope(() => {
    assert.throws(
      () => ones([2]).sum().backward(),
      /^Error: backward\(float32\[\], none\): element 0 of tensors does not require grad/,
    );
    const x = ones([2]).setRequiresGrad(true);
    assert.throws(
      () => x.mul(2).backward(),
      /^Error: backward\(float32\[2\], none\): grad can be implicitly created only for scalar outputs/,
    );
    assert.throws(
      () => tensor(new BigInt64Array([1n])).setRequiresGrad(true),
      /^Error: setRequiresGrad\(int64\[1\]\): Only Tensors of floating point/,
    );
  });
});

test('TS-side checks throw before native: data length, shapes, dtypes, devices, argument types', () => {
  assert.throws(
    () => tensor([1, 2, 3], [2, 2]),
    /^Error: tensor: data has 3 elements but shape \[2, 2\] needs 4$/,
  );
  assert.throws(
    () => tensor(new Float32Array(5), [2, 3]),
    /tensor: data has 5 elements but shape \[2, 3\] needs 6/,
  );
  assert.throws(() => zeros([2, -1]), /zeros: invalid shape \[2, -1\]/);
  assert.throws(() => ones([1.5]), /ones: invalid shape/);
  assert.throws(() => zeros([2], { dtype: 'float16' as DType }), /unknown dtype 'float16'/);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged/);
  scope(() => {
    const a = ones([2]);
    assert.throws(() => a.add({} as Tensor), TypeError);
    assert.throws(() => a.add(null as unknown as Tensor), TypeError);
    assert.throws(() => a.item(), /item\(\): tensor of shape \[2\] has 2 elements, expected 1/);
    assert.throws(() => a.clamp(), /clamp: give at least one of min and max/);
  });
});

test('cuda when unavailable: creation and moves throw clear errors', { skip: cuda.isAvailable() }, () => {
  assert.throws(() => zeros([2], { device: 'cuda' }), /^Error: zeros: CUDA is not available/);
  assert.throws(() => tensor([1], undefined, { device: 'cuda' }), /tensor: CUDA is not available/);
  scope(() => {
    assert.throws(() => ones([2]).toDevice('cuda'), /toDevice: CUDA is not available/);
  });
});

test('a disposed tensor throws on every use; dispose is idempotent', () => {
  const base = liveTensorCount();
  const t = ones([2, 2]);
  const other = ones([2, 2]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  const uses: [string, () => unknown][] = [
    ['add', () => t.add(1)],
    ['add as operand', () => other.add(t)],
    ['shape', () => t.shape],
    ['toFloat32Array', () => t.toFloat32Array()],
    ['grad', () => t.grad],
    ['backward', () => t.backward()],
    ['cat', () => cat([other, t])],
    ['matmul', () => other.matmul(t)],
    ['copy_ source', () => other.copy_(t)],
  ];
  for (const [what, fn] of uses) assert.throws(fn, /^Error: tensor used after dispose\(\)$/, what);
  other.dispose();
  assert.equal(liveTensorCount(), base);
  assert.equal(String(t), 'Tensor(disposed)');
});

test('the engine keeps working after many errors and leaks nothing', () => {
  const base = liveTensorCount();
  scope(() => {
    for (let i = 0; i < 200; i++) {
      assert.throws(() => ones([2, 3]).matmul(ones([2, 3])));
    }
  });
  assert.equal(liveTensorCount(), base);
  assert.equal(
    scope(() => ones([2]).add(1).sum().item()),
    4,
  );
});
