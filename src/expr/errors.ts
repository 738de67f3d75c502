import type { Expr } from './ast.js';

/** Where a node came from in the text it was parsed from. */
export interface Span {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  readonly source: string;
}

// A side table rather than a field on the node, so that positions never affect structural equality or hashing.
const spans = new WeakMap<Expr, Span>();

export function setSpan(e: Expr, span: Span): void {
  spans.set(e, span);
}
/** The source span of a node produced by `parse`, if any. */
export function spanOf(e: Expr): Span | undefined {
  return spans.get(e);
}

/**
 * A malformed or ill-typed expression. When the position is known, the message ends with the source and a caret
 * line under the offending text, e.g.
 *
 *     unknown identifier 'q' at index 4
 *       exp(q) - t
 *           ^
 */
export class ExprError extends Error {
  /** The message without the position and caret lines. */
  readonly reason: string;
  /** 0-based character index into `source`, when known. */
  readonly index: number | undefined;
  readonly source: string | undefined;

  constructor(reason: string, at?: { index: number; length?: number; source: string }) {
    super(at === undefined ? reason : formatAt(reason, at.index, at.length ?? 1, at.source));
    this.name = 'ExprError';
    this.reason = reason;
    this.index = at?.index;
    this.source = at?.source;
  }

  static at(reason: string, node: Expr): ExprError {
    const s = spanOf(node);
    return s === undefined
      ? new ExprError(reason)
      : new ExprError(reason, { index: s.start, length: s.end - s.start, source: s.source });
  }
}

function formatAt(reason: string, index: number, length: number, source: string): string {
  // Long sources are cut to a window around the error so that the caret line stays readable.
  const WINDOW = 60;
  let from = 0;
  let shown = source;
  if (source.length > 2 * WINDOW) {
    from = Math.max(0, index - WINDOW);
    shown = source.slice(from, Math.min(source.length, index + WINDOW));
    if (from > 0) shown = '…' + shown;
  }
  const pad = index - from + (from > 0 ? 1 : 0);
  const width = Math.max(1, Math.min(length, shown.length - pad));
  return `${reason} at index ${index}\n  ${shown}\n  ${' '.repeat(pad)}^${'~'.repeat(width - 1)}`;
}
