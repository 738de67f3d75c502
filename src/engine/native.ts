// Loads the libtorch addon (private to src/engine). Environment that libtorch reads at load time is set here, first.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Opaque native tensor handle: a small integer naming a slot in the addon's tensor table (plus a generation). */
export type NativeHandle = number & { readonly __nativeHandle: true };
type H = NativeHandle;
type Dims = number | readonly number[];
type Pair = [H, H];

// Codes shared with native/src/core.cc (dtypeOf/codeOf).
export const DTYPE_CODES = { float32: 0, float64: 1, int64: 2, bool: 3, uint8: 4 } as const;

export interface Native {
  fromTyped(
    data: ArrayBufferView,
    shape: readonly number[],
    dtype: number,
    device: number,
    requiresGrad: boolean,
  ): H;
  zeros(shape: readonly number[], dtype: number, device: number, requiresGrad: boolean): H;
  ones(shape: readonly number[], dtype: number, device: number, requiresGrad: boolean): H;
  full(shape: readonly number[], value: number, dtype: number, device: number, requiresGrad: boolean): H;
  rand(shape: readonly number[], dtype: number, device: number, requiresGrad: boolean): H;
  randn(shape: readonly number[], dtype: number, device: number, requiresGrad: boolean): H;
  randint(
    low: number,
    high: number,
    shape: readonly number[],
    dtype: number,
    device: number,
    requiresGrad: boolean,
  ): H;
  arange(start: number, end: number, step: number, dtype: number, device: number, requiresGrad: boolean): H;
  randperm(n: number, dtype: number, device: number, requiresGrad: boolean): H;
  eye(n: number, dtype: number, device: number, requiresGrad: boolean): H;
  toTyped(h: H, code: 0): Float32Array;
  toTyped(h: H, code: 1): Float64Array;
  toTyped(h: H, code: 2): BigInt64Array;
  toTyped(h: H, code: 3 | 4): Uint8Array;
  item(h: H): number;
  meta(h: H): number[];
  /** true when it freed a live tensor; stale or repeated ids are ignored */
  dispose(h: H): boolean;
  isDisposed(h: H): boolean;
  to(h: H, dtype: number): H;
  toDevice(h: H, device: number): H;
  clone(h: H): H;
  contiguous(h: H): H;
  requiresGrad(h: H): boolean;
  setRequiresGrad(h: H, b: boolean): void;
  grad(h: H): H | null;
  backward(h: H, g: H | null): void;
  detach(h: H): H;
  zeroGrad(h: H): void;
  setGradEnabled(b: boolean): void;
  isGradEnabled(): boolean;
  copy_(h: H, src: H): void;
  fill_(h: H, v: number): void;
  zero_(h: H): void;
  add_(h: H, o: H, alpha: number): void;
  addScalar_(h: H, o: number, alpha: number): void;
  mul_(h: H, o: H): void;
  mulScalar_(h: H, o: number): void;
  uniform_(h: H, lo: number, hi: number): void;
  normal_(h: H, mean: number, std: number): void;
  manualSeed(seed: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  liveCount(): number;
  externalBytes(): number;
  trimMemory(): void;
  version(): string;

  add(a: H, b: H): H;
  addS(a: H, b: number): H;
  sub(a: H, b: H): H;
  subS(a: H, b: number): H;
  mul(a: H, b: H): H;
  mulS(a: H, b: number): H;
  div(a: H, b: H): H;
  divS(a: H, b: number): H;
  pow(a: H, b: H): H;
  powS(a: H, b: number): H;
  maximum(a: H, b: H): H;
  maximumS(a: H, b: number): H;
  minimum(a: H, b: H): H;
  minimumS(a: H, b: number): H;
  eq(a: H, b: H): H;
  eqS(a: H, b: number): H;
  ne(a: H, b: H): H;
  neS(a: H, b: number): H;
  lt(a: H, b: H): H;
  ltS(a: H, b: number): H;
  le(a: H, b: H): H;
  leS(a: H, b: number): H;
  gt(a: H, b: H): H;
  gtS(a: H, b: number): H;
  ge(a: H, b: H): H;
  geS(a: H, b: number): H;
  logicalAnd(a: H, b: H): H;
  logicalAndS(a: H, b: number): H;
  logicalOr(a: H, b: H): H;
  logicalOrS(a: H, b: number): H;
  matmul(a: H, b: H): H;
  neg(a: H): H;
  exp(a: H): H;
  log(a: H): H;
  sqrt(a: H): H;
  rsqrt(a: H): H;
  abs(a: H): H;
  sign(a: H): H;
  square(a: H): H;
  tanh(a: H): H;
  sigmoid(a: H): H;
  relu(a: H): H;
  softplus(a: H): H;
  log1p(a: H): H;
  expm1(a: H): H;
  sin(a: H): H;
  cos(a: H): H;
  reciprocal(a: H): H;
  floor(a: H): H;
  round(a: H): H;
  logicalNot(a: H): H;
  isfinite(a: H): H;
  allFinite(a: H): boolean;
  t(a: H): H;
  maxAll(a: H): H;
  minAll(a: H): H;
  clamp(a: H, min: number | null, max: number | null): H;
  sum(a: H, dims: Dims | null, keepdim: boolean): H;
  mean(a: H, dims: Dims | null, keepdim: boolean): H;
  amax(a: H, dims: Dims | null, keepdim: boolean): H;
  amin(a: H, dims: Dims | null, keepdim: boolean): H;
  logsumexp(a: H, dims: Dims | null, keepdim: boolean): H;
  argmax(a: H, dim: number | null, keepdim: boolean): H;
  argmin(a: H, dim: number | null, keepdim: boolean): H;
  maxDim(a: H, dim: number, keepdim: boolean): Pair;
  minDim(a: H, dim: number, keepdim: boolean): Pair;
  softmax(a: H, dim: number): H;
  logSoftmax(a: H, dim: number): H;
  norm(a: H, p: number, dims: Dims | null, keepdim: boolean): H;
  var(a: H, dims: Dims | null, unbiased: boolean, keepdim: boolean): H;
  std(a: H, dims: Dims | null, unbiased: boolean, keepdim: boolean): H;
  transpose(a: H, d0: number, d1: number): H;
  permute(a: H, dims: readonly number[]): H;
  reshape(a: H, shape: readonly number[]): H;
  view(a: H, shape: readonly number[]): H;
  flatten(a: H, start: number, end: number): H;
  squeeze(a: H, dim: number | null): H;
  unsqueeze(a: H, dim: number): H;
  expand(a: H, shape: readonly number[]): H;
  narrow(a: H, dim: number, start: number, length: number): H;
  slice(a: H, dim: number, start: number, end: number | null, step: number): H;
  select(a: H, dim: number, index: number): H;
  gather(a: H, dim: number, index: H): H;
  scatter(a: H, dim: number, index: H, src: H): H;
  scatterS(a: H, dim: number, index: H, src: number): H;
  indexSelect(a: H, dim: number, index: H): H;
  maskedFill(a: H, mask: H, value: number): H;
  topk(a: H, k: number, dim: number, largest: boolean): Pair;
  sort(a: H, dim: number, descending: boolean): Pair;
  oneHot(a: H, numClasses: number): H;
  where(c: H, a: H | null, b: H | null, aValue: number, bValue: number): H;
  cat(ts: H[], dim: number): H;
  stack(ts: H[], dim: number): H;

  linear(x: H, w: H, b: H | null): H;
  conv2d(x: H, w: H, b: H | null, stride: number[], padding: number[], dilation: number[], groups: number): H;
  maxPool2d(x: H, kernel: number[], stride: number[], padding: number[]): H;
  avgPool2d(x: H, kernel: number[], stride: number[], padding: number[]): H;
  adaptiveAvgPool2d(x: H, out: number[]): H;
  batchNorm(
    x: H,
    rm: H | null,
    rv: H | null,
    w: H | null,
    b: H | null,
    training: boolean,
    momentum: number,
    eps: number,
  ): H;
  dropout(x: H, p: number, training: boolean): H;
  crossEntropy(z: H, y: H, reduction: number): H;
  mseLoss(a: H, b: H, reduction: number): H;
  optimStep(
    kind: number,
    params: H[],
    grads: H[] | null,
    states: (H[] | null)[],
    steps: Float64Array,
    hyper: Float64Array,
  ): void;
}

function hasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

function locate(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.HEADROOM_NATIVE,
    // src/engine → repo root, and dist/engine → repo root
    path.resolve(here, '..', '..', 'build', 'Release', 'headroom_native.node'),
    path.resolve(here, '..', '..', '..', 'build', 'Release', 'headroom_native.node'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `headroom: the native addon is not built (looked for ${candidates.join(', ')}). Run \`npm run setup\` ` +
        '(or `node scripts/build-native.mjs`).',
    );
  }
  return found;
}

function load(): Native {
  // Debian's OpenBLAS misdetects AVX-512 CPUs and runs ~5x slower; the override must be in the environment before
  // libtorch (and with it OpenBLAS) is loaded. A value already set by the user wins.
  if (process.env.OPENBLAS_CORETYPE === undefined && hasAvx512()) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
  const req = createRequire(import.meta.url);
  const native = req(ADDON_PATH) as Native;
  const threads = Number(process.env.HEADROOM_THREADS);
  if (process.env.HEADROOM_THREADS && Number.isInteger(threads) && threads > 0) native.setNumThreads(threads);
  return native;
}

/** The native addon file this process loaded (for provenance: exec/machine.ts hashes it with the code). */
export const ADDON_PATH: string = locate();

export const N: Native = load();
