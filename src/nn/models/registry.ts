// Models added at run time (defineModel, plugins), kept apart from the built-in list in index.ts; not re-exported from
// the nn folder: the public way to add a model is the package entry's defineModel, which checks the definition.
import type { ModelSpec } from './types.js';

const added = new Map<string, { spec: ModelSpec; origin?: string }>();

/** Adds a model; its id may not be a built-in's (`builtIn`) or another added model's. */
export function registerModel(spec: ModelSpec, builtIn: ReadonlySet<string>, origin?: string): void {
  const prev = added.get(spec.id);
  if (builtIn.has(spec.id)) throw new Error(`model '${spec.id}' is a built-in model; give yours another id.`);
  if (prev !== undefined)
    throw new Error(
      `model '${spec.id}' is already defined${prev.origin !== undefined ? ` by ${prev.origin}` : ''}; give yours another id.`,
    );
  added.set(spec.id, origin === undefined ? { spec } : { spec, origin });
}

export function addedModels(): ModelSpec[] {
  return [...added.values()].map((a) => a.spec);
}

/** The file that defined an added model, when known. */
export function modelOrigin(id: string): string | undefined {
  return added.get(id)?.origin;
}
