// Test utilities: a seeded PRNG, plain-JS math, and central finite differences over engine objectives.
import assert from 'node:assert/strict';
import { scope, tensor, type Tensor } from '../../src/engine/index.js';

import { rng } from '../rng.js';

export { rng };

export function normals(n: number, r: () => number, scale = 1): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out.push(scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()));
  }
  return out;
}

export function labels(b: number, c: number, r: () => number): number[] {
  return Array.from({ length: b }, () => Math.floor(r() * c));
}

export function f64(data: number[], shape: number[], requiresGrad = false): Tensor {
  return tensor(Float64Array.from(data), shape, { dtype: 'float64', requiresGrad });
}

export function i64(data: number[]): Tensor {
  return tensor(Int32Array.from(data), [data.length]);
}

export function rows(flat: number[], c: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += c) out.push(flat.slice(i, i + c));
  return out;
}

export function softmaxJs(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function argmaxJs(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Central differences of f at x (f must not mutate x). */
export function finiteDiff(f: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  const g: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const xp = x.slice();
    const xm = x.slice();
    xp[i] += h;
    xm[i] -= h;
    g.push((f(xp) - f(xm)) / (2 * h));
  }
  return g;
}

/** Evaluates an engine computation to a number and frees everything it made. */
export function value(fn: () => Tensor): number {
  return scope(() => fn().item());
}

export function assertClose(
  actual: number[],
  expected: number[],
  tol: { abs?: number; rel?: number },
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const abs = tol.abs ?? 1e-9;
  const rel = tol.rel ?? 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isFinite(a) && Math.abs(a - e) <= abs + rel * Math.abs(e);
    assert.ok(ok, `${what}[${i}]: got ${a}, expected ${e} (abs ${abs}, rel ${rel})`);
  }
}

export interface HeadCase {
  z: number[]; // [B, C] flat
  y: number[];
  featureNorm?: number[];
  b: number;
  c: number;
}

/**
 * Inputs shaped like each output layer's: linear → z ~ N(0, 1.5²); cosine → z = cos θ between random x and W rows;
 * normalized-weights → z = ‖x‖ cos θ with featureNorm = ‖x‖. All computed in plain JS.
 */
export function makeCase(
  kind: 'linear' | 'cosine' | 'normalized-weights',
  b: number,
  c: number,
  seed: number,
): HeadCase {
  const r = rng(seed);
  const y = labels(b, c, r);
  if (kind === 'linear') return { z: normals(b * c, r, 1.5), y, b, c };
  const f = 6;
  const x = rows(normals(b * f, r, 2), f);
  const w = rows(normals(c * f, r), f);
  const norm = (v: number[]): number => Math.sqrt(v.reduce((a, e) => a + e * e, 0));
  const z: number[] = [];
  for (const xi of x)
    for (const wk of w) {
      const cos = xi.reduce((a, e, i) => a + e * wk[i], 0) / (norm(xi) * norm(wk));
      z.push(kind === 'cosine' ? cos : norm(xi) * cos);
    }
  return { z, y, b, c, featureNorm: kind === 'normalized-weights' ? x.map(norm) : undefined };
}
