import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  manualSeed,
  noGrad,
  ones,
  rand,
  randn,
  scope,
  setNumThreads,
  tensor,
  type Tensor,
} from '../../src/engine/index.js';
import {
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
  Sigmoid,
  Tanh,
} from '../../src/nn/index.js';

setNumThreads(1);

function closeTo(actual: number[], expected: number[], tol: number, what = ''): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

function setParam(p: Tensor, values: number[]): void {
  noGrad(() => scope(() => p.copy_(tensor(values, p.shape).to(p.dtype))));
}

/** Naive NCHW convolution in plain JS (cross-correlation, as in torch). */
function convRef(
  x: number[],
  [n, c, h, w]: number[],
  k: number[],
  [o, , kh, kw]: number[],
  b: number[] | null,
  stride: number,
  pad: number,
): { y: number[]; shape: number[] } {
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - kw) / stride) + 1;
  const y: number[] = [];
  for (let ni = 0; ni < n; ni++)
    for (let oi = 0; oi < o; oi++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b === null ? 0 : b[oi];
          for (let ci = 0; ci < c; ci++)
            for (let u = 0; u < kh; u++)
              for (let v = 0; v < kw; v++) {
                const r = i * stride + u - pad;
                const q = j * stride + v - pad;
                if (r < 0 || r >= h || q < 0 || q >= w) continue;
                s += x[((ni * c + ci) * h + r) * w + q] * k[((oi * c + ci) * kh + u) * kw + v];
              }
          y.push(s);
        }
  return { y, shape: [n, o, oh, ow] };
}

describe('Linear', () => {
  it('computes x·Wᵀ + b on a hand example', () => {
    const l = new Linear(3, 2);
    setParam(l.weight, [1, 2, 3, -1, 0, 0.5]);
    setParam(l.bias as Tensor, [0.5, -2]);
    const y = scope(() => l.forward(tensor([1, 1, 1, 2, 0, -2], [2, 3])).toNumbers());
    // row 1: [1+2+3+0.5, -1+0+0.5-2]; row 2: [2+0-6+0.5, -2+0-1-2]
    closeTo(y, [6.5, -2.5, -3.5, -5], 1e-6);
    l.dispose();
  });
  it('registers weight [out, in] and bias [out]; bias: false drops it', () => {
    const l = new Linear(4, 7);
    assert.deepEqual(
      l.namedParameters().map(([k, t]) => [k, t.shape]),
      [
        ['weight', [7, 4]],
        ['bias', [7]],
      ],
    );
    assert.ok(l.parameters().every((p) => p.requiresGrad));
    const nb = new Linear(4, 7, { bias: false });
    assert.equal(nb.bias, null);
    assert.equal(nb.parameters().length, 1);
    l.dispose();
    nb.dispose();
  });
});

describe('Conv2d', () => {
  for (const [stride, pad] of [
    [1, 0],
    [2, 1],
  ]) {
    it(`matches a naive convolution (stride ${stride}, padding ${pad})`, () => {
      manualSeed(1);
      const conv = new Conv2d(2, 3, 3, { stride, padding: pad });
      const xs = [2, 2, 5, 6];
      const out = scope(() => {
        const x = randn(xs);
        const y = conv.forward(x);
        return { x: x.toNumbers(), y: y.toNumbers(), shape: y.shape };
      });
      const ref = convRef(
        out.x,
        xs,
        conv.weight.toNumbers(),
        conv.weight.shape,
        (conv.bias as Tensor).toNumbers(),
        stride,
        pad,
      );
      assert.deepEqual(out.shape, ref.shape);
      assert.deepEqual(conv.outputSize(5, 6), ref.shape.slice(2));
      closeTo(out.y, ref.y, 1e-5, 'conv');
      conv.dispose();
    });
  }
  it('rejects channels not divisible by groups', () =>
    assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 })));
});

describe('pooling', () => {
  const x = Array.from({ length: 16 }, (_, i) => ((i * 7) % 11) - 5); // a 4×4 map without ties
  it('MaxPool2d(2) takes the max of each 2×2 window', () => {
    const y = scope(() => new MaxPool2d(2).forward(tensor(x, [1, 1, 4, 4])).toNumbers());
    const want: number[] = [];
    for (const [r, c] of [
      [0, 0],
      [0, 2],
      [2, 0],
      [2, 2],
    ])
      want.push(Math.max(x[r * 4 + c], x[r * 4 + c + 1], x[(r + 1) * 4 + c], x[(r + 1) * 4 + c + 1]));
    assert.deepEqual(y, want);
  });
  it('AvgPool2d(2, 1) averages overlapping windows', () => {
    const y = scope(() => new AvgPool2d(2, 1).forward(tensor(x, [1, 1, 4, 4])));
    assert.deepEqual(y.shape, [1, 1, 3, 3]);
    const want: number[] = [];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        want.push((x[r * 4 + c] + x[r * 4 + c + 1] + x[(r + 1) * 4 + c] + x[(r + 1) * 4 + c + 1]) / 4);
    closeTo(y.toNumbers(), want, 1e-6, 'avgpool');
    y.dispose();
  });
});

describe('activations, Flatten, Sequential', () => {
  it('ReLU, Tanh, Sigmoid match Math', () => {
    const xs = [-3, -0.5, 0, 0.25, 4];
    scope(() => {
      const x = tensor(xs);
      closeTo(
        new ReLU().forward(x).toNumbers(),
        xs.map((v) => Math.max(0, v)),
        0,
        'relu',
      );
      closeTo(new Tanh().forward(x).toNumbers(), xs.map(Math.tanh), 1e-6, 'tanh');
      closeTo(
        new Sigmoid().forward(x).toNumbers(),
        xs.map((v) => 1 / (1 + Math.exp(-v))),
        1e-6,
        'sigmoid',
      );
    });
  });
  it('Flatten keeps the batch dim', () => {
    const s = scope(() => new Flatten().forward(ones([5, 2, 3, 4])).shape);
    assert.deepEqual(s, [5, 24]);
  });
  it("Sequential names children '0', '1', … and chains them", () => {
    manualSeed(0);
    const seq = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2, { bias: false }));
    assert.deepEqual(
      seq.namedParameters().map(([k]) => k),
      ['0.weight', '0.bias', '2.weight'],
    );
    assert.equal(seq.numParameters(), 3 * 4 + 4 + 4 * 2);
    const [a, b] = scope(() => {
      const x = rand([6, 3]);
      const l0 = seq.at(0) as Linear;
      const l2 = seq.at(2) as Linear;
      return [seq.forward(x).toNumbers(), l2.forward(l0.forward(x).relu()).toNumbers()];
    });
    closeTo(a, b, 0, 'sequential');
    seq.dispose();
  });
});

describe('Module', () => {
  it('train()/eval() reach every child', () => {
    const seq = new Sequential(new Linear(2, 2), new Sequential(new Dropout(0.5), new BatchNorm2d(2)));
    seq.eval();
    const all = (m: { training: boolean; children(): unknown[] }): boolean[] => [
      m.training,
      ...(m.children() as (typeof m)[]).flatMap(all),
    ];
    assert.ok(all(seq).every((t) => !t));
    seq.train();
    assert.ok(all(seq).every((t) => t));
    seq.dispose();
  });
  it('dispose() frees parameters and buffers', () => {
    const bn = new BatchNorm2d(3);
    const held = [...bn.parameters(), ...bn.buffers()];
    assert.equal(held.length, 4);
    bn.dispose();
    assert.ok(held.every((t) => t.isDisposed));
  });
  it('parameters survive the scope they were created in', () => {
    const l = scope(() => new Linear(2, 3));
    assert.ok(l.parameters().every((p) => !p.isDisposed));
    l.dispose();
  });
  it("to('float64') converts parameters and keeps them trainable", () => {
    const l = new Linear(2, 3).to('float64');
    assert.ok(l.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad));
    const y = scope(() => l.forward(tensor(new Float64Array([1, 2]), [1, 2])).dtype);
    assert.equal(y, 'float64');
    l.dispose();
  });
});

describe('Dropout', () => {
  it('train: zeroes about p of the inputs and scales the rest by 1/(1−p); eval: identity', () => {
    manualSeed(3);
    const d = new Dropout(0.25);
    const n = 20000;
    const y = scope(() => d.forward(ones([n])).toNumbers());
    const zeros = y.filter((v) => v === 0).length;
    // Binomial(n, 0.25): sd ≈ 61, so ±400 is > 6 sd.
    assert.ok(Math.abs(zeros - 0.25 * n) < 400, `${zeros} zeros of ${n}`);
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
    d.eval();
    const e = scope(() => d.forward(ones([n])).toNumbers());
    assert.ok(e.every((v) => v === 1));
  });
  it('backward passes the gradient through the kept units only, scaled by 1/(1−p)', () => {
    manualSeed(5);
    const d = new Dropout(0.5);
    const x = ones([1000]).setRequiresGrad(true);
    const y = scope(() => {
      const out = d.forward(x);
      out.mul(3).sum().backward();
      return out.toNumbers();
    });
    const g = x.grad;
    assert.ok(g !== null);
    // d(3·Σ x·mask)/dx = 3·mask, and with x = 1 the forward output is the mask itself.
    closeTo(
      g.toNumbers(),
      y.map((v) => 3 * v),
      1e-6,
      'dropout grad',
    );
    assert.ok(y.some((v) => v === 0) && y.some((v) => v === 2));
    g.dispose();
    x.dispose();
  });
});

describe('BatchNorm2d', () => {
  it('normalises per channel in training and updates running stats (momentum 0.1, unbiased variance)', () => {
    manualSeed(4);
    const bn = new BatchNorm2d(2);
    const [n, c, h, w] = [4, 2, 3, 3];
    const { x, y } = scope(() => {
      const xt = randn([n, c, h, w]).mul(3).add(1);
      return { x: xt.toNumbers(), y: bn.forward(xt).toNumbers() };
    });
    for (let ch = 0; ch < c; ch++) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let ni = 0; ni < n; ni++)
        for (let k = 0; k < h * w; k++) {
          xs.push(x[(ni * c + ch) * h * w + k]);
          ys.push(y[(ni * c + ch) * h * w + k]);
        }
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const ss = xs.reduce((a, b) => a + (b - m) ** 2, 0);
      const biased = ss / xs.length;
      const unbiased = ss / (xs.length - 1);
      closeTo(
        ys,
        xs.map((v) => (v - m) / Math.sqrt(biased + 1e-5)),
        1e-4,
        `bn ch${ch}`,
      );
      closeTo([bn.runningMean.toNumbers()[ch]], [0.1 * m], 1e-5, 'running mean');
      closeTo([bn.runningVar.toNumbers()[ch]], [0.9 + 0.1 * unbiased], 1e-4, 'running var');
    }
    bn.dispose();
  });
  it('eval uses the running statistics and the affine parameters', () => {
    const bn = new BatchNorm2d(2);
    setParam(bn.runningMean, [1, -2]);
    setParam(bn.runningVar, [4, 0.25]);
    setParam(bn.weight as Tensor, [2, 1]);
    setParam(bn.bias as Tensor, [0, 3]);
    bn.eval();
    const xs = [3, 5, 0, -1];
    const y = scope(() => bn.forward(tensor(xs, [1, 2, 2, 1])).toNumbers());
    const want = [
      (2 * (3 - 1)) / Math.sqrt(4 + 1e-5),
      (2 * (5 - 1)) / Math.sqrt(4 + 1e-5),
      (0 + 2) / Math.sqrt(0.25 + 1e-5) + 3,
      (-1 + 2) / Math.sqrt(0.25 + 1e-5) + 3,
    ];
    closeTo(y, want, 1e-5, 'bn eval');
    // Eval does not touch the running statistics.
    closeTo(bn.runningMean.toNumbers(), [1, -2], 0, 'running mean unchanged');
    bn.dispose();
  });
});
