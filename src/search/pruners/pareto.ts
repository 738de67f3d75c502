/** Multi-objective helpers. Every objective is maximised. */

/** True when a is at least as good as b everywhere and strictly better somewhere. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) strictly = true;
  }
  return strictly;
}

/**
 * Non-dominated sorting (Deb et al. 2002): rank 0 is the Pareto front, rank 1 the front once rank 0 is removed, …
 * O(M N²), which is fine for the few thousand trials of a study.
 */
export function nonDominatedRanks(points: readonly (readonly number[])[]): number[] {
  const n = points.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  const rank = new Array<number>(n).fill(-1);
  let front = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) front.push(i);
  let r = 0;
  while (front.length > 0) {
    const next: number[] = [];
    for (const i of front) {
      rank[i] = r;
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next;
    r++;
  }
  return rank;
}

/** Indices of the Pareto front. */
export function paretoFront(points: readonly (readonly number[])[]): number[] {
  const ranks = nonDominatedRanks(points);
  return ranks.flatMap((r, i) => (r === 0 ? [i] : []));
}

/**
 * A total order for selection: lower non-dominated rank first, then the first objective (validation accuracy), then
 * the given tiebreak keys (trial numbers), so that selection never depends on sort stability or arrival order.
 * With one objective this is plain "best accuracy first".
 */
export function selectionOrder(
  points: readonly (readonly number[])[],
  tiebreak: readonly number[],
): number[] {
  const ranks = points.length > 0 && points[0]!.length > 1 ? nonDominatedRanks(points) : points.map(() => 0);
  const idx = points.map((_, i) => i);
  idx.sort((a, b) => ranks[a]! - ranks[b]! || points[b]![0]! - points[a]![0]! || tiebreak[a]! - tiebreak[b]!);
  return idx;
}
