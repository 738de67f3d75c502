// Op values against hand-computed / independently computed (plain JS loops) results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adaptiveAvgPool2d,
  arange,
  avgPool2d,
  batchNorm,
  cat,
  conv2d,
  crossEntropy,
  cuda,
  dropout,
  eye,
  full,
  getNumThreads,
  linear,
  manualSeed,
  maxPool2d,
  mseLoss,
  noGrad,
  ones,
  rand,
  randint,
  randn,
  randperm,
  scope,
  setNumThreads,
  stack,
  tensor,
  where,
  zeros,
} from '../../src/engine/index.js';
import { assertClose, uniform } from './helpers.js';

const f64 = (data: ArrayLike<number>, shape: number[]) =>
  tensor(Float64Array.from(data), shape, { dtype: 'float64' });

test('creation: dtypes from typed arrays and options', () => {
  scope(() => {
    assert.equal(tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.equal(tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(tensor(new BigInt64Array([1n, 2n])).dtype, 'int64');
    const wide = tensor(new Int32Array([-3, 2147483647]));
    assert.equal(wide.dtype, 'int64');
    assert.deepEqual(Array.from(wide.toInt64Array()), [-3n, 2147483647n]);
    assert.equal(tensor(new Uint8Array([0, 255])).dtype, 'uint8');
    assert.equal(tensor([1, 2, 3]).dtype, 'float32');
    assert.equal(tensor([1, 2, 3], undefined, { dtype: 'int64' }).dtype, 'int64');
    assert.deepEqual(tensor([0, 2, 0], undefined, { dtype: 'bool' }).toNumbers(), [0, 1, 0]);
    // float64 data keeps its precision; float32 rounds
    assert.equal(tensor([0.1], [1], { dtype: 'float64' }).item(), 0.1);
    assert.equal(tensor([0.1]).item(), Math.fround(0.1));
    const nested = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(nested.shape, [2, 3]);
    assert.deepEqual(nested.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const s = tensor(7);
    assert.deepEqual(s.shape, []);
    assert.equal(s.ndim, 0);
    assert.equal(s.item(), 7);
    assert.equal(s.toArray(), 7);
    assert.deepEqual(tensor(new Float32Array(6), [2, 3]).shape, [2, 3]);
    // data is copied: later writes to the source do not show
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 9;
    assert.equal(t.toFloat32Array()[0], 1);
  });
});

test('creation: factories', () => {
  scope(() => {
    assert.deepEqual(zeros([2, 2]).toNumbers(), [0, 0, 0, 0]);
    assert.deepEqual(ones([3], { dtype: 'int64' }).toNumbers(), [1, 1, 1]);
    assert.deepEqual(full([2], 2.5).toNumbers(), [2.5, 2.5]);
    assert.deepEqual(eye(3).toNumbers(), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const a = arange(4);
    assert.equal(a.dtype, 'float32');
    assert.deepEqual(a.toNumbers(), [0, 1, 2, 3]);
    assert.deepEqual(arange(1, 2, 0.25).toNumbers(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(arange(5, 0, -2, { dtype: 'int64' }).toNumbers(), [5, 3, 1]);
    const ri = randint(-2, 3, [1000]);
    assert.equal(ri.dtype, 'int64');
    const rv = ri.toNumbers();
    assert.ok(rv.every((v) => Number.isInteger(v) && v >= -2 && v < 3));
    assert.equal(new Set(rv).size, 5);
    const p = randperm(50);
    assert.equal(p.dtype, 'int64');
    assert.deepEqual(
      p.toNumbers().sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
    const r = rand([20000]).toNumbers();
    assert.ok(r.every((v) => v >= 0 && v < 1));
    assert.ok(Math.abs(r.reduce((s, v) => s + v, 0) / r.length - 0.5) < 0.01);
    const n = randn([20000], { dtype: 'float64' }).toNumbers();
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(sd - 1) < 0.03, `randn mean ${mean} sd ${sd}`);
    assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
  });
});

test('seeds: same seed gives identical rand/randn/randint/randperm/dropout; another seed differs', () => {
  const draw = (seed: number) =>
    scope(() => {
      manualSeed(seed);
      return [
        ...rand([5]).toNumbers(),
        ...randn([5]).toNumbers(),
        ...randint(0, 100, [5]).toNumbers(),
        ...randperm(10).toNumbers(),
        ...dropout(ones([20]), 0.5, true).toNumbers(),
        ...ones([4]).uniform_(-1, 1).toNumbers(),
        ...ones([4]).normal_(0, 1).toNumbers(),
      ];
    });
  assert.deepEqual(draw(123), draw(123));
  assert.notDeepEqual(draw(123), draw(124));
});

test('data out: toNumbers, toArray, item, typed arrays, to()', () => {
  scope(() => {
    const t = f64([1.5, -2.5, 3.7, -0.2], [2, 2]);
    assert.deepEqual(t.toArray(), [
      [1.5, -2.5],
      [3.7, -0.2],
    ]);
    // float → int64 truncates toward zero, like torch
    assert.deepEqual(t.to('int64').toNumbers(), [1, -2, 3, 0]);
    assert.deepEqual(t.to('bool').toNumbers(), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(t.to('float32').toFloat32Array()), [
      1.5,
      -2.5,
      Math.fround(3.7),
      Math.fround(-0.2),
    ]);
    assert.deepEqual(Array.from(t.toInt64Array()), [1n, -2n, 3n, 0n]);
    assert.equal(t.numel, 4);
    assert.equal(t.ndim, 2);
    assert.equal(t.device, 'cpu');
    assert.throws(() => t.item(), /item\(\): tensor of shape \[2, 2\] has 4 elements/);
    assert.equal(t.sum().item(), 1.5 - 2.5 + 3.7 - 0.2);
  });
});

test('elementwise unary ops match Math.*', () => {
  const xs = uniform(12, -3, 3, 1);
  const pos = uniform(12, 0.1, 4, 2);
  const cases: [string, (x: number) => number, boolean][] = [
    ['neg', (x) => -x, false],
    ['exp', Math.exp, false],
    ['log', Math.log, true],
    ['sqrt', Math.sqrt, true],
    ['rsqrt', (x) => 1 / Math.sqrt(x), true],
    ['abs', Math.abs, false],
    ['sign', Math.sign, false],
    ['square', (x) => x * x, false],
    ['tanh', Math.tanh, false],
    ['sigmoid', (x) => 1 / (1 + Math.exp(-x)), false],
    ['relu', (x) => Math.max(0, x), false],
    ['softplus', (x) => Math.log1p(Math.exp(x)), false],
    ['log1p', Math.log1p, true],
    ['expm1', Math.expm1, false],
    ['sin', Math.sin, false],
    ['cos', Math.cos, false],
    ['reciprocal', (x) => 1 / x, false],
    ['floor', Math.floor, false],
  ];
  scope(() => {
    for (const [name, fn, needsPos] of cases) {
      const data = needsPos ? pos : xs;
      const t = f64(data, [3, 4]);
      const out = (t[name as 'exp'] as () => typeof t).call(t);
      assertClose(out.toFloat64Array(), Array.from(data, fn), 1e-12, name);
    }
    // round: half to even, like torch
    assert.deepEqual(f64([0.5, 1.5, 2.5, -0.5, 1.4], [5]).round().toNumbers(), [0, 2, 2, -0, 1]);
    assert.deepEqual(f64([-2, 0.5, 3], [3]).clamp(-1, 1).toNumbers(), [-1, 0.5, 1]);
    assert.deepEqual(f64([-2, 0.5, 3], [3]).clamp(undefined, 1).toNumbers(), [-2, 0.5, 1]);
    assert.deepEqual(f64([-2, 0.5, 3], [3]).clamp(0).toNumbers(), [0, 0.5, 3]);
  });
});

test('elementwise binary ops broadcast and accept numbers', () => {
  scope(() => {
    const a = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const row = f64([10, 20, 30], [3]);
    const col = f64([2, 4], [2, 1]);
    assert.deepEqual(a.add(row).toNumbers(), [11, 22, 33, 14, 25, 36]);
    assert.deepEqual(a.sub(col).toNumbers(), [-1, 0, 1, 0, 1, 2]);
    assert.deepEqual(a.mul(col).toNumbers(), [2, 4, 6, 16, 20, 24]);
    assert.deepEqual(a.div(col).toNumbers(), [0.5, 1, 1.5, 1, 1.25, 1.5]);
    assert.deepEqual(a.pow(2).toNumbers(), [1, 4, 9, 16, 25, 36]);
    assert.deepEqual(col.pow(a).toNumbers(), [2, 4, 8, 256, 1024, 4096]);
    assert.deepEqual(a.maximum(3.5).toNumbers(), [3.5, 3.5, 3.5, 4, 5, 6]);
    assert.deepEqual(a.minimum(row.div(10)).toNumbers(), [1, 2, 3, 1, 2, 3]);
    assert.deepEqual(a.add(0.5).toNumbers(), [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    assert.deepEqual(a.sub(1).mul(-2).toNumbers(), [-0, -2, -4, -6, -8, -10]);
    // numbers follow Python scalar promotion: int tensors stay int for integral numbers, become float otherwise
    const i = tensor([1, 2, 3], undefined, { dtype: 'int64' });
    assert.equal(i.add(1).dtype, 'int64');
    assert.deepEqual(i.mul(3).toNumbers(), [3, 6, 9]);
    assert.equal(i.add(0.5).dtype, 'float32');
    assert.deepEqual(i.add(0.5).toNumbers(), [1.5, 2.5, 3.5]);
    assert.deepEqual(i.div(2).toNumbers(), [0.5, 1, 1.5]);
    assert.equal(a.to('float32').add(1).dtype, 'float32');
    // float32 + 0.1: the number is rounded to float32 like torch does
    assert.equal(tensor([1]).add(0.1).item(), Math.fround(1 + Math.fround(0.1)));
  });
});

test('comparisons and logical ops give bool tensors', () => {
  scope(() => {
    const a = f64([1, 2, 3, 4], [4]);
    const b = f64([4, 2, 1, 4], [4]);
    const cases: [string, number[], number[]][] = [
      ['eq', [0, 1, 0, 1], [0, 1, 0, 0]],
      ['ne', [1, 0, 1, 0], [1, 0, 1, 1]],
      ['lt', [1, 0, 0, 0], [1, 0, 0, 0]],
      ['le', [1, 1, 0, 1], [1, 1, 0, 0]],
      ['gt', [0, 0, 1, 0], [0, 0, 1, 1]],
      ['ge', [0, 1, 1, 1], [0, 1, 1, 1]],
    ];
    for (const [op, vsTensor, vsTwo] of cases) {
      const fn = a[op as 'eq'].bind(a);
      const r = fn(b);
      assert.equal(r.dtype, 'bool', op);
      assert.deepEqual(r.toNumbers(), vsTensor, op);
      assert.deepEqual(fn(2).toNumbers(), vsTwo, `${op} scalar`);
    }
    const p = a.gt(1);
    const q = a.lt(4);
    assert.deepEqual(p.logicalAnd(q).toNumbers(), [0, 1, 1, 0]);
    assert.deepEqual(p.logicalOr(q).toNumbers(), [1, 1, 1, 1]);
    assert.deepEqual(p.logicalNot().toNumbers(), [1, 0, 0, 0]);
    const bad = f64([1, NaN, Infinity, -Infinity], [4]);
    assert.deepEqual(bad.isfinite().toNumbers(), [1, 0, 0, 0]);
    assert.equal(bad.allFinite(), false);
    assert.equal(a.allFinite(), true);
  });
});

// A [2, 3, 4] tensor with x[i][j][k] = data[i*12 + j*4 + k]
function at3(data: ArrayLike<number>, i: number, j: number, k: number): number {
  return data[i * 12 + j * 4 + k] as number;
}

test('reductions over dim lists with keepdim', () => {
  const data = uniform(24, -2, 2, 3);
  scope(() => {
    const x = f64(data, [2, 3, 4]);
    const total = Array.from(data).reduce((s, v) => s + v, 0);
    assertClose([x.sum().item()], [total], 1e-12, 'sum');
    assertClose([x.mean().item()], [total / 24], 1e-12, 'mean');
    const s02 = x.sum([0, 2], true);
    assert.deepEqual(s02.shape, [1, 3, 1]);
    const exp02 = [0, 1, 2].map((j) => {
      let s = 0;
      for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) s += at3(data, i, j, k);
      return s;
    });
    assertClose(s02.toFloat64Array(), exp02, 1e-12, 'sum [0,2]');
    assert.deepEqual(x.sum(1).shape, [2, 4]);
    assert.deepEqual(x.mean(-1, true).shape, [2, 3, 1]);
    assert.deepEqual(x.sum(undefined, true).shape, [1, 1, 1]);
    // max / argmax along dim 2
    const { values, indices } = x.max(2);
    const expV: number[] = [];
    const expI: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        let best = -Infinity;
        let bi = -1;
        for (let k = 0; k < 4; k++) {
          if (at3(data, i, j, k) > best) {
            best = at3(data, i, j, k);
            bi = k;
          }
        }
        expV.push(best);
        expI.push(bi);
      }
    }
    assertClose(values.toFloat64Array(), expV, 0, 'max values');
    assert.deepEqual(indices.toNumbers(), expI);
    assert.equal(indices.dtype, 'int64');
    assertClose(x.amax(2).toFloat64Array(), expV, 0, 'amax');
    assert.deepEqual(x.argmax(2).toNumbers(), expI);
    assert.deepEqual(x.argmax(2, true).shape, [2, 3, 1]);
    assert.equal(x.max().item(), Math.max(...data));
    assert.equal(x.min().item(), Math.min(...data));
    assert.equal(x.argmax().item(), Array.from(data).indexOf(Math.max(...data)));
    assert.equal(x.argmin().item(), Array.from(data).indexOf(Math.min(...data)));
    assert.equal(x.amin([0, 1, 2]).item(), Math.min(...data));
    const mn = x.min(0, true);
    assert.deepEqual(mn.values.shape, [1, 3, 4]);
    // logsumexp / softmax / logSoftmax along the last dim
    const rowsLse: number[] = [];
    const soft: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = Array.from(data.slice(r * 4, r * 4 + 4));
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      rowsLse.push(lse);
      for (const v of row) soft.push(Math.exp(v - lse));
    }
    assertClose(x.logsumexp(2).toFloat64Array(), rowsLse, 1e-12, 'logsumexp');
    assertClose(x.softmax(-1).toFloat64Array(), soft, 1e-12, 'softmax');
    assertClose(
      x.logSoftmax(2).toFloat64Array(),
      soft.map((v) => Math.log(v)),
      1e-12,
      'logSoftmax',
    );
    assertClose(
      [x.logsumexp().item()],
      [Math.log(Array.from(data).reduce((s, v) => s + Math.exp(v), 0))],
      1e-12,
      'lse all',
    );
    // norms and variance along dim 1
    const l2: number[] = [];
    const v1: number[] = [];
    const l1all = Array.from(data).reduce((s, v) => s + Math.abs(v), 0);
    for (let i = 0; i < 2; i++) {
      for (let k = 0; k < 4; k++) {
        const col = [0, 1, 2].map((j) => at3(data, i, j, k));
        l2.push(Math.sqrt(col.reduce((s, v) => s + v * v, 0)));
        const m = col.reduce((s, v) => s + v, 0) / 3;
        v1.push(col.reduce((s, v) => s + (v - m) ** 2, 0) / 2);
      }
    }
    assertClose(x.norm(2, 1).toFloat64Array(), l2, 1e-12, 'norm');
    assertClose([x.norm(1).item()], [l1all], 1e-12, 'norm 1 all');
    assertClose(x.var(1).toFloat64Array(), v1, 1e-12, 'var unbiased');
    assertClose(
      x.var(1, false).toFloat64Array(),
      v1.map((v) => (v * 2) / 3),
      1e-12,
      'var biased',
    );
    assertClose(
      x.std(1, true, true).toFloat64Array(),
      v1.map((v) => Math.sqrt(v)),
      1e-12,
      'std',
    );
    assert.deepEqual(x.std(1, true, true).shape, [2, 1, 4]);
  });
});

function naiveMatmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += (a[i * k + t] as number) * (b[t * m + j] as number);
      out[i * m + j] = s;
    }
  return out;
}

test('matmul, linear and the view family', () => {
  const ad = uniform(12, -1, 1, 4);
  const bd = uniform(20, -1, 1, 5);
  scope(() => {
    const a = f64(ad, [3, 4]);
    const b = f64(bd, [4, 5]);
    assertClose(a.matmul(b).toFloat64Array(), naiveMatmul(ad, bd, 3, 4, 5), 1e-12, 'matmul');
    const w = b.t();
    assert.deepEqual(w.shape, [5, 4]);
    const bias = f64([1, 2, 3, 4, 5], [5]);
    const lin = naiveMatmul(ad, bd, 3, 4, 5).map((v, i) => v + (i % 5) + 1);
    assertClose(linear(a, w, bias).toFloat64Array(), lin, 1e-12, 'linear');
    // transpose/permute move elements as index maps say
    const x = f64(
      Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    const p = x.permute(2, 0, 1);
    assert.deepEqual(x.permute([2, 0, 1]).shape, [4, 2, 3]);
    assert.deepEqual(p.shape, [4, 2, 3]);
    const pv = p.contiguous().toNumbers();
    for (let k = 0; k < 4; k++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) assert.equal(pv[k * 6 + i * 3 + j], i * 12 + j * 4 + k);
    const tr = x.transpose(0, 2).toNumbers();
    assert.equal(tr[1 * 6 + 2 * 2 + 1], 1 * 12 + 2 * 4 + 1);
    assert.deepEqual(x.reshape([6, 4]).shape, [6, 4]);
    assert.deepEqual(x.view([-1]).shape, [24]);
    assert.deepEqual(x.flatten(1).shape, [2, 12]);
    assert.deepEqual(
      x.flatten().toNumbers(),
      Array.from({ length: 24 }, (_, i) => i),
    );
    assert.deepEqual(x.unsqueeze(0).shape, [1, 2, 3, 4]);
    assert.deepEqual(x.unsqueeze(-1).squeeze().shape, [2, 3, 4]);
    assert.deepEqual(ones([1, 3, 1]).squeeze(0).shape, [3, 1]);
    assert.deepEqual(f64([1, 2], [2, 1]).expand([2, 3]).toNumbers(), [1, 1, 1, 2, 2, 2]);
    assert.deepEqual(x.narrow(2, 1, 2).select(0, 1).select(0, 2).toNumbers(), [21, 22]);
    assert.deepEqual(x.slice(2, 0, 4, 2).select(0, 0).select(0, 0).toNumbers(), [0, 2]);
    assert.deepEqual(x.slice(1, 1).shape, [2, 2, 4]);
    assert.deepEqual(x.slice(1, -1).select(0, 0).toNumbers(), [8, 9, 10, 11]);
    assert.deepEqual(x.select(2, 3).shape, [2, 3]);
    assert.deepEqual(x.select(-1, 0).toNumbers(), [0, 4, 8, 12, 16, 20]);
  });
});

test('indexing: gather, scatter, indexSelect, maskedFill, topk, sort, oneHot, where, cat, stack', () => {
  scope(() => {
    const x = f64([10, 11, 12, 20, 21, 22], [2, 3]);
    const idx = tensor(new BigInt64Array([2n, 0n, 1n, 1n]), [2, 2]);
    assert.deepEqual(x.gather(1, idx).toNumbers(), [12, 10, 21, 21]);
    const sidx = tensor(new BigInt64Array([2n, 0n]), [2, 1]);
    assert.deepEqual(x.scatter(1, sidx, f64([-1, -2], [2, 1])).toNumbers(), [10, 11, -1, -2, 21, 22]);
    assert.deepEqual(x.scatter(1, sidx, 0).toNumbers(), [10, 11, 0, 0, 21, 22]);
    assert.deepEqual(
      x.indexSelect(1, tensor(new BigInt64Array([2n, 2n, 0n]))).toNumbers(),
      [12, 12, 10, 22, 22, 20],
    );
    assert.deepEqual(x.maskedFill(x.gt(15), 0).toNumbers(), [10, 11, 12, 0, 0, 0]);
    const v = f64([3, 1, 4, 1.5, 9, 2.6], [6]);
    const top = v.topk(3);
    assert.deepEqual(top.values.toNumbers(), [9, 4, 3]);
    assert.deepEqual(top.indices.toNumbers(), [4, 2, 0]);
    const low = v.topk(2, 0, false);
    assert.deepEqual(low.values.toNumbers(), [1, 1.5]);
    const s = v.sort();
    assert.deepEqual(s.values.toNumbers(), [1, 1.5, 2.6, 3, 4, 9]);
    assert.deepEqual(s.indices.toNumbers(), [1, 3, 5, 0, 2, 4]);
    assert.deepEqual(v.sort(0, true).values.toNumbers(), [9, 4, 3, 2.6, 1.5, 1]);
    const oh = tensor(new BigInt64Array([0n, 2n, 1n])).oneHot(3);
    assert.equal(oh.dtype, 'int64');
    assert.deepEqual(oh.toArray(), [
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    const c = x.gt(15);
    assert.deepEqual(where(c, x, 0).toNumbers(), [0, 0, 0, 20, 21, 22]);
    assert.deepEqual(where(c, -1, x).toNumbers(), [10, 11, 12, -1, -1, -1]);
    assert.equal(where(c, -1, x).dtype, 'float64');
    assert.deepEqual(where(c, 1, 2).toNumbers(), [2, 2, 2, 1, 1, 1]);
    assert.deepEqual(cat([x, x.mul(2)], 0).shape, [4, 3]);
    assert.deepEqual(cat([x, f64([7, 8], [2, 1])], 1).toNumbers(), [10, 11, 12, 7, 20, 21, 22, 8]);
    const st = stack([x, x.add(1)], 2);
    assert.deepEqual(st.shape, [2, 3, 2]);
    assert.deepEqual(st.select(0, 0).select(0, 1).toNumbers(), [11, 12]);
  });
});

// Direct-definition conv2d (NCHW, OIHW weights) for checking stride/padding/dilation/groups.
function naiveConv2d(
  x: ArrayLike<number>,
  xs: number[],
  w: ArrayLike<number>,
  ws: number[],
  b: ArrayLike<number> | null,
  stride: number[],
  pad: number[],
  dil: number[],
  groups: number,
): { out: number[]; shape: number[] } {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [O, Cg, KH, KW] = ws as [number, number, number, number];
  const OH = Math.floor((H + 2 * pad[0]! - dil[0]! * (KH - 1) - 1) / stride[0]!) + 1;
  const OW = Math.floor((W + 2 * pad[1]! - dil[1]! * (KW - 1) - 1) / stride[1]!) + 1;
  const og = O / groups;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / og);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = b ? (b[o] as number) : 0;
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride[0]! - pad[0]! + kh * dil[0]!;
                const iw = ow * stride[1]! - pad[1]! + kw * dil[1]!;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const ci = g * Cg + c;
                s +=
                  (x[((n * C + ci) * H + ih) * W + iw] as number) *
                  (w[((o * Cg + c) * KH + kh) * KW + kw] as number);
              }
          out.push(s);
        }
    }
  return { out, shape: [N, O, OH, OW] };
}

test('conv2d matches the direct definition (stride, padding, dilation, groups)', () => {
  const xd = uniform(2 * 4 * 7 * 6, -1, 1, 6);
  const wd = uniform(6 * 2 * 3 * 2, -1, 1, 7);
  const bd = uniform(6, -1, 1, 8);
  scope(() => {
    const x = f64(xd, [2, 4, 7, 6]);
    const w = f64(wd, [6, 2, 3, 2]);
    const b = f64(bd, [6]);
    for (const [stride, pad, dil] of [
      [
        [1, 1],
        [0, 0],
        [1, 1],
      ],
      [
        [2, 1],
        [1, 2],
        [1, 1],
      ],
      [
        [1, 2],
        [2, 1],
        [2, 2],
      ],
    ] as number[][][]) {
      const got = conv2d(x, w, b, {
        stride: stride as [number, number],
        padding: pad as [number, number],
        dilation: dil as [number, number],
        groups: 2,
      });
      const exp = naiveConv2d(xd, [2, 4, 7, 6], wd, [6, 2, 3, 2], bd, stride!, pad!, dil!, 2);
      assert.deepEqual(got.shape, exp.shape);
      assertClose(got.toFloat64Array(), exp.out, 1e-12, `conv2d s${stride} p${pad} d${dil}`);
    }
  });
});

test('pools, batchNorm, dropout, losses', () => {
  const xd = uniform(1 * 2 * 4 * 4, -1, 1, 9);
  scope(() => {
    const x = f64(xd, [1, 2, 4, 4]);
    const v = (c: number, h: number, w: number) =>
      h < 0 || h > 3 || w < 0 || w > 3 ? 0 : (xd[c * 16 + h * 4 + w] as number);
    const mp: number[] = [];
    const ap: number[] = [];
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          const win = [
            v(c, 2 * i, 2 * j),
            v(c, 2 * i + 1, 2 * j),
            v(c, 2 * i, 2 * j + 1),
            v(c, 2 * i + 1, 2 * j + 1),
          ];
          mp.push(Math.max(...win));
          ap.push(win.reduce((s, q) => s + q, 0) / 4);
        }
    assertClose(maxPool2d(x, 2).toFloat64Array(), mp, 0, 'maxPool2d');
    assertClose(avgPool2d(x, 2).toFloat64Array(), ap, 1e-12, 'avgPool2d');
    assertClose(adaptiveAvgPool2d(x, 2).toFloat64Array(), ap, 1e-12, 'adaptiveAvgPool2d');
    // 3x3 windows, stride 2, padding 1: padded zeros count in the average (count_include_pad, torch's default)
    const ap3: number[] = [];
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          let s = 0;
          for (let dh = -1; dh <= 1; dh++) for (let dw = -1; dw <= 1; dw++) s += v(c, 2 * i + dh, 2 * j + dw);
          ap3.push(s / 9);
        }
    assertClose(avgPool2d(x, 3, { stride: 2, padding: 1 }).toFloat64Array(), ap3, 1e-12, 'avgPool2d pad');
    assert.deepEqual(maxPool2d(x, 3, { stride: 2, padding: 1 }).shape, [1, 2, 2, 2]);

    // batchNorm in training mode: normalise with batch stats (biased var), update running stats with unbiased var
    const bd = uniform(3 * 2, -2, 2, 10);
    const bx = f64(bd, [3, 2]);
    const rm = f64([0.5, -0.5], [2]);
    const rv = f64([1, 2], [2]);
    const wt = f64([2, 3], [2]);
    const bs = f64([0.1, -0.1], [2]);
    const y = batchNorm(bx, rm, rv, wt, bs, true, 0.1, 1e-5);
    const expY: number[] = new Array<number>(6);
    const newRm: number[] = [];
    const newRv: number[] = [];
    for (let c = 0; c < 2; c++) {
      const col = [0, 1, 2].map((r) => bd[r * 2 + c] as number);
      const m = col.reduce((s, q) => s + q, 0) / 3;
      const vb = col.reduce((s, q) => s + (q - m) ** 2, 0) / 3;
      col.forEach(
        (q, r) => (expY[r * 2 + c] = ((q - m) / Math.sqrt(vb + 1e-5)) * [2, 3][c]! + [0.1, -0.1][c]!),
      );
      newRm.push(0.9 * [0.5, -0.5][c]! + 0.1 * m);
      newRv.push(0.9 * [1, 2][c]! + 0.1 * ((vb * 3) / 2));
    }
    assertClose(y.toFloat64Array(), expY, 1e-9, 'batchNorm train');
    assertClose(rm.toFloat64Array(), newRm, 1e-12, 'running mean');
    assertClose(rv.toFloat64Array(), newRv, 1e-12, 'running var');
    // eval mode uses the running stats
    const ye = batchNorm(bx, rm, rv, wt, bs, false);
    const expE = Array.from(bd, (q, i) => {
      const c = i % 2;
      return ((q - newRm[c]!) / Math.sqrt(newRv[c]! + 1e-5)) * [2, 3][c]! + [0.1, -0.1][c]!;
    });
    assertClose(ye.toFloat64Array(), expE, 1e-9, 'batchNorm eval');

    // dropout: identity when not training or p = 0; otherwise zeros or x / (1 - p)
    const o = ones([4000], { dtype: 'float64' });
    assert.deepEqual(dropout(o, 0.5, false).toNumbers().slice(0, 3), [1, 1, 1]);
    assert.equal(dropout(o, 0, true).sum().item(), 4000);
    const d = dropout(o, 0.25, true).toNumbers();
    assert.ok(d.every((q) => q === 0 || Math.abs(q - 4 / 3) < 1e-12));
    const kept = d.filter((q) => q !== 0).length / d.length;
    assert.ok(Math.abs(kept - 0.75) < 0.04, `dropout kept ${kept}`);

    // cross-entropy = mean over rows of logsumexp(z) - z[y]
    const zd = uniform(12, -2, 2, 11);
    const z = f64(zd, [4, 3]);
    const yIdx = [2, 0, 1, 2];
    const target = tensor(BigInt64Array.from(yIdx.map(BigInt)));
    const per = yIdx.map((c, r) => {
      const row = Array.from(zd.slice(r * 3, r * 3 + 3));
      return Math.log(row.reduce((s, q) => s + Math.exp(q), 0)) - row[c]!;
    });
    assertClose(crossEntropy(z, target, 'none').toFloat64Array(), per, 1e-12, 'ce none');
    assertClose([crossEntropy(z, target).item()], [per.reduce((s, q) => s + q, 0) / 4], 1e-12, 'ce mean');
    assertClose([crossEntropy(z, target, 'sum').item()], [per.reduce((s, q) => s + q, 0)], 1e-12, 'ce sum');
    const m2 = f64([1, 2, 3], [3]);
    const m3 = f64([2, 0, 3], [3]);
    assertClose([mseLoss(m2, m3).item()], [5 / 3], 1e-12, 'mse');
    assertClose([mseLoss(m2, m3, 'sum').item()], [5], 1e-12, 'mse sum');
    assert.deepEqual(mseLoss(m2, m3, 'none').toNumbers(), [1, 4, 0]);
  });
});

test('autograd: requiresGrad, grad accumulation, detach, zeroGrad, noGrad, explicit gradient', () => {
  scope(() => {
    const x = f64([1, 2, 3], [3]).setRequiresGrad(true);
    assert.equal(x.requiresGrad, true);
    assert.equal(x.grad, null);
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toNumbers(), [2, 4, 6]);
    x.sum().backward();
    assert.deepEqual(x.grad!.toNumbers(), [3, 5, 7], 'gradients accumulate like torch');
    x.zeroGrad();
    assert.equal(x.grad, null);
    const d = x.detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(noGrad(() => x.mul(2)).requiresGrad, false);
    assert.equal(x.mul(2).requiresGrad, true);
    const y = x.mul(3);
    y.backward(f64([1, 0, 2], [3]));
    assert.deepEqual(x.grad!.toNumbers(), [3, 0, 6]);
    x.setRequiresGrad(false);
    assert.equal(x.requiresGrad, false);
  });
});

test('in-place ops', () => {
  scope(() => {
    const t = zeros([3], { dtype: 'float64' });
    assert.equal(t.fill_(2), t);
    assert.deepEqual(t.toNumbers(), [2, 2, 2]);
    t.add_(f64([1, 2, 3], [3]), 0.5);
    assert.deepEqual(t.toNumbers(), [2.5, 3, 3.5]);
    t.add_(1).mul_(2);
    assert.deepEqual(t.toNumbers(), [7, 8, 9]);
    t.mul_(f64([1, 0, -1], [3]));
    assert.deepEqual(t.toNumbers(), [7, 0, -9]);
    t.copy_(f64([4, 5, 6], [3]));
    assert.deepEqual(t.toNumbers(), [4, 5, 6]);
    t.zero_();
    assert.deepEqual(t.toNumbers(), [0, 0, 0]);
    const u = zeros([5000]).uniform_(-2, -1).toNumbers();
    assert.ok(u.every((q) => q >= -2 && q < -1));
    const nrm = zeros([20000], { dtype: 'float64' }).normal_(3, 0.5).toNumbers();
    const mean = nrm.reduce((s, q) => s + q, 0) / nrm.length;
    assert.ok(Math.abs(mean - 3) < 0.02, `normal_ mean ${mean}`);
    // in-place on a leaf that requires grad is allowed under noGrad only (torch semantics)
    const p = ones([2]).setRequiresGrad(true);
    assert.throws(() => p.add_(1), /add_\(float32\[2\]\): .*leaf Variable that requires grad/);
    noGrad(() => p.add_(1));
    assert.deepEqual(p.toNumbers(), [2, 2]);
  });
});

test('runtime: threads, cuda availability', () => {
  const before = getNumThreads();
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  setNumThreads(before);
  assert.equal(typeof cuda.isAvailable(), 'boolean');
  if (!cuda.isAvailable()) assert.equal(cuda.deviceCount(), 0);
});
