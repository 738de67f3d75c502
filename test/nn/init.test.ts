import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manualSeed, setNumThreads } from '../../src/engine/index.js';
import { Conv2d, fans, Linear } from '../../src/nn/index.js';

setNumThreads(1);

function stats(xs: number[]): { min: number; max: number; mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max, mean, variance };
}

/** U(−b, b): every draw inside, the extremes near ±b, mean ≈ 0 and variance ≈ b²/3. */
function assertUniform(xs: number[], b: number, what: string): void {
  const s = stats(xs);
  assert.ok(s.min >= -b && s.max <= b, `${what}: range [${s.min}, ${s.max}] exceeds ±${b}`);
  assert.ok(s.max > 0.95 * b && s.min < -0.95 * b, `${what}: range [${s.min}, ${s.max}] does not fill ±${b}`);
  const se = (b * b) / Math.sqrt(5 * xs.length); // sd of the sample variance of U(−b, b) is b²·√(4/45)/√n
  assert.ok(Math.abs(s.variance - (b * b) / 3) < 6 * se, `${what}: variance ${s.variance} vs ${(b * b) / 3}`);
  assert.ok(Math.abs(s.mean) < (6 * b) / Math.sqrt(3 * xs.length), `${what}: mean ${s.mean}`);
}

describe('fans', () => {
  it('dense [out, in] and conv [out, in, kh, kw], as torch computes them', () => {
    assert.deepEqual(fans([512, 784]), { fanIn: 784, fanOut: 512 });
    assert.deepEqual(fans([64, 32, 3, 3]), { fanIn: 288, fanOut: 576 });
    assert.throws(() => fans([10]));
  });
});

describe('glorot-uniform (Keras)', () => {
  it('Linear: U(±√(6/(in+out))) weights, zero bias', () => {
    manualSeed(0);
    const l = new Linear(784, 512, { init: 'glorot-uniform' });
    assertUniform(l.weight.toNumbers(), Math.sqrt(6 / (784 + 512)), 'glorot dense');
    assert.ok(l.bias?.toNumbers().every((v) => v === 0));
    l.dispose();
  });
  it('Conv2d: fans include the receptive field', () => {
    manualSeed(0);
    const c = new Conv2d(32, 64, 3, { init: 'glorot-uniform' });
    assertUniform(c.weight.toNumbers(), Math.sqrt(6 / (32 * 9 + 64 * 9)), 'glorot conv');
    assert.ok(c.bias?.toNumbers().every((v) => v === 0));
    c.dispose();
  });
});

describe('kaiming-uniform (PyTorch default)', () => {
  it('Linear: weights and bias U(±1/√in)', () => {
    manualSeed(1);
    const l = new Linear(400, 300);
    assertUniform(l.weight.toNumbers(), 1 / Math.sqrt(400), 'kaiming weight');
    const b = l.bias?.toNumbers() ?? [];
    assert.equal(b.length, 300);
    assert.ok(b.every((v) => Math.abs(v) <= 1 / 20));
    assert.ok(b.some((v) => v !== 0));
    l.dispose();
  });
  it('Conv2d: U(±1/√(in·kh·kw))', () => {
    manualSeed(1);
    const c = new Conv2d(16, 32, 5);
    assertUniform(c.weight.toNumbers(), 1 / Math.sqrt(16 * 25), 'kaiming conv');
    assert.ok((c.bias?.toNumbers() ?? []).every((v) => Math.abs(v) <= 1 / 20));
    c.dispose();
  });
});

describe('he-normal', () => {
  it('N(0, 2/fanIn)', () => {
    manualSeed(2);
    const c = new Conv2d(64, 64, 3, { init: 'he-normal', bias: false });
    const s = stats(c.weight.toNumbers());
    const want = 2 / (64 * 9);
    assert.ok(Math.abs(s.variance - want) / want < 0.05, `variance ${s.variance} vs ${want}`);
    c.dispose();
  });
});

describe('seeding', () => {
  it('the same seed gives the same weights, another seed different ones', () => {
    const draw = (seed: number): number[] => {
      manualSeed(seed);
      const l = new Linear(10, 10);
      const w = l.weight.toNumbers();
      l.dispose();
      return w;
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
  });
});
