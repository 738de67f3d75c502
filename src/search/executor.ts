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
 * offers the driver K trials per slot and trains the trials it receives together that share a rung (all of a rung's
 * trials share the training seed, so they share initialisation and batch order) as one fused job of up to K heads.
 */
export class TrialExecutor implements Executor {
  readonly #waiting: Waiting[] = [];
  #flushing = false;

  constructor(
    readonly jobs: JobExecutor,
    readonly device: Device = jobs.slots[0]?.device ?? 'cpu',
    readonly population = 1,
  ) {
    if (!(Number.isInteger(population) && population >= 1))
      throw new RangeError(`population must be an integer ≥ 1, got ${population}`);
  }

  get size(): number {
    return this.jobs.slots.length * this.population;
  }

  run(job: TrialJob): Promise<RungMetrics | 'cancelled'> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ job, resolve, reject });
      // The driver dispatches everything that fits in one synchronous pass: group what arrived in it.
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushing = false;
    // Per experiment (rung setting), consecutive chunks of up to K trials.
    const groups = new Map<string, Waiting[][]>();
    for (const w of this.#waiting.splice(0)) {
      const key = experimentKey(rungRunConfig(w.job, this.device));
      const chunks = groups.get(key) ?? [];
      const last = chunks[chunks.length - 1];
      if (last && last.length < this.population) last.push(w);
      else chunks.push([w]);
      groups.set(key, chunks);
    }
    for (const chunks of groups.values()) for (const chunk of chunks) void this.#submit(chunk);
  }

  async #submit(members: Waiting[]): Promise<void> {
    const cfgs = members.map((m) => rungRunConfig(m.job, this.device));
    const job: TrainJob = { id: runKey(cfgs[0]!), cfg: cfgs[0]!, heads: cfgs.map(headRefOf) };
    try {
      const r = await this.jobs.submit(job);
      members.forEach((m, i) => m.resolve(r === 'cancelled' ? r : rungMetricsOf(r[i]!)));
    } catch (e) {
      for (const m of members) m.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  close(): Promise<void> {
    for (const w of this.#waiting.splice(0)) w.resolve('cancelled');
    return this.jobs.close();
  }
}
