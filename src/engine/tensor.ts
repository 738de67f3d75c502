// The typed Tensor API over the native addon (see docs/dev/engine-api.md). Thin on purpose: argument normalisation and
// shape checks that are cheap in JS happen here; everything else is one native call per op.
import { DTYPE_CODES, N, type NativeHandle } from './native.js';
import { SCOPED, track, type Scoped } from './scope.js';

export type DType = 'float32' | 'float64' | 'int64' | 'bool' | 'uint8';
export type Device = 'cpu' | 'cuda';
export type Shape = readonly number[];
export type Scalar = number;
export type TensorLike = Tensor | number;
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
export type NestedNumbers = number | NestedNumbers[];
export type Reduction = 'mean' | 'sum' | 'none';
export type Pair2 = number | readonly [number, number];
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

type H = NativeHandle;
const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool', 'uint8'];
const DISPOSED = 'tensor used after dispose()';
const TOKEN = Symbol('headroom.engine');

function dtypeCode(d: DType | undefined, fallback: number): number {
  if (d === undefined) return fallback;
  const c = DTYPE_CODES[d];
  if (c === undefined) throw new Error(`unknown dtype '${String(d)}' (expected one of ${DTYPES.join(', ')})`);
  return c;
}

let cudaChecked: boolean | undefined;
function cudaAvailable(): boolean {
  if (cudaChecked === undefined) cudaChecked = N.cudaIsAvailable();
  return cudaChecked;
}

function deviceCode(d: Device | undefined, op: string): number {
  if (d === undefined || d === 'cpu') return 0;
  if (d === 'cuda') {
    if (!cudaAvailable()) {
      throw new Error(
        `${op}: CUDA is not available (this libtorch has no CUDA support or no GPU is visible); use device 'cpu'`,
      );
    }
    return 1;
  }
  throw new Error(`${op}: unknown device '${String(d)}' (expected 'cpu' or 'cuda')`);
}

function checkShape(shape: Shape, op: string): readonly number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of non-negative integers`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${op}: invalid shape [${shape.join(', ')}]`);
  }
  return shape;
}

function numelOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function handleOf(t: Tensor, op: string): H {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${describeValue(t)}`);
  const h = t._h;
  if (h === null) throw new Error(DISPOSED);
  return h;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function pair(v: Pair2 | undefined, dflt: readonly [number, number], op: string, what: string): number[] {
  if (v === undefined) return [dflt[0], dflt[1]];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) return [v[0], v[1]];
  throw new Error(`${op}: ${what} must be a number or [h, w]`);
}

function reductionCode(r: Reduction, op: string): number {
  switch (r) {
    case 'none':
      return 0;
    case 'mean':
      return 1;
    case 'sum':
      return 2;
    default:
      throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none'`);
  }
}

// GC backstop for tensors outside scope(). Scoped tensors are always disposed by their scope and never registered.
// Registration is deferred to the next microtask (or every 4096 tensors) and skipped for tensors disposed by then:
// a weak cell per short-lived tensor would cost about as much as the op itself.
const registry = new FinalizationRegistry<H>((h) => {
  N.dispose(h);
});
let pending: Tensor[] = [];
let flushQueued = false;
function flushPending(): void {
  flushQueued = false;
  const list = pending;
  pending = [];
  for (const t of list) t._register();
}

/** @internal wraps a fresh native handle */
function w(h: H): Tensor {
  return new Tensor(TOKEN, h);
}
function wPair(p: [H, H]): ValuesIndices {
  return { values: w(p[0]), indices: w(p[1]) };
}

export class Tensor implements Scoped {
  /** @internal native handle; null once disposed */
  _h: H | null;
  /** @internal set by keep() */
  _kept = false;
  /** 0 unmanaged-by-GC, 1 waiting to register, 2 registered with the FinalizationRegistry */
  private _reg: 0 | 1 | 2 = 0;
  private _meta: number[] | null = null;
  private _shape: number[] | null = null;
  declare readonly [SCOPED]: true;

  /** @internal tensors come only from the engine's functions */
  constructor(token: symbol, h: H) {
    if (token !== TOKEN)
      throw new Error('Tensor: use the engine functions (tensor, zeros, ...) to create tensors');
    this._h = h;
    if (!track(this)) this._escape();
  }

  /** @internal */
  _escape(): void {
    if (this._reg !== 0 || this._h === null) return;
    this._reg = 1;
    pending.push(this);
    if (pending.length >= 4096) flushPending();
    else if (!flushQueued) {
      flushQueued = true;
      queueMicrotask(flushPending);
    }
  }

  /** @internal */
  _register(): void {
    if (this._reg !== 1 || this._h === null) return;
    this._reg = 2;
    registry.register(this, this._h, this);
  }

  /** @internal */
  get h(): H {
    const h = this._h;
    if (h === null) throw new Error(DISPOSED);
    return h;
  }

  private meta(): number[] {
    if (this._meta === null) this._meta = N.meta(this.h);
    return this._meta;
  }

  // ---- metadata (cached: shape, dtype and device never change for a handle)
  get shape(): number[] {
    if (this._shape === null) this._shape = Object.freeze(this.meta().slice(2)) as number[];
    return this._shape;
  }
  get dtype(): DType {
    const c = this.meta()[0];
    const d = c === undefined ? undefined : DTYPES[c];
    if (d === undefined) throw new Error(`tensor has a dtype headroom does not expose (code ${String(c)})`);
    return d;
  }
  get device(): Device {
    return this.meta()[1] === 1 ? 'cuda' : 'cpu';
  }
  get ndim(): number {
    return this.meta().length - 2;
  }
  get numel(): number {
    return numelOf(this.shape);
  }
  get isDisposed(): boolean {
    return this._h === null;
  }

  // ---- data out
  toFloat32Array(): Float32Array {
    return N.toTyped(this.h, 0);
  }
  toFloat64Array(): Float64Array {
    return N.toTyped(this.h, 1);
  }
  toInt64Array(): BigInt64Array {
    return N.toTyped(this.h, 2);
  }
  toUint8Array(): Uint8Array {
    return N.toTyped(this.h, 4);
  }
  /** Flat values of any dtype (int64 beyond 2^53 loses precision; bools are 0/1). */
  toNumbers(): number[] {
    const d = this.dtype;
    if (d === 'int64') return Array.from(this.toInt64Array(), Number);
    if (d === 'bool' || d === 'uint8') return Array.from(this.toUint8Array());
    return Array.from(this.toFloat64Array());
  }
  item(): number {
    const n = this.numel;
    if (n !== 1)
      throw new Error(`item(): tensor of shape [${this.shape.join(', ')}] has ${n} elements, expected 1`);
    return N.item(this.h);
  }
  /** Nested arrays in the tensor's shape (a number for 0-d tensors). For debugging and tests. */
  toArray(): NestedNumbers {
    const flat = this.toNumbers();
    const shape = this.shape;
    if (shape.length === 0) return flat[0] ?? 0;
    let pos = 0;
    const build = (d: number): NestedNumbers[] => {
      const n = shape[d] ?? 0;
      const out: NestedNumbers[] = new Array<NestedNumbers>(n);
      for (let i = 0; i < n; i++) out[i] = d === shape.length - 1 ? (flat[pos++] ?? 0) : build(d + 1);
      return out;
    };
    return build(0);
  }
  toString(): string {
    if (this._h === null) return 'Tensor(disposed)';
    return `Tensor(${this.dtype}[${this.shape.join(', ')}]${this.device === 'cuda' ? ', cuda' : ''})`;
  }

  // ---- dtype / device / copies
  to(dtype: DType): Tensor {
    return w(N.to(this.h, dtypeCode(dtype, 0)));
  }
  toDevice(d: Device): Tensor {
    return w(N.toDevice(this.h, deviceCode(d, 'toDevice')));
  }
  clone(): Tensor {
    return w(N.clone(this.h));
  }
  contiguous(): Tensor {
    return w(N.contiguous(this.h));
  }

  // ---- elementwise binary (broadcasting; numbers are scalars)
  add(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.addS(this.h, o) : N.add(this.h, handleOf(o, 'add')));
  }
  sub(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.subS(this.h, o) : N.sub(this.h, handleOf(o, 'sub')));
  }
  mul(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.mulS(this.h, o) : N.mul(this.h, handleOf(o, 'mul')));
  }
  div(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.divS(this.h, o) : N.div(this.h, handleOf(o, 'div')));
  }
  pow(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.powS(this.h, o) : N.pow(this.h, handleOf(o, 'pow')));
  }
  maximum(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.maximumS(this.h, o) : N.maximum(this.h, handleOf(o, 'maximum')));
  }
  minimum(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.minimumS(this.h, o) : N.minimum(this.h, handleOf(o, 'minimum')));
  }
  eq(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.eqS(this.h, o) : N.eq(this.h, handleOf(o, 'eq')));
  }
  ne(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.neS(this.h, o) : N.ne(this.h, handleOf(o, 'ne')));
  }
  lt(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.ltS(this.h, o) : N.lt(this.h, handleOf(o, 'lt')));
  }
  le(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.leS(this.h, o) : N.le(this.h, handleOf(o, 'le')));
  }
  gt(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.gtS(this.h, o) : N.gt(this.h, handleOf(o, 'gt')));
  }
  ge(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.geS(this.h, o) : N.ge(this.h, handleOf(o, 'ge')));
  }
  logicalAnd(o: TensorLike): Tensor {
    return w(
      typeof o === 'number' ? N.logicalAndS(this.h, o) : N.logicalAnd(this.h, handleOf(o, 'logicalAnd')),
    );
  }
  logicalOr(o: TensorLike): Tensor {
    return w(typeof o === 'number' ? N.logicalOrS(this.h, o) : N.logicalOr(this.h, handleOf(o, 'logicalOr')));
  }

  // ---- elementwise unary
  neg(): Tensor {
    return w(N.neg(this.h));
  }
  exp(): Tensor {
    return w(N.exp(this.h));
  }
  log(): Tensor {
    return w(N.log(this.h));
  }
  sqrt(): Tensor {
    return w(N.sqrt(this.h));
  }
  rsqrt(): Tensor {
    return w(N.rsqrt(this.h));
  }
  abs(): Tensor {
    return w(N.abs(this.h));
  }
  sign(): Tensor {
    return w(N.sign(this.h));
  }
  square(): Tensor {
    return w(N.square(this.h));
  }
  tanh(): Tensor {
    return w(N.tanh(this.h));
  }
  sigmoid(): Tensor {
    return w(N.sigmoid(this.h));
  }
  relu(): Tensor {
    return w(N.relu(this.h));
  }
  softplus(): Tensor {
    return w(N.softplus(this.h));
  }
  log1p(): Tensor {
    return w(N.log1p(this.h));
  }
  expm1(): Tensor {
    return w(N.expm1(this.h));
  }
  sin(): Tensor {
    return w(N.sin(this.h));
  }
  cos(): Tensor {
    return w(N.cos(this.h));
  }
  reciprocal(): Tensor {
    return w(N.reciprocal(this.h));
  }
  floor(): Tensor {
    return w(N.floor(this.h));
  }
  round(): Tensor {
    return w(N.round(this.h));
  }
  clamp(min?: number, max?: number): Tensor {
    if (min === undefined && max === undefined) throw new Error('clamp: give at least one of min and max');
    return w(N.clamp(this.h, min ?? null, max ?? null));
  }
  logicalNot(): Tensor {
    return w(N.logicalNot(this.h));
  }
  isfinite(): Tensor {
    return w(N.isfinite(this.h));
  }
  allFinite(): boolean {
    return N.allFinite(this.h);
  }

  // ---- reductions (dim undefined = all dims)
  sum(dim?: number | readonly number[], keepdim = false): Tensor {
    return w(N.sum(this.h, dim ?? null, keepdim));
  }
  mean(dim?: number | readonly number[], keepdim = false): Tensor {
    return w(N.mean(this.h, dim ?? null, keepdim));
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return w(N.maxAll(this.h));
    return wPair(N.maxDim(this.h, dim, keepdim));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return w(N.minAll(this.h));
    return wPair(N.minDim(this.h, dim, keepdim));
  }
  amax(dim?: number | readonly number[], keepdim = false): Tensor {
    return w(N.amax(this.h, dim ?? null, keepdim));
  }
  amin(dim?: number | readonly number[], keepdim = false): Tensor {
    return w(N.amin(this.h, dim ?? null, keepdim));
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return w(N.argmax(this.h, dim ?? null, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return w(N.argmin(this.h, dim ?? null, keepdim));
  }
  logsumexp(dim?: number | readonly number[], keepdim = false): Tensor {
    return w(N.logsumexp(this.h, dim ?? null, keepdim));
  }
  softmax(dim: number): Tensor {
    return w(N.softmax(this.h, dim));
  }
  logSoftmax(dim: number): Tensor {
    return w(N.logSoftmax(this.h, dim));
  }
  norm(p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
    return w(N.norm(this.h, p, dim ?? null, keepdim));
  }
  var(dim?: number | readonly number[], unbiased = true, keepdim = false): Tensor {
    return w(N.var(this.h, dim ?? null, unbiased, keepdim));
  }
  std(dim?: number | readonly number[], unbiased = true, keepdim = false): Tensor {
    return w(N.std(this.h, dim ?? null, unbiased, keepdim));
  }

  // ---- linear algebra and views
  matmul(o: Tensor): Tensor {
    return w(N.matmul(this.h, handleOf(o, 'matmul')));
  }
  t(): Tensor {
    return w(N.t(this.h));
  }
  transpose(d0: number, d1: number): Tensor {
    return w(N.transpose(this.h, d0, d1));
  }
  /** permute(2, 0, 1) or permute([2, 0, 1]) */
  permute(...dims: number[] | [readonly number[]]): Tensor {
    const first = dims[0];
    return w(N.permute(this.h, Array.isArray(first) ? first : (dims as number[])));
  }
  reshape(shape: Shape): Tensor {
    return w(N.reshape(this.h, shape));
  }
  view(shape: Shape): Tensor {
    return w(N.view(this.h, shape));
  }
  flatten(start = 0, end = -1): Tensor {
    return w(N.flatten(this.h, start, end));
  }
  squeeze(dim?: number): Tensor {
    return w(N.squeeze(this.h, dim ?? null));
  }
  unsqueeze(dim: number): Tensor {
    return w(N.unsqueeze(this.h, dim));
  }
  expand(shape: Shape): Tensor {
    return w(N.expand(this.h, shape));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return w(N.narrow(this.h, dim, start, length));
  }
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    return w(N.slice(this.h, dim, start, end ?? null, step));
  }
  select(dim: number, index: number): Tensor {
    return w(N.select(this.h, dim, index));
  }

  // ---- indexing
  gather(dim: number, index: Tensor): Tensor {
    return w(N.gather(this.h, dim, handleOf(index, 'gather')));
  }
  scatter(dim: number, index: Tensor, src: TensorLike): Tensor {
    const ih = handleOf(index, 'scatter');
    return w(
      typeof src === 'number'
        ? N.scatterS(this.h, dim, ih, src)
        : N.scatter(this.h, dim, ih, handleOf(src, 'scatter')),
    );
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return w(N.indexSelect(this.h, dim, handleOf(index, 'indexSelect')));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return w(N.maskedFill(this.h, handleOf(mask, 'maskedFill'), value));
  }
  topk(k: number, dim = -1, largest = true): ValuesIndices {
    return wPair(N.topk(this.h, k, dim, largest));
  }
  sort(dim = -1, descending = false): ValuesIndices {
    return wPair(N.sort(this.h, dim, descending));
  }
  oneHot(numClasses: number): Tensor {
    return w(N.oneHot(this.h, numClasses));
  }

  // ---- autograd
  get requiresGrad(): boolean {
    return N.requiresGrad(this.h);
  }
  setRequiresGrad(b: boolean): this {
    N.setRequiresGrad(this.h, b);
    return this;
  }
  /** A new handle on each access (owned by the caller / the current scope), or null when there is no gradient. */
  get grad(): Tensor | null {
    const g = N.grad(this.h);
    return g === null ? null : w(g);
  }
  backward(gradient?: Tensor): void {
    N.backward(this.h, gradient === undefined ? null : handleOf(gradient, 'backward'));
  }
  detach(): Tensor {
    return w(N.detach(this.h));
  }
  /** Drops the gradient (set_to_none semantics). */
  zeroGrad(): void {
    N.zeroGrad(this.h);
  }

  // ---- in-place (bump the version counter like torch; on a leaf that requires grad, use inside noGrad)
  copy_(src: Tensor): this {
    N.copy_(this.h, handleOf(src, 'copy_'));
    return this;
  }
  fill_(v: number): this {
    N.fill_(this.h, v);
    return this;
  }
  zero_(): this {
    N.zero_(this.h);
    return this;
  }
  add_(o: TensorLike, alpha = 1): this {
    if (typeof o === 'number') N.addScalar_(this.h, o, alpha);
    else N.add_(this.h, handleOf(o, 'add_'), alpha);
    return this;
  }
  mul_(o: TensorLike): this {
    if (typeof o === 'number') N.mulScalar_(this.h, o);
    else N.mul_(this.h, handleOf(o, 'mul_'));
    return this;
  }
  uniform_(lo = 0, hi = 1): this {
    N.uniform_(this.h, lo, hi);
    return this;
  }
  normal_(mean = 0, std = 1): this {
    N.normal_(this.h, mean, std);
    return this;
  }

  // ---- memory
  /** Frees the native tensor now. Idempotent; any later use throws Error('tensor used after dispose()'). */
  dispose(): void {
    const h = this._h;
    if (h === null) return;
    this._h = null;
    if (this._reg === 2) registry.unregister(this);
    N.dispose(h);
  }
}
Object.defineProperty(Tensor.prototype, SCOPED, { value: true });

// ---- creation
function flattenNested(data: NestedNumbers, out: number[], shape: number[], depth: number): void {
  if (typeof data === 'number') {
    out.push(data);
    return;
  }
  if (!Array.isArray(data))
    throw new TypeError('tensor: data must be numbers, nested number arrays or a typed array');
  if (shape.length === depth) shape.push(data.length);
  else if (shape[depth] !== data.length)
    throw new Error('tensor: ragged nested array (rows differ in length)');
  for (const e of data) flattenNested(e, out, shape, depth + 1);
}

/**
 * Creates a tensor from data (copied). Float32Array→float32, Float64Array→float64, BigInt64Array/Int32Array→int64,
 * Uint8Array→uint8; number arrays (flat or nested) → float32 unless opts.dtype. shape defaults to the data's own.
 */
export function tensor(data: TypedArray | NestedNumbers, shape?: Shape, opts: TensorOptions = {}): Tensor {
  let buf: TypedArray;
  let inferred: number[];
  let native: number;
  if (ArrayBuffer.isView(data)) {
    buf = data;
    inferred = [data.length];
    if (data instanceof Float32Array) native = 0;
    else if (data instanceof Float64Array) native = 1;
    else if (data instanceof BigInt64Array || data instanceof Int32Array) native = 2;
    else if (data instanceof Uint8Array) native = 4;
    else
      throw new TypeError(
        'tensor: unsupported typed array (use Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array)',
      );
  } else {
    const flat: number[] = [];
    inferred = [];
    flattenNested(data, flat, inferred, 0);
    native = 0;
    const d = opts.dtype ?? 'float32';
    buf = d === 'float32' ? Float32Array.from(flat) : Float64Array.from(flat);
  }
  const s = shape === undefined ? inferred : checkShape(shape, 'tensor');
  const n = numelOf(s);
  if (n !== buf.length) {
    throw new Error(`tensor: data has ${buf.length} elements but shape [${s.join(', ')}] needs ${n}`);
  }
  return w(
    N.fromTyped(
      buf,
      s,
      dtypeCode(opts.dtype, native),
      deviceCode(opts.device, 'tensor'),
      opts.requiresGrad === true,
    ),
  );
}

function factory(
  op: string,
  shape: Shape,
  opts: TensorOptions,
  dflt = 0,
): [readonly number[], number, number, boolean] {
  return [
    checkShape(shape, op),
    dtypeCode(opts.dtype, dflt),
    deviceCode(opts.device, op),
    opts.requiresGrad === true,
  ];
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return w(N.zeros(...factory('zeros', shape, opts)));
}
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return w(N.ones(...factory('ones', shape, opts)));
}
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const [s, d, dev, rg] = factory('full', shape, opts);
  return w(N.full(s, value, d, dev, rg));
}
/** Uniform [0, 1), from libtorch's global generator (see manualSeed). */
export function rand(shape: Shape, opts: TensorOptions = {}): Tensor {
  return w(N.rand(...factory('rand', shape, opts)));
}
export function randn(shape: Shape, opts: TensorOptions = {}): Tensor {
  return w(N.randn(...factory('randn', shape, opts)));
}
/** Integers in [low, high); int64 unless opts.dtype. */
export function randint(low: number, high: number, shape: Shape, opts: TensorOptions = {}): Tensor {
  const [s, d, dev, rg] = factory('randint', shape, opts, DTYPE_CODES.int64);
  return w(N.randint(low, high, s, d, dev, rg));
}
/** arange(end) or arange(start, end, step = 1); float32 unless opts.dtype. */
export function arange(startOrEnd: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  const start = end === undefined ? 0 : startOrEnd;
  const stop = end === undefined ? startOrEnd : end;
  if (step === 0) throw new Error('arange: step must be non-zero');
  return w(
    N.arange(
      start,
      stop,
      step,
      dtypeCode(opts.dtype, 0),
      deviceCode(opts.device, 'arange'),
      opts.requiresGrad === true,
    ),
  );
}
/** A random permutation of 0..n-1 (int64 unless opts.dtype). */
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n must be a non-negative integer, got ${n}`);
  return w(
    N.randperm(
      n,
      dtypeCode(opts.dtype, DTYPE_CODES.int64),
      deviceCode(opts.device, 'randperm'),
      opts.requiresGrad === true,
    ),
  );
}
export function eye(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`eye: n must be a non-negative integer, got ${n}`);
  return w(N.eye(n, dtypeCode(opts.dtype, 0), deviceCode(opts.device, 'eye'), opts.requiresGrad === true));
}

// ---- functional ops
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const ah = typeof a === 'number' ? null : handleOf(a, 'where');
  const bh = typeof b === 'number' ? null : handleOf(b, 'where');
  return w(
    N.where(handleOf(cond, 'where'), ah, bh, typeof a === 'number' ? a : 0, typeof b === 'number' ? b : 0),
  );
}
export function cat(ts: readonly Tensor[], dim = 0): Tensor {
  return w(
    N.cat(
      ts.map((t) => handleOf(t, 'cat')),
      dim,
    ),
  );
}
export function stack(ts: readonly Tensor[], dim = 0): Tensor {
  return w(
    N.stack(
      ts.map((t) => handleOf(t, 'stack')),
      dim,
    ),
  );
}
/** x @ w.T + b (torch layout: w is [out, in]). */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return w(
    N.linear(handleOf(x, 'linear'), handleOf(weight, 'linear'), bias ? handleOf(bias, 'linear') : null),
  );
}
export interface Conv2dOptions {
  stride?: Pair2;
  padding?: Pair2;
  dilation?: Pair2;
  groups?: number;
}
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  return w(
    N.conv2d(
      handleOf(x, 'conv2d'),
      handleOf(weight, 'conv2d'),
      bias ? handleOf(bias, 'conv2d') : null,
      pair(o.stride, [1, 1], 'conv2d', 'stride'),
      pair(o.padding, [0, 0], 'conv2d', 'padding'),
      pair(o.dilation, [1, 1], 'conv2d', 'dilation'),
      o.groups ?? 1,
    ),
  );
}
export interface Pool2dOptions {
  stride?: Pair2;
  padding?: Pair2;
}
/** stride defaults to the kernel size, as in torch. */
export function maxPool2d(x: Tensor, kernel: Pair2, o: Pool2dOptions = {}): Tensor {
  const k = pair(kernel, [1, 1], 'maxPool2d', 'kernel');
  return w(
    N.maxPool2d(
      handleOf(x, 'maxPool2d'),
      k,
      pair(o.stride, [k[0] ?? 1, k[1] ?? 1], 'maxPool2d', 'stride'),
      pair(o.padding, [0, 0], 'maxPool2d', 'padding'),
    ),
  );
}
/** count_include_pad = true, as torch's default. */
export function avgPool2d(x: Tensor, kernel: Pair2, o: Pool2dOptions = {}): Tensor {
  const k = pair(kernel, [1, 1], 'avgPool2d', 'kernel');
  return w(
    N.avgPool2d(
      handleOf(x, 'avgPool2d'),
      k,
      pair(o.stride, [k[0] ?? 1, k[1] ?? 1], 'avgPool2d', 'stride'),
      pair(o.padding, [0, 0], 'avgPool2d', 'padding'),
    ),
  );
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair2): Tensor {
  return w(
    N.adaptiveAvgPool2d(
      handleOf(x, 'adaptiveAvgPool2d'),
      pair(outputSize, [1, 1], 'adaptiveAvgPool2d', 'outputSize'),
    ),
  );
}
/** In training mode the running stats (when given) are updated in place, like torch.nn.functional.batch_norm. */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const opt = (t: Tensor | null): H | null => (t === null ? null : handleOf(t, 'batchNorm'));
  return w(
    N.batchNorm(
      handleOf(x, 'batchNorm'),
      opt(runningMean),
      opt(runningVar),
      opt(weight),
      opt(bias),
      training,
      momentum,
      eps,
    ),
  );
}
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  return w(N.dropout(handleOf(x, 'dropout'), p, training));
}
/** Fused log_softmax + nll over class dim 1; target holds int64 class indices. */
export function crossEntropy(logits: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return w(
    N.crossEntropy(
      handleOf(logits, 'crossEntropy'),
      handleOf(target, 'crossEntropy'),
      reductionCode(reduction, 'crossEntropy'),
    ),
  );
}
export function mseLoss(a: Tensor, b: Tensor, reduction: Reduction = 'mean'): Tensor {
  return w(N.mseLoss(handleOf(a, 'mseLoss'), handleOf(b, 'mseLoss'), reductionCode(reduction, 'mseLoss')));
}

// ---- runtime
/** Runs fn with grad mode off (restored afterwards, also on throw). */
export function noGrad<T>(fn: () => T): T {
  const prev = N.isGradEnabled();
  N.setGradEnabled(false);
  try {
    return fn();
  } finally {
    N.setGradEnabled(prev);
  }
}
export function isGradEnabled(): boolean {
  return N.isGradEnabled();
}
/** Seeds libtorch's CPU (and CUDA) generators. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  N.manualSeed(seed);
}
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: n must be a positive integer, got ${n}`);
  N.setNumThreads(n);
}
export function getNumThreads(): number {
  return N.getNumThreads();
}
export const cuda = {
  isAvailable(): boolean {
    return cudaAvailable();
  },
  deviceCount(): number {
    return N.cudaDeviceCount();
  },
  /** Waits for queued CUDA work (for timing); a no-op without CUDA. */
  synchronize(): void {
    N.cudaSynchronize();
  },
};
/** Native tensor handles not yet disposed (or finalised by the GC backstop). */
export function liveTensorCount(): number {
  return N.liveCount();
}
/** Bytes of CPU tensor memory currently reported to V8 as external memory. */
/** Returns freed heap memory to the OS (glibc malloc_trim); the allocator keeps it otherwise, by design. */
export function trimMemory(): void {
  N.trimMemory();
}

export function externalBytes(): number {
  return N.externalBytes();
}
export function rssBytes(): number {
  return process.memoryUsage().rss;
}
export function libtorchVersion(): string {
  return N.version();
}
