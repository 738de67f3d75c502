// Native fused optimizer steps against the update rules written out by hand (PyTorch's documented algorithms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  disposeOptimState,
  initOptimState,
  optimStep,
  scope,
  tensor,
  type OptimKind,
  type Tensor,
} from '../../src/engine/index.js';
import { assertClose, uniform } from './helpers.js';

interface Hyper {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  betas?: [number, number];
  eps?: number;
  alpha?: number;
  centered?: boolean;
  rho?: number;
}

// Reference implementations over plain arrays: one call = one step of one parameter.
type RefState = Record<string, number[]>;
function refStep(kind: OptimKind, p: number[], g0: number[], s: RefState, t: number, h: Hyper): void {
  const n = p.length;
  const wd = h.weightDecay ?? (kind === 'adamw' ? 1e-2 : 0);
  const zeros = () => new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let g = g0[i]!;
    if (kind !== 'adamw') g += wd * p[i]!;
    if (kind === 'sgd') {
      const mu = h.momentum ?? 0;
      if (mu !== 0) {
        s.buf ??= zeros();
        s.buf[i] = t === 1 ? g : mu * s.buf[i]! + (1 - (h.dampening ?? 0)) * g;
        g = h.nesterov ? g + mu * s.buf[i]! : s.buf[i]!;
      }
      p[i]! -= h.lr * g;
    } else if (kind === 'adam' || kind === 'adamw') {
      const [b1, b2] = h.betas ?? [0.9, 0.999];
      const eps = h.eps ?? 1e-8;
      if (kind === 'adamw') p[i] = p[i]! * (1 - h.lr * wd);
      s.m ??= zeros();
      s.v ??= zeros();
      s.m[i] = b1 * s.m[i]! + (1 - b1) * g;
      s.v[i] = b2 * s.v[i]! + (1 - b2) * g * g;
      const mHat = s.m[i]! / (1 - b1 ** t);
      const vHat = s.v[i]! / (1 - b2 ** t);
      // PyTorch adds eps to sqrt(v)/sqrt(1 - b2^t), i.e. to sqrt(vHat)
      p[i]! -= (h.lr * mHat) / (Math.sqrt(vHat) + eps);
    } else if (kind === 'rmsprop') {
      const alpha = h.alpha ?? 0.99;
      const eps = h.eps ?? 1e-8;
      s.v ??= zeros();
      s.v[i] = alpha * s.v[i]! + (1 - alpha) * g * g;
      let avg: number;
      if (h.centered) {
        s.ga ??= zeros();
        s.ga[i] = alpha * s.ga[i]! + (1 - alpha) * g;
        avg = Math.sqrt(s.v[i]! - s.ga[i]! ** 2) + eps;
      } else {
        avg = Math.sqrt(s.v[i]!) + eps;
      }
      const mu = h.momentum ?? 0;
      if (mu > 0) {
        s.buf ??= zeros();
        s.buf[i] = mu * s.buf[i]! + g / avg;
        p[i]! -= h.lr * s.buf[i]!;
      } else {
        p[i]! -= (h.lr * g) / avg;
      }
    } else {
      const rho = h.rho ?? 0.9;
      const eps = h.eps ?? 1e-6;
      s.v ??= zeros();
      s.u ??= zeros();
      s.v[i] = rho * s.v[i]! + (1 - rho) * g * g;
      const delta = (Math.sqrt(s.u[i]! + eps) / Math.sqrt(s.v[i]! + eps)) * g;
      s.u[i] = rho * s.u[i]! + (1 - rho) * delta * delta;
      p[i]! -= h.lr * delta;
    }
  }
}

function runNative(
  kind: OptimKind,
  params: Tensor[],
  grads: Tensor[],
  state: ReturnType<typeof initOptimState>,
  h: Hyper,
) {
  if (kind === 'sgd') optimStep.sgd(params, grads, state, h);
  else if (kind === 'adam') optimStep.adam(params, grads, state, h);
  else if (kind === 'adamw') optimStep.adamw(params, grads, state, h);
  else if (kind === 'rmsprop') optimStep.rmsprop(params, grads, state, h);
  else optimStep.adadelta(params, grads, state, h);
}

const CASES: [OptimKind, Hyper][] = [
  ['sgd', { lr: 0.1 }],
  ['sgd', { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ['sgd', { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.02 }],
  ['adam', { lr: 0.01 }],
  ['adam', { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1 }],
  ['adamw', { lr: 0.01 }],
  ['adamw', { lr: 0.02, betas: [0.85, 0.95], weightDecay: 0.05 }],
  ['rmsprop', { lr: 0.01 }],
  ['rmsprop', { lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.01 }],
  ['rmsprop', { lr: 0.02, momentum: 0.3 }],
  ['adadelta', { lr: 1.0 }],
  ['adadelta', { lr: 0.5, rho: 0.8, eps: 1e-5, weightDecay: 0.01 }],
];

// 'contiguous' takes the native single-pass kernels; 'strided' grads (a transposed view) take the ATen fallback path.
for (const [kind, hyper] of CASES) {
  for (const layout of ['contiguous', 'strided'] as const)
    test(`optimStep.${kind} ${JSON.stringify(hyper)} (${layout}) matches the update rule over 4 steps`, () => {
      const shapes = [[2, 3], [3]];
      const ref = shapes.map((s, k) =>
        Array.from(
          uniform(
            s.reduce((a, b) => a * b, 1),
            -1,
            1,
            100 + k,
          ),
        ),
      );
      const refStates: RefState[] = shapes.map(() => ({}));
      scope(() => {
        const params = ref.map((d, k) =>
          tensor(Float64Array.from(d), shapes[k], { dtype: 'float64', requiresGrad: true }),
        );
        const state = initOptimState(kind, params, hyper);
        for (let t = 1; t <= 4; t++) {
          const gs = shapes.map((s, k) =>
            Array.from(
              uniform(
                s.reduce((a, b) => a * b, 1),
                -2,
                2,
                1000 * t + k,
              ),
            ),
          );
          const grads = gs.map((g, k) => {
            const shape = shapes[k]!;
            if (layout === 'contiguous' || shape.length < 2)
              return tensor(Float64Array.from(g), shape, { dtype: 'float64' });
            // same values, stored transposed: g[i][j] lives at j * rows + i
            const [r, c] = shape as [number, number];
            const tr = new Float64Array(r * c);
            for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) tr[j * r + i] = g[i * c + j]!;
            return tensor(tr, [c, r], { dtype: 'float64' }).t();
          });
          runNative(kind, params, grads, state, hyper);
          ref.forEach((p, k) => refStep(kind, p, gs[k]!, refStates[k]!, t, hyper));
          params.forEach((p, k) =>
            assertClose(p.toFloat64Array(), ref[k]!, 1e-12, `${kind} step ${t} param ${k}`),
          );
        }
        assert.deepEqual(Array.from(state.step), [4, 4]);
        disposeOptimState(state);
      });
    });
}

test('grads = null uses each param.grad and skips params without one', () => {
  scope(() => {
    const a = tensor([1, 2], [2], { dtype: 'float64', requiresGrad: true });
    const b = tensor([3, 4], [2], { dtype: 'float64', requiresGrad: true });
    a.mul(a).sum().backward(); // grad 2a = [2, 4]; b has no grad
    const state = initOptimState('adam', [a, b]);
    optimStep.adam([a, b], null, state, { lr: 0.1 });
    const ref = [1, 2];
    refStep('adam', ref, [2, 4], {}, 1, { lr: 0.1 });
    assertClose(a.toFloat64Array(), ref, 1e-12, 'a');
    assert.deepEqual(b.toNumbers(), [3, 4]);
    assert.deepEqual(Array.from(state.step), [1, 0]);
    assert.equal(a.requiresGrad, true, 'params stay leaves that require grad');
    disposeOptimState(state);
  });
});

test('optimizer misuse is an error', () => {
  scope(() => {
    const a = tensor([1, 2], [2], { requiresGrad: true });
    const state = initOptimState('adam', [a]);
    assert.throws(() => optimStep.sgd([a], [a], state, { lr: 1 }), /state was created for 'adam'/);
    assert.throws(() => optimStep.adam([a, a], null, state, { lr: 1 }), /state holds 1 params, got 2/);
    const sgdNoMomentum = initOptimState('sgd', [a], { momentum: 0 });
    assert.throws(
      () => optimStep.sgd([a], [tensor([1, 1])], sgdNoMomentum, { lr: 1, momentum: 0.9 }),
      /optimStep: state 0 must hold one tensor per param/,
    );
    assert.throws(
      () => optimStep.adam([a], [tensor([1, 2, 3])], state, { lr: 1 }),
      /^Error: optimStep\(float32\[2\]\)/,
    );
    disposeOptimState(state);
    disposeOptimState(sgdNoMomentum);
  });
});
