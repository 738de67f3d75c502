// Where and by what a run was trained, for provenance. The same configuration gives bit-identical runs on one machine
// with one version of the code, but not across machines (another CPU or BLAS kernel sums in another order) nor across
// code versions (a changed training loop draws batches or dropout masks in another order), so every run stores both.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADDON_PATH, cuda, libtorchVersion } from '../engine/index.js';

/** The folders whose code decides a run's numbers (the CLI, store, search driver and report do not). */
export const TRAINING_CODE_DIRS = ['engine', 'data', 'nn', 'heads', 'optim', 'expr', 'train'] as const;

/**
 * A short hash of the code that trains: every .js/.ts file (declarations and maps aside) under `dirs` of `root`, by
 * relative path and content, and the extra files (the native addon). Equal hashes: the same training code.
 */
export function codeHash(root: string, dirs: readonly string[], extraFiles: readonly string[] = []): string {
  const h = createHash('sha1');
  const files: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const d of dirs) walk(join(root, d));
  for (const f of files.sort()) h.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  for (const f of extraFiles) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 10);
}

let cachedCode: string | undefined;

/** The hash of this process's training code (dist/ or src/, whichever it runs) and native addon. */
export function codeVersion(): string {
  cachedCode ??= codeHash(dirname(dirname(fileURLToPath(import.meta.url))), TRAINING_CODE_DIRS, [ADDON_PATH]);
  return cachedCode;
}

/**
 * The BLAS library this process loaded, read from the shared objects mapped into it (Linux), with OpenBLAS's core
 * type: the kernel family it runs, which OPENBLAS_CORETYPE forces (headroom sets it on AVX-512 CPUs, see
 * engine/native.ts) and which OpenBLAS otherwise detects at load.
 */
export function blasDescription(maps = readMaps(), env: NodeJS.ProcessEnv = process.env): string {
  const libs = maps.split('\n').map((l) => l.trim().split(/\s+/)[5] ?? '');
  const openblas = libs.find((p) => /libopenblas/.test(p));
  if (openblas !== undefined) {
    const version = /libopenblas[a-z0-9_]*-r(\d+(?:\.\d+)*)/.exec(openblas)?.[1];
    const core = env.OPENBLAS_CORETYPE;
    return `OpenBLAS${version ? ` ${version}` : ''} core ${core ? core : 'auto-detected'}`;
  }
  if (libs.some((p) => /libmkl/.test(p))) return `MKL${env.MKL_CBWR ? ` (MKL_CBWR=${env.MKL_CBWR})` : ''}`;
  if (libs.some((p) => /libblis/.test(p))) return 'BLIS';
  return maps === '' ? 'BLAS unknown (no /proc/self/maps)' : 'BLAS built into libtorch';
}

function readMaps(): string {
  try {
    return readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Host, cores, CPU model, BLAS and its core type, libtorch's version, the GPU count when CUDA is available, and the
 * training code's hash: `host · 2 cores · AMD EPYC 9R14 · OpenBLAS 0.3.21 core Haswell · libtorch 1.13.0 · code 3f2a…`.
 */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model?.trim() ?? 'unknown cpu';
  const parts = [
    hostname(),
    `${cpus().length} cores`,
    cpu,
    blasDescription(),
    `libtorch ${libtorchVersion()}`,
  ];
  if (cuda.isAvailable()) parts.push(`${cuda.deviceCount()} CUDA device(s)`);
  parts.push(`code ${codeVersion()}`);
  return parts.join(' · ');
}
