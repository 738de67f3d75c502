import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CmaEs, symmetricEigen } from '../../src/search/samplers/cmaes.js';
import { Rng } from '../../src/search/rng.js';

function minimise(f: (x: number[]) => number, x0: number[], sigma0: number, gens: number, seed = 1) {
  const es = new CmaEs(x0, sigma0);
  let best = Infinity;
  for (let g = 0; g < gens; g++) {
    const xs = es.sample(new Rng(seed, g));
    const fs = xs.map(f);
    best = Math.min(best, ...fs);
    es.tell(xs, fs);
  }
  return { es, best };
}

test('Jacobi eigen-decomposition reconstructs the matrix', () => {
  const a = [
    [4, 1, 0.5],
    [1, 3, -0.2],
    [0.5, -0.2, 2],
  ];
  const { values, vectors } = symmetricEigen(a);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += values[k]! * vectors[k]![i]! * vectors[k]![j]!;
      assert.ok(Math.abs(s - a[i]![j]!) < 1e-10, `(${i},${j}): ${s} vs ${a[i]![j]}`);
    }
  // trace and determinant are invariants
  assert.ok(Math.abs(values.reduce((x, y) => x + y) - 9) < 1e-10);
});

test('CMA-ES minimises the sphere in 8 dimensions', () => {
  const sphere = (x: number[]) => x.reduce((s, v) => s + v * v, 0);
  const { es, best } = minimise(sphere, new Array(8).fill(3), 1, 150);
  assert.ok(best < 1e-8, `best ${best}`);
  assert.ok(sphere(es.mean) < 1e-8, `mean ${es.mean}`);
});

test('CMA-ES minimises Rosenbrock in 4 dimensions (needs covariance adaptation)', () => {
  const rosen = (x: number[]) => {
    let s = 0;
    for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
    return s;
  };
  const { es, best } = minimise(rosen, [0, 0, 0, 0], 0.5, 600, 3);
  assert.ok(best < 1e-6, `best ${best}`);
  for (const v of es.mean) assert.ok(Math.abs(v - 1) < 1e-2, `mean ${es.mean}`);
});

test('step size shrinks near the optimum and grows on a linear slope', () => {
  const { es } = minimise((x) => x.reduce((s, v) => s + v * v, 0), [1, 1, 1], 1, 60);
  assert.ok(es.sigma < 0.1, `sigma ${es.sigma}`);
  const lin = minimise((x) => x[0]!, [0, 0, 0], 1, 30);
  assert.ok(lin.es.sigma > 3, `sigma on a slope ${lin.es.sigma}`);
});

test('the same seed gives the same search', () => {
  const f = (x: number[]) => (x[0]! - 1) ** 2 + 3 * x[1]! ** 2;
  const a = minimise(f, [2, 2], 0.5, 20, 7).es.mean;
  const b = minimise(f, [2, 2], 0.5, 20, 7).es.mean;
  const c = minimise(f, [2, 2], 0.5, 20, 8).es.mean;
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});
