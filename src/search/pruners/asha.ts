import { selectionOrder } from './pareto.js';

/** The result of one trial at one rung: objective values (maximised), or null when the rung failed. */
export type RungResult = number[] | null;

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020) with a deterministic arrival order.
 *
 * ASHA promotes a trial from rung r as soon as it is in the top 1/η of the trials that have finished rung r. Processing
 * finished trials in *completion* order makes the promotions depend on worker timing; here they are processed in the
 * order the trials entered the rung (trial-number order at rung 0, promotion order above), and a trial is processed
 * only once every trial before it has finished the rung. That is exactly ASHA's rule applied to a fixed arrival order:
 * after k arrivals the best ⌊k/η⌋ are promoted (a promotion is never taken back), so a killed and resumed search makes
 * the same promotions. Selection reads only what the caller passes in: validation metrics.
 *
 * Multi-objective: "best" is the non-dominated-sorting order (rank, then accuracy, then trial number).
 *
 * Gated (the search's promotion gate): a trial in the top 1/η is promoted only if its accuracy (objective 0) is at
 * least the rung's floor (the baseline at that rung minus a margin). Rung r's arrivals wait until its floor is set,
 * so the promotions do not depend on when the baseline finished: early, sparse rungs can no longer lift a trial far
 * below the baseline just because few others had reported.
 */
export class Asha {
  private readonly entries: number[][];
  private readonly processed: number[];
  private readonly promoted: Set<number>[];
  private readonly results: Map<number, RungResult>[];
  private readonly floors: Array<number | undefined>;
  readonly gated: boolean;

  constructor(
    readonly eta: number,
    readonly rungs: number,
    opts: { gated?: boolean } = {},
  ) {
    if (!(eta >= 2)) throw new RangeError(`eta must be ≥ 2, got ${eta}`);
    if (!(rungs >= 1)) throw new RangeError(`rungs must be ≥ 1, got ${rungs}`);
    this.entries = Array.from({ length: rungs }, () => []);
    this.processed = new Array<number>(rungs).fill(0);
    this.promoted = Array.from({ length: rungs }, () => new Set<number>());
    this.results = Array.from({ length: rungs }, () => new Map<number, RungResult>());
    this.floors = new Array<number | undefined>(rungs).fill(undefined);
    this.gated = opts.gated ?? false;
  }

  /**
   * Sets rung r's floor (−Infinity: no floor, e.g. the baseline failed) and returns the promotions it unlocks. Set
   * once per rung; a gated rung promotes nothing before.
   */
  setFloor(rung: number, floor: number): Array<[number, number]> {
    if (this.floors[rung] !== undefined) throw new Error(`rung ${rung} already has a floor`);
    if (Number.isNaN(floor)) throw new RangeError('a floor must be a number (−Infinity for none)');
    this.floors[rung] = floor;
    return this.advance();
  }

  floorOf(rung: number): number | undefined {
    return this.floors[rung];
  }

  /** A new trial enters rung 0 (call in trial-number order). */
  add(trial: number): void {
    this.entries[0]!.push(trial);
  }

  /** Records a finished rung and returns the promotions it unlocks, as [trial, toRung] in a deterministic order. */
  report(trial: number, rung: number, result: RungResult): Array<[number, number]> {
    if (this.results[rung]!.has(trial)) throw new Error(`trial ${trial} already reported at rung ${rung}`);
    this.results[rung]!.set(trial, result);
    return this.advance();
  }

  /** Trials in rung r's arrival order. */
  entered(rung: number): readonly number[] {
    return this.entries[rung]!;
  }

  resultOf(trial: number, rung: number): RungResult | undefined {
    return this.results[rung]!.get(trial);
  }

  isPromoted(trial: number, fromRung: number): boolean {
    return this.promoted[fromRung]!.has(trial);
  }

  /** The highest rung a trial has entered (queued, running or finished there). */
  rungOf(trial: number): number {
    for (let r = this.rungs - 1; r >= 0; r--) if (this.entries[r]!.includes(trial)) return r;
    return -1;
  }

  private advance(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let r = 0; r < this.rungs - 1; r++) {
      // A gated rung waits for its floor: processing arrivals without it would promote what the gate must stop.
      if (this.gated && this.floors[r] === undefined) continue;
      const floor = this.floors[r] ?? -Infinity;
      const entries = this.entries[r]!;
      const results = this.results[r]!;
      while (this.processed[r]! < entries.length && results.has(entries[this.processed[r]!]!)) {
        const k = ++this.processed[r]!;
        const quota = Math.floor(k / this.eta);
        if (quota === 0) continue;
        const ok: number[] = [];
        const pts: number[][] = [];
        for (let i = 0; i < k; i++) {
          const t = entries[i]!;
          const res = results.get(t);
          if (res) {
            ok.push(t);
            pts.push(res);
          }
        }
        const order = selectionOrder(pts, ok);
        for (const i of order.slice(0, quota)) {
          const t = ok[i]!;
          if (this.promoted[r]!.has(t)) continue;
          // In the top 1/η but too far below the baseline: it keeps its quota place and stays at this rung.
          if (pts[i]![0]! < floor) continue;
          this.promoted[r]!.add(t);
          this.entries[r + 1]!.push(t);
          out.push([t, r + 1]);
        }
      }
    }
    return out;
  }
}
