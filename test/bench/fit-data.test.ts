import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSplitFiles, SPLIT_FORMAT, writeSplitFiles } from '../../src/bench/fit-data.js';
import { findTorchPython } from '../../src/bench/python.js';
import type { ArrayDataset, DataSplits } from '../../src/data/types.js';

/**
 * n rows of shape [1, 2, 3], x = row·10 + position (+ 0.25 so no value is integral), label (row + offset) % 10. The
 * arrays are views at a non-zero offset into larger buffers, as a dataset sliced from a bigger one is.
 */
function part(n: number, offset: number): ArrayDataset {
  const s = 6;
  const xAll = new Float32Array((n + 3) * s);
  const yAll = new Int32Array(n + 3);
  const x = xAll.subarray(3 * s);
  const y = yAll.subarray(3);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < s; j++) x[i * s + j] = i * 10 + j + 0.25;
    y[i] = (i + offset) % 10;
  }
  return { name: 'toy', x, y, n, sampleShape: [1, 2, 3], numClasses: 10 };
}

function splits(): DataSplits {
  return { train: part(7, 0), val: part(3, 1), test: part(0, 2) };
}

test('split files: what is written reads back identically (views, an empty split)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-fit-data-'));
  try {
    const data = splits();
    const manifest = writeSplitFiles(join(dir, 'm'), data);
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    assert.equal(m.format, SPLIT_FORMAT);
    assert.deepEqual(m.sample_shape, [1, 2, 3]);
    assert.equal(m.num_classes, 10);
    const back = readSplitFiles(manifest);
    for (const k of ['train', 'val', 'test'] as const) {
      assert.equal(back[k].n, data[k].n, k);
      assert.deepEqual(back[k].sampleShape, [1, 2, 3]);
      assert.deepEqual(Array.from(back[k].x), Array.from(data[k].x), k);
      assert.deepEqual(Array.from(back[k].y), Array.from(data[k].y), k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('split files: regression datasets are refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-fit-data-'));
  try {
    const data = splits();
    data.val = { ...data.val, yReal: new Float32Array(data.val.n) };
    assert.throws(() => writeSplitFiles(dir, data), /regression/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The reader that matters is bench/torch_reference.py's; checked only where a python with torch is at hand.
const python = findTorchPython();
test(
  'split files: bench/torch_reference.py reads the same numbers',
  { skip: python === null ? 'no python with torch' : false },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-fit-data-'));
    try {
      const data = splits();
      const manifest = writeSplitFiles(dir, data);
      const script = [
        'import json, sys, torch',
        'sys.path.insert(0, sys.argv[2])',
        'import torch_reference as r',
        "d, man = r.load_split(torch, sys.argv[1], 'cpu')",
        'print(json.dumps({k: {"shape": list(x.shape), "dtype": [str(x.dtype), str(y.dtype)],',
        '  "x": x.flatten().tolist(), "y": y.tolist()} for k, (x, y) in d.items()}))',
      ].join('\n');
      const bench = fileURLToPath(new URL('../../bench', import.meta.url));
      // No __pycache__ left in bench/ by this import.
      const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
      const r = spawnSync(python!.command, ['-c', script, manifest, bench], { encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout) as Record<
        string,
        { shape: number[]; dtype: string[]; x: number[]; y: number[] }
      >;
      for (const k of ['train', 'val', 'test'] as const) {
        assert.deepEqual(got[k].shape, [data[k].n, 1, 2, 3], k);
        assert.deepEqual(got[k].dtype, ['torch.float32', 'torch.int64'], k);
        assert.deepEqual(got[k].x, Array.from(data[k].x), k);
        assert.deepEqual(got[k].y, Array.from(data[k].y), k);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
