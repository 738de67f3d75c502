#!/usr/bin/env node
// Finds libtorch the way tch-rs does: $LIBTORCH, else a Python torch install, else Debian's libtorch-dev paths.
//   node scripts/find-libtorch.mjs            → JSON { source, root, includes[], libDir, libs[], cxx11Abi, cuda, version? }
//   node scripts/find-libtorch.mjs --check    → exit 0 when found, 1 when not (silent)
//   --includes | --libdir | --libs | --ldflags | --defines | --cuda   → one value per line/space-separated, for binding.gyp (<!(...))
// When nothing is found (and not --check) it prints one line saying how to provide libtorch and exits 2.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const HOW_TO =
  'headroom: libtorch not found. Set LIBTORCH to a libtorch folder (with include/ and lib/), ' +
  "install PyTorch for python3 ('pip install torch'), or 'apt-get install libtorch-dev'.";

function hasHeaders(includes) {
  return includes.some((d) => existsSync(path.join(d, 'ATen', 'ATen.h'))) &&
    includes.some((d) => existsSync(path.join(d, 'torch', 'csrc', 'autograd', 'variable.h')));
}

function hasLib(libDir, name) {
  return existsSync(path.join(libDir, `lib${name}.so`)) || existsSync(path.join(libDir, `lib${name}.dylib`));
}

function fromRoot(root, source, cxx11Abi) {
  const inc = path.join(root, 'include');
  const includes = [inc, path.join(inc, 'torch', 'csrc', 'api', 'include')].filter((d) => existsSync(d));
  const libDir = path.join(root, 'lib');
  if (!hasHeaders(includes) || !hasLib(libDir, 'torch_cpu') || !hasLib(libDir, 'c10')) return null;
  return finish({ source, root, includes, libDir, cxx11Abi });
}

function finish(found) {
  const cuda = hasLib(found.libDir, 'torch_cuda');
  const libs = ['torch', 'torch_cpu', 'c10'].filter((l) => hasLib(found.libDir, l));
  if (cuda) {
    libs.push('torch_cuda');
    if (hasLib(found.libDir, 'c10_cuda')) libs.push('c10_cuda');
  }
  return { ...found, libs, cuda };
}

// The C++ ABI flag of a prebuilt libtorch folder: newer archives carry it in build-info or the cmake config; the symbols tell for sure.
function abiOfLibDir(libDir) {
  try {
    const out = execFileSync('nm', ['-D', '--defined-only', path.join(libDir, 'libc10.so')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
    return out.includes('__cxx11') ? 1 : 0;
  } catch {
    return 1;
  }
}

function fromLibtorchEnv() {
  const root = process.env.LIBTORCH;
  if (!root) return null;
  const libDir = path.join(root, 'lib');
  const found = fromRoot(root, 'LIBTORCH', existsSync(libDir) ? abiOfLibDir(libDir) : 1);
  // Like tch-rs: an explicit LIBTORCH that is unusable is an error, not a reason to silently pick another torch.
  if (!found) return { invalid: `headroom: LIBTORCH=${root} is not a libtorch folder (needs include/ATen/ATen.h and lib/libtorch_cpu.so).` };
  return found;
}

function fromPython() {
  for (const py of ['python3', '/usr/bin/python3']) {
    let out;
    try {
      out = execFileSync(
        py,
        ['-c', 'import torch, os; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI)); print(torch.__version__)'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
      );
    } catch {
      continue;
    }
    const [root, abi, version] = out.trim().split('\n');
    if (!root) continue;
    const found = fromRoot(root, `python:${py}`, Number(abi) === 1 ? 1 : 0);
    if (found) return { ...found, version };
  }
  return null;
}

function fromDebian() {
  const libDir = '/usr/lib/x86_64-linux-gnu';
  const includes = ['/usr/include', '/usr/include/torch/csrc/api/include'];
  if (!hasHeaders(includes) || !hasLib(libDir, 'torch_cpu') || !hasLib(libDir, 'c10')) return null;
  return finish({ source: 'debian', root: '/usr', includes, libDir, cxx11Abi: 1 });
}

/** @returns {{source: string, root: string, includes: string[], libDir: string, libs: string[], cxx11Abi: number, cuda: boolean, version?: string} | {invalid: string} | null} */
export function findLibtorch() {
  // build-native.mjs resolves once and hands the answer down, so binding.gyp's <!(...) calls need no Python start-up each.
  if (process.env.HEADROOM_LIBTORCH_JSON) return JSON.parse(process.env.HEADROOM_LIBTORCH_JSON);
  return fromLibtorchEnv() ?? fromPython() ?? fromDebian();
}

function main() {
  const args = process.argv.slice(2);
  const found = findLibtorch();
  if (args.includes('--check')) process.exit(found && !found.invalid ? 0 : 1);
  if (!found || found.invalid) {
    console.error(found?.invalid ?? HOW_TO);
    process.exit(2);
  }
  const flag = args[0];
  switch (flag) {
    case undefined:
    case '--json':
      console.log(JSON.stringify(found, null, 2));
      break;
    case '--includes':
      console.log(found.includes.join(' '));
      break;
    case '--libdir':
      console.log(found.libDir);
      break;
    case '--libs':
      console.log(found.libs.map((l) => `-l${l}`).join(' '));
      break;
    case '--ldflags':
      // --no-as-needed keeps libtorch_cuda loaded although no symbol of it is referenced (its static initialisers register CUDA).
      console.log(
        [`-L${found.libDir}`, `-Wl,-rpath,${found.libDir}`, '-Wl,--no-as-needed', ...found.libs.map((l) => `-l${l}`), '-Wl,--as-needed'].join(' '),
      );
      break;
    case '--defines':
      console.log(`_GLIBCXX_USE_CXX11_ABI=${found.cxx11Abi}`);
      break;
    case '--cuda':
      console.log(found.cuda ? '1' : '0');
      break;
    default:
      console.error(`find-libtorch: unknown flag ${flag}`);
      process.exit(2);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) main();
