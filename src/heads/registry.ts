// Heads added at run time (defineHead, plugins), kept apart from the built-in catalogue in index.ts. Adding is not
// re-exported from the heads folder: the one public way to add a head is the package entry's defineHead, which
// checks the definition and records which file made it.
import { HeadError, type HeadFactory } from './types.js';

interface Added {
  factory: HeadFactory;
  /** The file whose code defined it (a plugin, or a module a script imported), when known. */
  origin?: string;
}

const added = new Map<string, Added>();

/** Adds a head; `builtIn` is the catalogue's ids, which an added head may not reuse (nor another added head's id). */
export function registerHead(factory: HeadFactory, builtIn: ReadonlySet<string>, origin?: string): void {
  const prev = added.get(factory.id);
  if (builtIn.has(factory.id))
    throw new HeadError(`head '${factory.id}' is a built-in head; give yours another id.`);
  if (prev !== undefined)
    throw new HeadError(
      `head '${factory.id}' is already defined${prev.origin !== undefined ? ` by ${prev.origin}` : ''}; give yours another id.`,
    );
  added.set(factory.id, origin === undefined ? { factory } : { factory, origin });
}

export function addedHeads(): HeadFactory[] {
  return [...added.values()].map((a) => a.factory);
}

export function addedHead(id: string): HeadFactory | undefined {
  return added.get(id)?.factory;
}

/** The file that defined an added head; undefined for built-in heads and heads defined where no file is known. */
export function headOrigin(id: string): string | undefined {
  return added.get(id)?.origin;
}
