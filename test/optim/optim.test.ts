import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveTensorCount, scope, setNumThreads, tensor, type Tensor } from '../../src/engine/index.js';
import { Adadelta, Adam, AdamW, makeOptimizer, RMSprop, SGD, type Optimizer } from '../../src/optim/index.js';
import { gradOf, refAdadelta, refAdam, refRmsprop, refSgd, type RefOpt, type Vec } from './reference.js';

setNumThreads(1);

// Two parameters of different shapes; values chosen so gradients change sign across steps.
const P0: Vec[] = [
  [0.5, -1.25, 2.0],
  [0.3, -0.7, 1.1, -2.2],
];
const SHAPES = [[3], [2, 2]];
const A: Vec[] = [
  [1.0, 0.5, 2.0],
  [0.25, 3.0, 1.5, 0.8],
];
const C: Vec[] = [
  [-0.2, 0.4, 0.1],
  [0.05, -0.3, 0.6, 0.0],
];

function makeParams(): Tensor[] {
  return P0.map((v, i) => tensor(new Float64Array(v), SHAPES[i]).setRequiresGrad(true));
}

/** Backward of f(p) = Σ ½·a·p² + c·p, computed by the engine (so the gradient is whatever autograd produces). */
function backward(params: Tensor[]): void {
  scope(() => {
    let total: Tensor | null = null;
    params.forEach((p, i) => {
      const a = tensor(new Float64Array(A[i]), SHAPES[i]);
      const c = tensor(new Float64Array(C[i]), SHAPES[i]);
      const f = p.mul(p).mul(a).mul(0.5).add(p.mul(c)).sum();
      total = total === null ? f : total.add(f);
    });
    (total as unknown as Tensor).backward();
  });
}

function closeTo(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(
      err <= tol * Math.max(1, Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs expected ${expected[i]}`,
    );
  }
}

/** Runs `steps` steps of the optimizer and of the JS reference side by side, comparing every step. */
function check(make: (ps: Tensor[]) => Optimizer, makeRef: () => RefOpt, steps = 6, name = ''): void {
  const params = makeParams();
  const opt = make(params);
  const refs = P0.map(() => makeRef());
  const ref = P0.map((v) => [...v]);
  for (let s = 0; s < steps; s++) {
    backward(params);
    opt.step();
    opt.zeroGrad();
    ref.forEach((p, i) => refs[i].step(p, gradOf(p, A[i], C[i])));
    params.forEach((p, i) => closeTo(p.toNumbers(), ref[i], 1e-12, `${name} step ${s + 1} param ${i}`));
  }
  // The update actually moved the parameters (a no-op optimizer must not pass).
  assert.ok(
    params[0].toNumbers().some((x, i) => Math.abs(x - P0[0][i]) > 1e-6),
    `${name}: parameters did not move`,
  );
  opt.dispose();
  for (const p of params) p.dispose();
}

describe('SGD matches torch 1.13', () => {
  it('plain', () =>
    check(
      (ps) => new SGD(ps, { lr: 0.1 }),
      () => refSgd({ lr: 0.1 }),
      6,
      'sgd',
    ));
  it('momentum (first step copies the gradient into the buffer)', () =>
    check(
      (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 }),
      () => refSgd({ lr: 0.05, momentum: 0.9 }),
      6,
      'momentum',
    ));
  it('momentum with dampening', () =>
    check(
      (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, dampening: 0.3 }),
      () => refSgd({ lr: 0.05, momentum: 0.8, dampening: 0.3 }),
    ));
  it('nesterov + weight decay', () =>
    check(
      (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      () => refSgd({ lr: 0.05, momentum: 0.9, nesterov: true, wd: 0.01 }),
    ));
  it('rejects nesterov without momentum', () =>
    assert.throws(() => new SGD(makeParams(), { lr: 0.1, nesterov: true })));
  it('a hand-computed first step: p − lr·(a·p + c)', () => {
    const [p] = makeParams();
    const opt = new SGD([p], { lr: 0.5 });
    scope(() => p.mul(p).mul(0.5).sum().backward()); // ∇ = p
    opt.step();
    closeTo(
      p.toNumbers(),
      P0[0].map((x) => x - 0.5 * x),
      1e-15,
      'sgd hand',
    );
  });
});

describe('Adam / AdamW match torch 1.13', () => {
  it('Adam with bias correction', () =>
    check(
      (ps) => new Adam(ps, { lr: 0.01 }),
      () => refAdam({ lr: 0.01 }),
      8,
      'adam',
    ));
  it('Adam with L2 weight decay added to the gradient', () =>
    check(
      (ps) => new Adam(ps, { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }),
      () => refAdam({ lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.1 }),
    ));
  it('AdamW decays the weights, not the gradient (default λ = 0.01)', () =>
    check(
      (ps) => new AdamW(ps, { lr: 0.01 }),
      () => refAdam({ lr: 0.01, wd: 0.01, decoupled: true }),
      8,
      'adamw',
    ));
  it('AdamW differs from Adam with the same weight decay', () => {
    const a = makeParams();
    const b = makeParams();
    const oa = new Adam(a, { lr: 0.1, weightDecay: 0.5 });
    const ob = new AdamW(b, { lr: 0.1, weightDecay: 0.5 });
    for (let s = 0; s < 3; s++) {
      backward(a);
      backward(b);
      oa.step();
      ob.step();
      oa.zeroGrad();
      ob.zeroGrad();
    }
    const diff = a[0].toNumbers().reduce((m, x, i) => Math.max(m, Math.abs(x - b[0].toNumbers()[i])), 0);
    assert.ok(diff > 1e-4, `Adam and AdamW gave the same parameters (max diff ${diff})`);
  });
  it("Adam's first step moves every coordinate by ≈ lr (bias correction makes m̂/√v̂ = sign(g))", () => {
    const ps = makeParams();
    const opt = new Adam(ps, { lr: 0.01, eps: 1e-12 });
    backward(ps);
    opt.step();
    ps.forEach((p, i) =>
      p
        .toNumbers()
        .forEach((x, j) =>
          assert.ok(Math.abs(Math.abs(x - P0[i][j]) - 0.01) < 1e-9, `moved ${x - P0[i][j]}`),
        ),
    );
  });
});

describe('RMSprop matches torch 1.13', () => {
  it('Keras settings (α 0.9, ε 1e-7)', () =>
    check(
      (ps) => new RMSprop(ps, { lr: 1e-3, alpha: 0.9, eps: 1e-7 }),
      () => refRmsprop({ lr: 1e-3, alpha: 0.9, eps: 1e-7 }),
    ));
  it('ε is added outside the square root', () => {
    // With a big ε the two placements differ a lot: g/(√s + ε) vs g/√(s + ε).
    const [p] = makeParams();
    const opt = new RMSprop([p], { lr: 0.1, alpha: 0.5, eps: 0.5 });
    scope(() => p.mul(p).mul(0.5).sum().backward()); // g = p
    opt.step();
    const expected = P0[0].map((g) => g - (0.1 * g) / (Math.sqrt(0.5 * g * g) + 0.5));
    closeTo(p.toNumbers(), expected, 1e-14, 'rmsprop eps');
  });
  it('momentum + weight decay', () =>
    check(
      (ps) => new RMSprop(ps, { lr: 0.01, alpha: 0.95, momentum: 0.9, weightDecay: 0.05 }),
      () => refRmsprop({ lr: 0.01, alpha: 0.95, momentum: 0.9, wd: 0.05 }),
    ));
  it('centered', () =>
    check(
      (ps) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5 }),
      () => refRmsprop({ lr: 0.01, centered: true, momentum: 0.5 }),
    ));
});

describe('Adadelta matches torch 1.13', () => {
  it('Keras settings (lr 1, ρ 0.95, ε 1e-7)', () =>
    check(
      (ps) => new Adadelta(ps, { lr: 1.0, rho: 0.95, eps: 1e-7 }),
      () => refAdadelta({ lr: 1.0, rho: 0.95, eps: 1e-7 }),
    ));
  it('torch defaults + weight decay', () =>
    check(
      (ps) => new Adadelta(ps, { weightDecay: 0.1 }),
      () => refAdadelta({ lr: 1.0, wd: 0.1 }),
    ));
  it('a hand-computed first step: Δ = √ε / √((1−ρ)g² + ε) · g', () => {
    const [p] = makeParams();
    const opt = new Adadelta([p], { lr: 1, rho: 0.9, eps: 1e-2 });
    scope(() => p.mul(p).mul(0.5).sum().backward());
    opt.step();
    const expected = P0[0].map((g) => g - (Math.sqrt(1e-2) / Math.sqrt(0.1 * g * g + 1e-2)) * g);
    closeTo(p.toNumbers(), expected, 1e-14, 'adadelta hand');
  });
});

describe('optimizer plumbing', () => {
  it('skips parameters without a gradient', () => {
    const ps = makeParams();
    const idle = tensor(new Float64Array([1, 2]), [2]).setRequiresGrad(true);
    const opt = new Adam([...ps, idle], { lr: 0.1 });
    backward(ps);
    opt.step();
    assert.deepEqual(idle.toNumbers(), [1, 2]);
  });
  it('zeroGrad drops gradients (set to none)', () => {
    const ps = makeParams();
    const opt = new SGD(ps, { lr: 0.1 });
    backward(ps);
    const g = ps[0].grad;
    assert.ok(g !== null);
    g.dispose();
    opt.zeroGrad();
    assert.equal(ps[0].grad, null);
  });
  it('setLr changes the step size', () => {
    const [p] = makeParams();
    const opt = new SGD([p], { lr: 0.1 });
    opt.setLr(0.25);
    assert.equal(opt.lr, 0.25);
    scope(() => p.mul(p).mul(0.5).sum().backward());
    opt.step();
    closeTo(
      p.toNumbers(),
      P0[0].map((x) => 0.75 * x),
      1e-15,
      'setLr',
    );
    assert.throws(() => opt.setLr(-1));
  });
  it('makeOptimizer builds each kind from a config record and rejects typos', () => {
    const ps = makeParams();
    const cases: [string, Record<string, number | boolean>, string][] = [
      ['sgd', { lr: 0.1, momentum: 0.9, nesterov: true }, 'sgd'],
      ['adam', { lr: 1e-3, beta1: 0.8 }, 'adam'],
      ['adamw', { lr: 1e-3, weightDecay: 0.1 }, 'adamw'],
      ['rmsprop', { lr: 1e-3, rho: 0.9, eps: 1e-7 }, 'rmsprop'],
      ['adadelta', { lr: 1.0, rho: 0.95, eps: 1e-7 }, 'adadelta'],
    ];
    for (const [kind, hyper, want] of cases) {
      const o = makeOptimizer(kind, ps, { lr: hyper.lr as number, ...hyper });
      assert.equal(o.kind, want);
      o.dispose();
    }
    assert.throws(() => makeOptimizer('lion', ps, { lr: 1 }), /unknown optimizer/);
    assert.throws(
      () => makeOptimizer('sgd', ps, { lr: 1, momentun: 0.9 }),
      /unknown hyper-parameter 'momentun'/,
    );
  });
  it("makeOptimizer('rmsprop', …, { rho }) is Keras' ρ (torch's α)", () =>
    check(
      (ps) => makeOptimizer('rmsprop', ps, { lr: 1e-3, rho: 0.9, eps: 1e-7 }),
      () => refRmsprop({ lr: 1e-3, alpha: 0.9, eps: 1e-7 }),
      4,
      'rmsprop-keras',
    ));
  it('dispose frees the state tensors', () => {
    const ps = makeParams();
    const before = liveTensorCount();
    const opt = new Adam(ps, { lr: 0.1 });
    backward(ps);
    opt.step();
    opt.zeroGrad();
    assert.ok(liveTensorCount() > before, 'Adam state was not allocated');
    opt.dispose();
    assert.equal(liveTensorCount(), before);
  });
});
