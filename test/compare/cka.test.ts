import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { ckaMatrices, markdownCkaMatrix, storeCrossHeadCka } from '../../src/compare/cka.js';
import { featureSketch } from '../../src/compare/repr.js';
import { matrix } from '../../src/metrics/index.js';
import { rng } from '../rng.js';

const N = 200;
const D = 6;

function features(seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: N * D }, () => r() - 0.5);
}

/** x·Q·c for an orthogonal Q (a coordinate permutation with sign flips): linear CKA is invariant to it. */
function rotated(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < D; j++) out[i * D + j] = (j % 2 ? -3 : 3) * x[i * D + ((j + 1) % D)]!;
  return out;
}

function save(s: Store, head: string, seed: number, f: Float64Array | null): number {
  // threads differ between runs of one seed on purpose: they are not part of the experiment
  const config = { dataset: 'mnist', model: 'keras-mlp', head, seed, epochs: 1, threads: head.length };
  return s.saveRun({
    key: `${head}:${seed}`,
    grid: 'g',
    result: {
      config,
      status: 'ok',
      epochs: [],
      final: {
        valAcc: 0.9,
        secondsPerEpoch: 1,
        ...(f ? { features: featureSketch(matrix(f, N, D), 150) } : {}),
      },
    },
  });
}

test('cross-head CKA: 1 for a rotated copy, low for independent features; paired by seed; stored once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-cka-'));
  const s = openStore(join(dir, 'c.db'));
  try {
    const ids: number[] = [];
    for (const seed of [1, 2]) {
      const base = features(seed);
      ids.push(save(s, 'softmax-ce', seed, base));
      ids.push(save(s, 'linear-mse', seed, rotated(base)));
      ids.push(save(s, 'oland-exp', seed, features(100 + seed)));
    }
    ids.push(save(s, 'a-softmax', 3, null)); // no features: not paired
    const f = s.getFeatures(ids[0]!)!;
    assert.deepEqual([f.rows, f.cols], [150, D]);
    assert.ok(Math.abs(f.data[7]! - features(1)[7]!) < 1e-6, 'float32 round trip');
    const runs = s.listRuns({ grid: 'g' });
    assert.equal(storeCrossHeadCka(s, runs), 6, 'three pairs per seed, none across seeds');
    assert.equal(storeCrossHeadCka(s, runs), 0, 'a resumed grid computes nothing twice');
    const [m] = ckaMatrices(s, runs, ['softmax-ce', 'linear-mse', 'oland-exp']);
    assert.ok(m);
    assert.deepEqual(m.heads, ['softmax-ce', 'linear-mse', 'oland-exp']);
    const ce_mse = m.cells[0]![1]!;
    assert.equal(ce_mse.n, 2);
    assert.ok(Math.abs(ce_mse.mean - 1) < 1e-5, `rotated copy: CKA ${ce_mse.mean}`);
    assert.deepEqual(m.cells[1]![0], ce_mse, 'symmetric');
    const ce_exp = m.cells[0]![2]!;
    assert.ok(ce_exp.mean < 0.3, `independent features: CKA ${ce_exp.mean}`);
    assert.equal(m.cells[0]![0], null);
    assert.match(markdownCkaMatrix(m), /\| softmax-ce \| — \| 1\.000 \(n=2\)/);
    // re-training a run drops its features' CKA
    save(s, 'oland-exp', 1, features(7));
    assert.equal(storeCrossHeadCka(s, s.listRuns({ grid: 'g' })), 2);
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
