import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const script = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'find-libtorch.mjs');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

test('find-libtorch reports a usable libtorch as JSON and as gyp flags', () => {
  const r = run([]);
  assert.equal(r.status, 0, r.stderr);
  const found = JSON.parse(r.stdout) as {
    includes: string[];
    libDir: string;
    libs: string[];
    cxx11Abi: number;
    cuda: boolean;
  };
  assert.ok(found.includes.some((d) => existsSync(path.join(d, 'ATen', 'ATen.h'))));
  assert.ok(existsSync(path.join(found.libDir, 'libtorch_cpu.so')));
  assert.deepEqual(found.libs.slice(0, 3), ['torch', 'torch_cpu', 'c10']);
  assert.ok(found.cxx11Abi === 0 || found.cxx11Abi === 1);
  assert.equal(found.cuda, existsSync(path.join(found.libDir, 'libtorch_cuda.so')));
  assert.equal(run(['--check']).status, 0);
  assert.match(run(['--ldflags']).stdout, /-Wl,-rpath,\S+ .*-ltorch_cpu/);
  assert.match(run(['--defines']).stdout.trim(), /^_GLIBCXX_USE_CXX11_ABI=[01]$/);
});

test('an unusable LIBTORCH is one clear line and exit 2 (1 with --check)', () => {
  const r = run(['--includes'], { LIBTORCH: '/nonexistent/libtorch' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /LIBTORCH=\/nonexistent\/libtorch is not a libtorch folder/);
  assert.equal(run(['--check'], { LIBTORCH: '/nonexistent/libtorch' }).status, 1);
});
