// Where a run was trained, for provenance. The same configuration gives bit-identical runs on one machine but not
// across machines (another CPU or BLAS kernel sums in another order), so every run stores the parts that decide that.
import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { cuda, libtorchVersion } from '../engine/index.js';

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
 * Host, cores, CPU model, BLAS and its core type, libtorch's version, and the GPU count when CUDA is available:
 * `host · 2 cores · AMD EPYC 9R14 · OpenBLAS 0.3.21 core Haswell · libtorch 1.13.0`.
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
  return parts.join(' · ');
}
