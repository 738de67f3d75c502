#!/usr/bin/env node
// Builds the libtorch addon (native/) with node-gyp when a source is newer than build/Release/headroom_native.node,
// or when the libtorch found differs from the one it was built against. Usage: node scripts/build-native.mjs [--force]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch } from './find-libtorch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const outDir = path.join(root, 'build', 'Release');
const out = path.join(outDir, 'headroom_native.node');
const stampPath = path.join(outDir, 'headroom_native.json');
const force = process.argv.includes('--force');

const found = findLibtorch();
if (!found || found.invalid) {
  console.error(
    found?.invalid ??
      "headroom: libtorch not found. Set LIBTORCH to a libtorch folder (with include/ and lib/), install PyTorch for python3 ('pip install torch'), or 'apt-get install libtorch-dev'.",
  );
  process.exit(2);
}

const stamp = JSON.stringify({ libtorch: found, node: process.versions.modules });
const sources = [
  ...readdirSync(path.join(nativeDir, 'src')).map((f) => path.join(nativeDir, 'src', f)),
  path.join(nativeDir, 'binding.gyp'),
  path.join(root, 'scripts', 'find-libtorch.mjs'),
];
const mtime = (p) => statSync(p).mtimeMs;
const oldStamp = existsSync(stampPath) ? readFileSync(stampPath, 'utf8') : '';
const upToDate =
  !force && existsSync(out) && oldStamp === stamp && sources.every((s) => mtime(s) <= mtime(out));
if (upToDate) process.exit(0);

// Offline builds: node-gyp wants headers in its cache; a system node ships them under <prefix>/include/node.
function nodedirArgs() {
  const cached = path.join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node', 'common.gypi');
  if (existsSync(cached)) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) return [`--nodedir=${prefix}`];
  return [];
}

const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(gyp)) {
  console.error('headroom: node-gyp is missing (npm install first).');
  process.exit(2);
}
const jobs = process.env.HEADROOM_BUILD_JOBS ?? '2';
const env = { ...process.env, HEADROOM_LIBTORCH_JSON: JSON.stringify(found) };
const run = (args) => execFileSync(process.execPath, [gyp, ...args], { cwd: nativeDir, env, stdio: ['ignore', 'inherit', 'inherit'] });

console.error(`build-native: compiling native/ against libtorch from ${found.source} (${found.libDir})${found.cuda ? ' with CUDA' : ''}`);
const t0 = Date.now();
try {
  // A new libtorch (or node ABI) needs a fresh configure; otherwise make recompiles only the changed sources.
  const configured = existsSync(path.join(nativeDir, 'build', 'Makefile'));
  if (!configured || oldStamp !== stamp || force) run(['configure', ...nodedirArgs()]);
  run(['build', `--jobs=${jobs}`, ...nodedirArgs()]);
} catch {
  console.error('build-native: the native build failed (see the compiler output above).');
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
// Copy then rename: overwriting the .node in place would corrupt the mapping of processes that have it loaded
// (they crash with SIGSEGV); a rename leaves them on the old inode.
copyFileSync(path.join(nativeDir, 'build', 'Release', 'headroom_native.node'), `${out}.tmp`);
renameSync(`${out}.tmp`, out);
writeFileSync(stampPath, stamp);
console.error(`build-native: built ${path.relative(root, out)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
