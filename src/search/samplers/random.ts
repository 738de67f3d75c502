import { Rng } from '../rng.js';
import type { Candidate, Sampler, Space, Told } from '../types.js';

/** Independent draws from the space's prior; trial n's candidate depends only on (seed, n). */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  constructor(
    private readonly space: Space,
    private readonly seed: number,
  ) {}

  ask(number: number): Candidate {
    return this.space.sample(new Rng(this.seed, 'random', number));
  }

  tell(_t: Told): void {}
}
