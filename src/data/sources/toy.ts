/**
 * Generated toy tasks. The data are fixed (a constant generation seed), like a real dataset; the `seed` option of
 * loadDataset only moves the validation split.
 */
import { Rng } from '../rng.js';
import type { ArrayDataset } from '../types.js';
import type { DataSource, RawData } from './common.js';

export const SPIRALS = { train: 2000, test: 1000, noise: 0.05, turns: 1.5 } as const;
export const SINE = { train: 1000, test: 500, lo: 1, hi: 10 } as const;

/**
 * Two interleaved spirals: class k ∈ {0, 1}, radius r = t and angle θ = 2π·turns·t + kπ with t ∈ [0.1, 1], plus
 * Gaussian noise. Classes alternate sample by sample, so any prefix is balanced.
 */
export function makeSpirals(n: number, seed: number | string, noise: number = SPIRALS.noise): ArrayDataset {
  const rng = new Rng('spirals', seed);
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 2;
    const t = 0.1 + 0.9 * rng.next();
    const theta = 2 * Math.PI * SPIRALS.turns * t + k * Math.PI;
    x[2 * i] = t * Math.cos(theta) + noise * rng.normal();
    x[2 * i + 1] = t * Math.sin(theta) + noise * rng.normal();
    y[i] = k;
  }
  return { name: 'spirals', x, y, n, sampleShape: [2], numClasses: 2, classNames: ['spiral 0', 'spiral 1'] };
}

/**
 * y = sin(x) on x ∈ [1, 10]: random x for training, an even grid for testing. Regression: numClasses 0, target in yReal,
 * y all zeros.
 */
export function makeSine(n: number, mode: 'random' | 'grid', seed: number | string = 0): ArrayDataset {
  const rng = new Rng('sine', seed);
  const x = new Float32Array(n);
  const yReal = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v =
      mode === 'grid'
        ? SINE.lo + ((SINE.hi - SINE.lo) * i) / Math.max(1, n - 1)
        : SINE.lo + (SINE.hi - SINE.lo) * rng.next();
    x[i] = v;
    yReal[i] = Math.sin(v);
  }
  return { name: 'sine', x, y: new Int32Array(n), yReal, n, sampleShape: [1], numClasses: 0 };
}

export const spirals: DataSource = {
  name: 'spirals',
  title: `two interleaved spirals (2-D, 2 classes, noise ${SPIRALS.noise})`,
  trainSize: SPIRALS.train,
  testSize: SPIRALS.test,
  sampleShape: [2],
  numClasses: 2,
  locate: () => ({ location: 'generated (fixed seed)', available: true }),
  load(): RawData {
    return {
      train: makeSpirals(SPIRALS.train, 'train'),
      test: makeSpirals(SPIRALS.test, 'test'),
      location: 'generated',
    };
  },
};

export const sine: DataSource = {
  name: 'sine',
  title: 'y = sin(x), x ∈ [1, 10] (1-D regression)',
  trainSize: SINE.train,
  testSize: SINE.test,
  sampleShape: [1],
  numClasses: 0,
  locate: () => ({ location: 'generated (fixed seed)', available: true }),
  load(): RawData {
    return {
      train: makeSine(SINE.train, 'random', 'train'),
      test: makeSine(SINE.test, 'grid'),
      location: 'generated',
    };
  },
};
