import type { Device } from '../engine/index.js';
import { jobOf, type Executor as JobExecutor } from '../exec/index.js';
import type { Executor } from './driver.js';
import { rungRunConfig } from './run-config.js';
import { rungMetricsOf, type RungMetrics, type TrialJob } from './trial.js';
import './candidate-head.js';

/** The driver's executor: each trial-rung becomes one training job on the shared execution layer. */
export class TrialExecutor implements Executor {
  constructor(
    readonly jobs: JobExecutor,
    readonly device: Device = jobs.slots[0]?.device ?? 'cpu',
  ) {}

  get size(): number {
    return this.jobs.slots.length;
  }

  async run(job: TrialJob): Promise<RungMetrics | 'cancelled'> {
    const r = await this.jobs.submit(jobOf(rungRunConfig(job, this.device)));
    return r === 'cancelled' ? r : rungMetricsOf(r[0]!);
  }

  close(): Promise<void> {
    return this.jobs.close();
  }
}
