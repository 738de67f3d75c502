import { Rng } from '../rng.js';
import { CmaEs } from './cmaes.js';
import type { Candidate, Sampler, Space, Told } from '../types.js';

/** Fitness of a rejected or failed point: worse than any accuracy, finite so that sorting stays well defined. */
const PENALTY = 1e6;

/**
 * CMA-ES over a continuous space, in generations of λ consecutive trial numbers. Generation g's points are drawn from
 * Rng(seed, g) after replaying the updates of generations < g from the told outcomes, so a proposal is a function
 * of the seed and earlier outcomes only. Fitness is −(validation accuracy at rung 0); with several objectives
 * CMA-ES still follows accuracy (the Pareto front is kept by the driver).
 */
export class CmaEsSampler implements Sampler {
  readonly name = 'cmaes';
  private readonly told = new Map<number, Told>();
  private readonly es: CmaEs;
  private points: number[][] | null = null;

  constructor(
    private readonly space: Space,
    private readonly seed: number,
    lambda?: number,
  ) {
    const spec = space.continuous;
    if (!spec) throw new Error(`CMA-ES needs a continuous space; '${space.name}' is structural`);
    this.es = new CmaEs(spec.mean0, spec.sigma0, { lambda });
  }

  get lambda(): number {
    return this.es.lambda;
  }

  /** The current distribution (for tests and the status line). */
  get state(): { generation: number; mean: number[]; sigma: number } {
    return { generation: this.es.generation, mean: [...this.es.mean], sigma: this.es.sigma };
  }

  tell(t: Told): void {
    this.told.set(t.number, t);
  }

  private generationPoints(): number[][] {
    if (!this.points) this.points = this.es.sample(new Rng(this.seed, 'cmaes', this.es.generation));
    return this.points;
  }

  ask(number: number): Candidate | null {
    const lambda = this.es.lambda;
    const g = Math.floor(number / lambda);
    if (g < this.es.generation) throw new Error(`CMA-ES: trial ${number} belongs to a finished generation`);
    while (this.es.generation < g) {
      const base = this.es.generation * lambda;
      const fitness: number[] = [];
      for (let k = 0; k < lambda; k++) {
        const t = this.told.get(base + k);
        if (!t) return null;
        fitness.push(t.outcome.kind === 'ok' ? -(t.outcome.values[0] ?? 0) : PENALTY);
      }
      this.es.tell(this.generationPoints(), fitness);
      this.points = null;
    }
    const x = this.generationPoints()[number - g * lambda]!;
    return this.space.continuous!.fromVector(x);
  }
}
