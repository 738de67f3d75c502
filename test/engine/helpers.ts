// Test helpers: a seeded RNG for inputs, closeness checks, and a central-difference gradient checker.
import assert from 'node:assert/strict';
import { noGrad, scope, tensor, type Tensor } from '../../src/engine/index.js';

import { rng } from '../rng.js';

export { rng };

export function uniform(n: number, lo: number, hi: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Values with |x| in [lo, hi] and random sign: keeps finite differences away from kinks at 0. */
export function awayFromZero(n: number, lo: number, hi: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r()));
}

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol = 1e-5,
  what = '',
): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const ok = (Number.isNaN(a) && Number.isNaN(e)) || Math.abs(a - e) <= tol * (1 + Math.abs(e));
    if (!ok) assert.fail(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
  }
}

export interface Input {
  data: ArrayLike<number>;
  shape: number[];
  /** false: held constant (no gradient checked) */
  grad?: boolean;
}

/**
 * Checks d/dx sum(f(x) * R) from autograd against central differences in float64, for every input with grad ≠ false.
 * R is a fixed random weighting so the check covers non-uniform upstream gradients.
 */
export function gradcheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Input[],
  { eps = 1e-6, atol = 1e-6, rtol = 1e-5 } = {},
): void {
  scope(() => {
    const xs = inputs.map((s) =>
      tensor(Float64Array.from(s.data), s.shape, { dtype: 'float64', requiresGrad: s.grad !== false }),
    );
    const out = f(...xs);
    assert.equal(out.dtype, 'float64', `${name}: output must be float64 for gradcheck`);
    const weights = tensor(uniform(out.numel, 0.5, 1.5, 99), out.shape, { dtype: 'float64' });
    out.mul(weights).sum().backward();
    const analytic = xs.map((x) => x.grad?.toFloat64Array() ?? null);
    const lossAt = (datas: Float64Array[]): number =>
      noGrad(() =>
        scope(() => {
          const ys = datas.map((d, i) => tensor(d, inputs[i]!.shape, { dtype: 'float64' }));
          return f(...ys)
            .mul(weights)
            .sum()
            .item();
        }),
      );
    const base = inputs.map((s) => Float64Array.from(s.data));
    inputs.forEach((spec, i) => {
      if (spec.grad === false) return;
      const g = analytic[i];
      assert.ok(g, `${name}: input ${i} got no gradient`);
      for (let j = 0; j < base[i]!.length; j++) {
        const plus = base.map((d) => Float64Array.from(d));
        const minus = base.map((d) => Float64Array.from(d));
        const pi = plus[i]!;
        const mi = minus[i]!;
        pi[j] = pi[j]! + eps;
        mi[j] = mi[j]! - eps;
        const num = (lossAt(plus) - lossAt(minus)) / (2 * eps);
        const ana: number = g[j]!;
        if (!(Math.abs(num - ana) <= atol + rtol * Math.abs(num))) {
          assert.fail(`${name}: d/dinput${i}[${j}] autograd ${ana} vs finite difference ${num}`);
        }
      }
    });
  });
}
