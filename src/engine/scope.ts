// scope()/keep(): tf.tidy-style ownership for tensors whose memory the JS GC cannot see.
// Tensors register themselves with the innermost open scope when created; when the scope's function returns, every
// registered tensor not reachable from the return value (and not kept) is disposed; returned ones move to the parent scope.

/** What scope() needs from a tensor; the brand lets the return-value walk recognise tensors without importing the class. */
export interface Scoped {
  readonly [SCOPED]: true;
  _kept: boolean;
  dispose(): void;
  /** called when the tensor leaves scope management (created outside any scope, returned from the outermost, kept) */
  _escape(): void;
}
export const SCOPED: unique symbol = Symbol('headroom.scoped');

const stack: Scoped[][] = [];

/** @internal called by the Tensor constructor; false when no scope is open */
export function track(t: Scoped): boolean {
  const top = stack[stack.length - 1];
  if (top === undefined) return false;
  top.push(t);
  return true;
}

function isScoped(v: unknown): v is Scoped {
  return typeof v === 'object' && v !== null && SCOPED in v;
}

function collect(v: unknown, out: Set<Scoped>, seen: Set<object>, depth: number): void {
  if (typeof v !== 'object' || v === null || depth > 16 || seen.has(v)) return;
  seen.add(v);
  if (isScoped(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) collect(e, out, seen, depth + 1);
    return;
  }
  if (v instanceof Map) {
    for (const e of v.values()) collect(e, out, seen, depth + 1);
    return;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    for (const e of Object.values(v)) collect(e, out, seen, depth + 1);
  }
}

function disposeAll(list: Scoped[], keepSet: Set<Scoped> | null): void {
  const parent = stack[stack.length - 1];
  for (const t of list) {
    if (t._kept) continue;
    if (keepSet !== null && keepSet.has(t)) {
      if (parent !== undefined) parent.push(t);
      else t._escape();
      continue;
    }
    t.dispose();
  }
}

/**
 * Runs fn and disposes every tensor created inside it except those reachable from its return value (a Tensor, or arrays,
 * Maps and plain objects holding Tensors) and those passed to keep(). Nestable. fn must be synchronous.
 */
export function scope<T>(fn: () => T): T {
  const list: Scoped[] = [];
  stack.push(list);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    stack.pop();
    disposeAll(list, null);
    throw e;
  }
  stack.pop();
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    disposeAll(list, null);
    throw new Error(
      'scope(fn): fn returned a Promise; scope() only manages synchronous code (await outside the scope)',
    );
  }
  const keepSet = new Set<Scoped>();
  collect(result, keepSet, new Set(), 0);
  disposeAll(list, keepSet);
  return result;
}

/** Exempts t from every enclosing scope; the caller then owns it and must dispose it. */
export function keep<T extends Scoped>(t: T): T {
  if (!t._kept) {
    t._kept = true;
    t._escape();
  }
  return t;
}

/** How many scopes are open (for tests and assertions). */
export function scopeDepth(): number {
  return stack.length;
}
