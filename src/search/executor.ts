import type { Device } from '../engine/index.js';
import { headRefOf, type Executor as JobExecutor, type TrainJob } from '../exec/index.js';
import { experimentKey, runKey } from '../train/config.js';
import type { Executor } from './driver.js';
import { rungRunConfig } from './run-config.js';
import { rungMetricsOf, type RungMetrics, type TrialJob } from './trial.js';
import './candidate-head.js';

interface Waiting {
  job: TrialJob;
  resolve: (r: RungMetrics | 'cancelled') => void;
  reject: (e: Error) => void;
}

/**
 * The driver's executor: trial-rungs become training jobs on the shared execution layer. With a population of K, it
 * keeps K trials per slot in flight and trains those that share a rung (all of a rung's trials share the training
 * seed, so they share initialisation and batch order) as one fused job of up to K heads. A job starts only when a
 * slot is free, and takes the oldest waiting trial's rung with up to K−1 more of it: trials that arrive while the
 * slots are busy wait and go together, rather than as a row of one-head jobs queued behind each other.
 */
export class TrialExecutor implements Executor {
  readonly #waiting: Waiting[] = [];
  #flushing = false;
  #busy = 0;
  #closed = false;
  readonly #stats = { jobs: 0, trialRungs: 0 };

  constructor(
    readonly jobs: JobExecutor,
    readonly device: Device = jobs.slots[0]?.device ?? 'cpu',
    readonly population = 1,
  ) {
    if (!(Number.isInteger(population) && population >= 1))
      throw new RangeError(`population must be an integer ≥ 1, got ${population}`);
  }

  get size(): number {
    return this.workers * this.population;
  }

  get workers(): number {
    return this.jobs.slots.length;
  }

  /** Training jobs started and the trial-rungs they carried (trialRungs / jobs: the mean population). */
  populationStats(): { jobs: number; trialRungs: number } {
    return { ...this.#stats };
  }

  run(job: TrialJob): Promise<RungMetrics | 'cancelled'> {
    return new Promise((resolve, reject) => {
      if (this.#closed) return resolve('cancelled');
      this.#waiting.push({ job, resolve, reject });
      // The driver dispatches everything that fits in one synchronous pass: look at what arrived in it together.
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => {
          this.#flushing = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    while (this.#busy < this.workers && this.#waiting.length > 0) {
      const key = (w: Waiting) => experimentKey(rungRunConfig(w.job, this.device));
      const first = key(this.#waiting[0]!);
      const members: Waiting[] = [];
      for (let i = 0; i < this.#waiting.length && members.length < this.population;)
        if (key(this.#waiting[i]!) === first) members.push(...this.#waiting.splice(i, 1));
        else i++;
      void this.#submit(members);
    }
  }

  async #submit(members: Waiting[]): Promise<void> {
    this.#busy++;
    this.#stats.jobs++;
    this.#stats.trialRungs += members.length;
    const cfgs = members.map((m) => rungRunConfig(m.job, this.device));
    const job: TrainJob = { id: runKey(cfgs[0]!), cfg: cfgs[0]!, heads: cfgs.map(headRefOf) };
    try {
      const r = await this.jobs.submit(job);
      members.forEach((m, i) => m.resolve(r === 'cancelled' ? r : rungMetricsOf(r[i]!)));
    } catch (e) {
      for (const m of members) m.reject(e instanceof Error ? e : new Error(String(e)));
    } finally {
      this.#busy--;
      if (!this.#closed) this.#flush();
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.resolve('cancelled');
    return this.jobs.close();
  }
}
