import { Rng } from '../rng.js';
import { selectionOrder } from '../pruners/pareto.js';
import type { Candidate, Sampler, Space, Told } from '../types.js';

export interface EvolutionOptions {
  /** Population size P: the P most recent evaluated trials (age-based removal: the oldest leaves first). */
  population: number;
  /** Tournament size S. */
  tournament: number;
  /**
   * Trial n may read outcomes of trials < n − lag only. With lag ≥ the number of workers nobody waits, and because
   * the lag is part of the study (not the worker count), the proposals are the same for any --workers.
   */
  lag: number;
  /** Probability that a child is a crossover of two tournament winners rather than a mutation of one. */
  crossover: number;
}

export const DEFAULT_EVOLUTION: EvolutionOptions = { population: 32, tournament: 8, lag: 8, crossover: 0.2 };

/**
 * Regularised evolution (Real et al. 2019, the AutoML-Zero search): tournament selection over a sliding window of the
 * most recent evaluated trials, mutation (the space's point / subtree / insert / delete / constant moves) or
 * crossover. Rejected candidates never enter the population; failed ones do not either.
 */
export class EvolutionSampler implements Sampler {
  readonly name = 'evolution';
  private readonly told = new Map<number, Told>();
  /** Numbers of trials with an 'ok' outcome, ascending. */
  private readonly ok: number[] = [];
  /** Every trial < contiguous has been told. */
  private contiguous = 0;

  constructor(
    private readonly space: Space,
    private readonly seed: number,
    readonly opts: EvolutionOptions = DEFAULT_EVOLUTION,
  ) {
    if (opts.tournament < 1 || opts.tournament > opts.population)
      throw new RangeError(`tournament size must be in [1, population], got ${opts.tournament}`);
  }

  tell(t: Told): void {
    if (this.told.has(t.number)) return;
    this.told.set(t.number, t);
    if (t.outcome.kind === 'ok') {
      let i = this.ok.length;
      while (i > 0 && this.ok[i - 1]! > t.number) i--;
      this.ok.splice(i, 0, t.number);
    }
    while (this.told.has(this.contiguous)) this.contiguous++;
  }

  ask(number: number): Candidate | null {
    const { population, tournament, lag } = this.opts;
    const horizon = number - lag;
    const rng = new Rng(this.seed, 'evolution', number);
    // Fewer than P trials exist below the horizon: the population cannot be full whatever they turned out to be.
    if (horizon < population) return this.space.sample(rng);
    if (this.contiguous < horizon) return null;
    let end = this.ok.length;
    while (end > 0 && this.ok[end - 1]! >= horizon) end--;
    if (end < population) return this.space.sample(rng);
    const pop = this.ok.slice(end - population, end).map((n) => this.told.get(n)!);
    const pick = (): Told => {
      const idx = Array.from({ length: pop.length }, (_, i) => i);
      const chosen: Told[] = [];
      for (let k = 0; k < tournament; k++) {
        const j = k + rng.int(idx.length - k);
        [idx[k], idx[j]] = [idx[j]!, idx[k]!];
        chosen.push(pop[idx[k]!]!);
      }
      const values = chosen.map((c) => (c.outcome as { values: number[] }).values);
      return chosen[
        selectionOrder(
          values,
          chosen.map((c) => c.number),
        )[0]!
      ]!;
    };
    const parent = pick();
    // The parents' numbers travel with the child so that the driver can store the family tree.
    if (this.space.crossover && rng.next() < this.opts.crossover) {
      const other = pick();
      const child = this.space.crossover(parent.candidate, other.candidate, rng);
      return { ...child, parents: [...new Set([parent.number, other.number])] };
    }
    return { ...this.space.mutate(parent.candidate, rng), parents: [parent.number] };
  }
}
