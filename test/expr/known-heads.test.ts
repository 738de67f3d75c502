// KNOWN_EXPRESSIONS claims to be the catalogue heads written in the candidate language (the search reports a
// candidate with the same hash as a rediscovery of that head). Check the claim against the heads themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scope, tensor, type Tensor } from '../../src/engine/index.js';
import { listHeads } from '../../src/heads/index.js';
import { KNOWN_EXPRESSIONS, compile, knownExpr } from '../../src/expr/index.js';
import { randomInputs } from './helpers.js';

const B = 6;
const C = 5;

function inputs(): { z: Tensor; y: Tensor } {
  const inp = randomInputs(21, B, C);
  return { z: tensor(Float32Array.from(inp.z), [B, C]), y: tensor(Int32Array.from(inp.y), [B]) };
}

function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${x} vs ${b[i]}`),
  );
}

const heads = new Map(listHeads().map((h) => [h.id, h]));

test('known losses equal the heads’ objectives (batch mean of the per-example loss)', () => {
  let checked = 0;
  for (const k of KNOWN_EXPRESSIONS.filter((x) => x.space === 'loss')) {
    const factory = heads.get(k.id);
    if (factory === undefined || factory.kind !== 'loss') continue;
    scope(() => {
      const { z, y } = inputs();
      const head = factory.create();
      const want = head.objective({ z, y, step: 0, numClasses: C }).toFloat32Array();
      const got = compile(knownExpr(k))({ z, y }).mean().toFloat32Array();
      assertClose(got, want, k.id);
    });
    checked++;
  }
  assert.ok(checked >= 12, `only ${checked} losses matched a head`);
});

test('known δ-rules equal the heads’ δ (δ-rule heads) or B·∂objective/∂z (loss heads)', () => {
  let checked = 0;
  for (const k of KNOWN_EXPRESSIONS.filter((x) => x.space === 'delta')) {
    const factory = heads.get(k.id);
    if (factory === undefined) continue;
    scope(() => {
      const { z, y } = inputs();
      const head = factory.create();
      let want: Float32Array;
      if (head.delta !== undefined) {
        want = head.delta({ z, y, step: 0, numClasses: C }).toFloat32Array();
      } else {
        z.setRequiresGrad(true);
        head.objective({ z, y, step: 0, numClasses: C }).backward();
        want = z.grad!.mul(B).toFloat32Array();
      }
      const got = compile(knownExpr(k))({ z: z.detach(), y }).toFloat32Array();
      assertClose(got, want, `${k.id} δ`);
    });
    checked++;
  }
  assert.ok(checked >= 9, `only ${checked} δ-rules matched a head`);
});
