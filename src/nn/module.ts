import { keep, noGrad, type Device, type DType, type Tensor } from '../engine/index.js';

/**
 * Base class of every layer and model. A module owns its parameters and buffers: registering a tensor keeps it out of
 * any enclosing scope(), and dispose() frees them all. Intermediate tensors made by forward() belong to the caller's
 * scope.
 */
export abstract class Module {
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable parameter (marks it requiresGrad and takes ownership of it). */
  param(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    keep(t);
    if (!t.requiresGrad) t.setRequiresGrad(true);
    this.#params.set(name, t);
    return t;
  }

  /** Registers non-trainable state saved with the module (e.g. BatchNorm running statistics). */
  buffer(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    keep(t);
    this.#buffers.set(name, t);
    return t;
  }

  /** The registered parameter `name` (layers expose theirs through getters, so to()/toDevice() can swap tensors). */
  getParam(name: string): Tensor {
    const t = this.#params.get(name);
    if (t === undefined) throw new Error(`Module: no parameter '${name}'`);
    return t;
  }

  getBuffer(name: string): Tensor {
    const t = this.#buffers.get(name);
    if (t === undefined) throw new Error(`Module: no buffer '${name}'`);
    return t;
  }

  hasParam(name: string): boolean {
    return this.#params.has(name);
  }

  child<M extends Module>(name: string, m: M): M {
    this.#checkName(name);
    this.#children.set(name, m);
    return m;
  }

  #checkName(name: string): void {
    if (name.length === 0 || name.includes('.')) throw new Error(`Module: invalid member name '${name}'`);
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name))
      throw new Error(`Module: '${name}' is already registered`);
  }

  namedChildren(): [string, Module][] {
    return [...this.#children.entries()];
  }

  children(): Module[] {
    return [...this.#children.values()];
  }

  /** Parameters in registration order, depth first, with dotted names like torch's named_parameters(). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this.#params) out.push([prefix + k, t]);
    for (const [k, m] of this.#children) out.push(...m.namedParameters(`${prefix}${k}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [k, t] of this.#buffers) out.push([prefix + k, t]);
    for (const [k, m] of this.#children) out.push(...m.namedBuffers(`${prefix}${k}.`));
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.numel;
    return n;
  }

  train(on = true): this {
    this.training = on;
    for (const m of this.#children.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (set-to-none, like torch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Converts every floating parameter and buffer to `dtype` in place of the old tensors (which are disposed). */
  to(dtype: DType): this {
    return this.#convert((t) => (t.dtype === dtype || !isFloat(t.dtype) ? null : t.to(dtype)));
  }

  /** Moves every parameter and buffer to `device`; the old tensors are disposed. */
  toDevice(device: Device): this {
    return this.#convert((t) => (t.device === device ? null : t.toDevice(device)));
  }

  #convert(f: (t: Tensor) => Tensor | null): this {
    noGrad(() => {
      for (const [k, t] of this.#params) {
        const u = f(t);
        if (u === null) continue;
        keep(u);
        u.setRequiresGrad(true);
        t.dispose();
        this.#params.set(k, u);
      }
      for (const [k, t] of this.#buffers) {
        const u = f(t);
        if (u === null) continue;
        keep(u);
        t.dispose();
        this.#buffers.set(k, u);
      }
    });
    for (const m of this.#children.values()) m.#convert(f);
    return this;
  }

  /** Frees parameters and buffers of this module and its children. Idempotent. */
  dispose(): void {
    for (const t of this.#params.values()) t.dispose();
    for (const t of this.#buffers.values()) t.dispose();
    for (const m of this.#children.values()) m.dispose();
  }
}

function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}
