import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, scope } from '../../src/engine/index.js';
import { evaluate, makeEvalContext } from '../../src/expr/index.js';
import { getSpace } from '../../src/search/spaces/index.js';
import { taylorExpr } from '../../src/search/spaces/taylor.js';
import { polyExpr } from '../../src/search/spaces/poly.js';
import { Rng } from '../../src/search/rng.js';
import { SPACE_NAMES, CandidateError, type Candidate, type Space } from '../../src/search/types.js';

const B = 4;
const C = 3;
const Z = [0.5, -1, 2, 0, 1, 1, -2, 0.3, 0.1, 3, -0.5, 0.2];
const Y = [2, 0, 1, 1];

function softmaxRows(z: number[]): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    const row = z.slice(b * C, b * C + C);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, x) => a + x, 0);
    out.push(...e.map((x) => x / s));
  }
  return out;
}

/** δ = B · ∂objective/∂z through the space's head (what the body receives, times B). */
function deltaOf(space: Space, c: Candidate): number[] {
  return scope(() => {
    const z = tensor(Float64Array.from(Z), [B, C], { requiresGrad: true });
    const y = tensor(Int32Array.from(Y), [B]);
    const head = space.toHead(c);
    head.objective({ z, y, step: 0, numClasses: C }).backward();
    return z.grad!.mul(B).toNumbers();
  });
}

function close(a: number[], b: number[], tol = 1e-9) {
  assert.equal(a.length, b.length);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < tol, `[${i}] ${x} vs ${b[i]}`));
}

const P = softmaxRows(Z);
const T = Z.map((_, i) => (Y[Math.floor(i / C)] === i % C ? 1 : 0));
const PY = Y.map((y, b) => P[b * C + y]!);

test('each space: samples, mutations and crossovers are canonical, valid and deterministic per seed', () => {
  for (const name of SPACE_NAMES) {
    const space = getSpace(name);
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const out: string[] = [];
      let a = space.sample(rng);
      for (let i = 0; i < 25; i++) {
        const b = space.mutate(a, rng);
        const c = space.crossover ? space.crossover(a, b, rng) : b;
        for (const x of [a, b, c]) {
          const v = space.validate(x);
          assert.deepEqual(space.validate(v), v, `${name}: validate is idempotent on ${x.expr}`);
          out.push(JSON.stringify(v));
        }
        a = rng.next() < 0.5 ? c : space.sample(rng);
      }
      return out;
    };
    assert.deepEqual(run(1), run(1), `${name}: same seed, same candidates`);
    assert.notDeepEqual(run(1), run(2), `${name}: another seed, other candidates`);
  }
});

test('malformed and ill-typed candidates are CandidateErrors that point at the position', () => {
  const delta = getSpace('delta');
  assert.throws(() => delta.validate({ expr: 'p -' }), CandidateError);
  assert.throws(() => delta.validate({ expr: 'sum(z)' }), /per-class vector/);
  assert.throws(() => getSpace('loss').validate({ expr: 'z' }), CandidateError);
  assert.throws(() => getSpace('activation').validate({ expr: 'ce-like: exp(z) - t' }), /cannot read t/);
  assert.throws(() => getSpace('activation').validate({ expr: 'exp(z)' }), CandidateError);
  assert.throws(() => getSpace('taylor').validate({ expr: '', params: [1, 2] }), CandidateError);
  try {
    delta.validate({ expr: 'exp(q) - t' });
    assert.fail('should throw');
  } catch (e) {
    assert.match((e as Error).message, /unknown identifier 'q'.*at index 4/s);
  }
});

test('heads built from candidates give the δ of the closed forms', () => {
  // δ-rule p − t and loss −log p_y: δ = p − t
  close(
    deltaOf(getSpace('delta'), { expr: 'p - t' }),
    P.map((p, i) => p - T[i]!),
  );
  close(
    deltaOf(getSpace('loss'), { expr: '-log(py)' }),
    P.map((p, i) => p - T[i]!),
  );
  // Oland: exp(z) − t, stated directly
  close(
    deltaOf(getSpace('delta'), { expr: 'exp(z) - t' }),
    Z.map((z, i) => Math.exp(z) - T[i]!),
  );
  // activation a(z) = z with MSE: ½‖z − t‖² → δ = z − t; a = exp(z) with the CE-like base is softmax-CE
  close(
    deltaOf(getSpace('activation'), { expr: 'mse: z' }),
    Z.map((z, i) => z - T[i]!),
  );
  close(
    deltaOf(getSpace('activation'), { expr: 'ce-like: exp(z)' }),
    P.map((p, i) => p - T[i]!),
  );
  // PolyLoss ε1 = 0.7: ∂/∂z_j [−ε1 p_y] = −ε1 p_y (t_j − p_j)
  const poly = getSpace('poly');
  close(
    deltaOf(poly, poly.continuous!.fromVector([0.7, 0, 0, 0])),
    P.map((p, i) => p - T[i]! - 0.7 * PY[Math.floor(i / C)]! * (T[i]! - p)),
  );
  // TaylorGLO at its start point: L = −(1/C) Σ_k t_k p_k = −p_y / C → δ_j = −(p_y/C)(t_j − p_j)
  const taylor = getSpace('taylor');
  close(
    deltaOf(taylor, taylor.continuous!.fromVector([0, 0, 0, 0, 0, 1, 0, 0])),
    P.map((p, i) => (-PY[Math.floor(i / C)]! / C) * (T[i]! - p)),
  );
});

test('the TaylorGLO and PolyLoss expressions compute their stated formulas', () => {
  const ctx = makeEvalContext({ z: Z, y: Y, batch: B, classes: C });
  const th = [0.3, 0.2, -1.1, 0.7, 2.5, 1.3, -0.4, 0.9];
  const got = Array.from(evaluate(taylorExpr(th), ctx).data);
  const want = Y.map((_, b) => {
    let s = 0;
    for (let k = 0; k < C; k++) {
      const x = T[b * C + k]!;
      const y = P[b * C + k]!;
      const d = y - th[1]!;
      const e = x - th[0]!;
      s +=
        th[2]! * d +
        0.5 * th[3]! * d ** 2 +
        (th[4]! / 6) * d ** 3 +
        th[5]! * e * d +
        0.5 * th[6]! * e * d ** 2 +
        0.5 * th[7]! * e ** 2 * d;
    }
    return -s / C;
  });
  close(got, want, 1e-12);
  const eps = [0.5, -0.25, 2, 0.125];
  const poly = Array.from(evaluate(polyExpr(eps), ctx).data);
  close(
    poly,
    PY.map((py) => -Math.log(py) + eps.reduce((s, e, j) => s + e * (1 - py) ** (j + 1), 0)),
    1e-9,
  );
});

test('--tune: a continuous space over the constants of one expression, in relative units', async () => {
  const { tunedSpace } = await import('../../src/search/spaces/tune.js');
  const { CmaEsSampler } = await import('../../src/search/samplers/cmaes-sampler.js');
  const space = tunedSpace(getSpace('delta'), '0.5 * exp(z) - t');
  assert.equal(space.name, 'delta', 'a tuned candidate is an ordinary delta candidate');
  assert.equal(space.continuous!.dim, 1);
  assert.equal(space.continuous!.fromVector([0]).expr, '0.5 * exp(z) - t');
  // value = c + |c|·x: x = 1 doubles the constant; the head is e^z − t exactly
  const one = space.continuous!.fromVector([1]);
  close(
    deltaOf(space, one),
    Z.map((z, i) => Math.exp(z) - T[i]!),
  );
  close(
    deltaOf(getSpace('delta'), { expr: one.expr }),
    Z.map((z, i) => Math.exp(z) - T[i]!),
  );
  assert.throws(() => tunedSpace(getSpace('delta'), 'exp(z) - t'), /no numeric constants/);
  assert.throws(() => tunedSpace(getSpace('taylor'), '1'), /expression space/);
  const act = tunedSpace(getSpace('activation'), 'mse: 2 * sigmoid(z)');
  assert.match(act.continuous!.fromVector([0.5]).expr, /^mse: 3 \* sigmoid\(z\)$/);
  // CMA-ES finds the constant that maximises a synthetic score peaked at 0.2 (x = (0.2 − 0.5)/0.5 = −0.6)
  const s = new CmaEsSampler(space, 4);
  let last: Candidate | null = null;
  for (let n = 0; n < s.lambda * 40; n++) {
    const c = s.ask(n)!;
    last = c;
    const value = Number(/^(-?[\d.e-]+) \*/.exec(c.expr)![1]);
    s.tell({ number: n, candidate: c, outcome: { kind: 'ok', values: [1 - (value - 0.2) ** 2] } });
  }
  assert.ok(Math.abs(last!.params![0]! + 0.6) < 1e-3, `x = ${last!.params}`);
});
