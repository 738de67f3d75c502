// Which head a job trains, as data that crosses a process (or, later, a machine) boundary, and how to build it there.
import { getHead } from './index.js';
import type { Head } from './types.js';

/** A head named by value: a registry head with its parameters, or a search candidate with its formula. */
export type HeadRef =
  | { kind: 'registry'; id: string; params?: Record<string, number> }
  | { kind: 'candidate'; id: string; space: string; expr: string; params?: number[] };

export type CandidateResolver = (ref: Extract<HeadRef, { kind: 'candidate' }>) => Head;

let candidateResolver: CandidateResolver | null = null;

/**
 * Candidates are compiled by the search's spaces, which sit above the heads; the search registers its compiler here
 * when it is loaded, so that the heads do not depend on it.
 */
export function registerCandidateResolver(resolver: CandidateResolver): void {
  candidateResolver = resolver;
}

export function resolveHead(ref: HeadRef): Head {
  if (ref.kind === 'registry') return getHead(ref.id, ref.params);
  if (!candidateResolver)
    throw new Error(
      `head ${ref.id}: a search candidate, but no candidate resolver is registered in this process`,
    );
  return candidateResolver(ref);
}
