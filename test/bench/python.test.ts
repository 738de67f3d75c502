import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeCandidates,
  findTorchPython,
  pythonCandidates,
  SYSTEM_PYTHON,
} from '../../src/bench/python.js';

/** A stand-in for python: prints `executable` (as `print(sys.executable)` would) and exits with `code`. */
function fakePython(dir: string, name: string, executable: string, code: number): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho ${executable}\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('candidates: HEADROOM_PYTHON, then the system python, then python3 on PATH', () => {
  assert.deepEqual(
    pythonCandidates({ HEADROOM_PYTHON: '/opt/venv/bin/python' }).map((c) => c.command),
    ['/opt/venv/bin/python', SYSTEM_PYTHON, 'python3'],
  );
  // Unset or empty: not a candidate.
  assert.deepEqual(
    pythonCandidates({}).map((c) => c.command),
    [SYSTEM_PYTHON, 'python3'],
  );
  assert.deepEqual(
    pythonCandidates({ HEADROOM_PYTHON: '' }).map((c) => c.command),
    [SYSTEM_PYTHON, 'python3'],
  );
  assert.match(describeCandidates({ HEADROOM_PYTHON: '/x/py' }), /^HEADROOM_PYTHON \(\/x\/py\), /);
});

test('findTorchPython: HEADROOM_PYTHON wins when it can import torch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-python-'));
  try {
    const ok = fakePython(dir, 'py-ok', '/fake/venv/python', 0);
    const found = findTorchPython({ PATH: process.env.PATH, HEADROOM_PYTHON: ok });
    assert.deepEqual(found, { command: ok, source: 'HEADROOM_PYTHON', executable: '/fake/venv/python' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findTorchPython: skips candidates that fail or are missing, in order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-python-'));
  try {
    const bad = fakePython(dir, 'py-bad', '/fake/bad', 1);
    const first = fakePython(dir, 'py-first', '/fake/first', 0);
    const second = fakePython(dir, 'py-second', '/fake/second', 0);
    const found = findTorchPython({ PATH: process.env.PATH }, [
      { command: join(dir, 'missing'), source: 'missing' },
      { command: bad, source: 'bad' },
      { command: first, source: 'first' },
      { command: second, source: 'second' },
    ]);
    assert.equal(found?.source, 'first');
    assert.equal(found?.executable, '/fake/first');
    assert.equal(findTorchPython({ PATH: process.env.PATH }, [{ command: bad, source: 'bad' }]), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findTorchPython: a bare python3 is looked up on the PATH it is given', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-python-'));
  try {
    fakePython(dir, 'python3', '/fake/path/python3', 0);
    const found = findTorchPython({ PATH: dir }, [{ command: 'python3', source: 'python3 on PATH' }]);
    assert.equal(found?.executable, '/fake/path/python3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
