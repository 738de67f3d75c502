import type { Store } from '../store/index.js';
import { configFor, type TrainJob } from '../exec/index.js';
import { runKey, type RunConfig } from '../train/config.js';

/** The payload of a 'planned' job event: one run a command is about to train, with its whole config. */
export interface PlannedEvent {
  type: 'planned';
  jobId: string;
  /** The run's index among its job's heads (a population job trains several). */
  head: number;
  config: RunConfig;
}

/**
 * Journals the runs a grid is about to train as 'planned' job events, in one transaction, before the first one
 * starts. The recorder's 'started' and 'epoch' events name a run only by its key (a hash); with these, a reader of
 * the database (the dashboard, `headroom ls`) knows each in-flight run's head, seed and epochs, and how many runs the
 * command will train in all. Runs the store already holds as finished are not planned again.
 */
export function journalPlan(store: Store, grid: string, jobs: readonly TrainJob[]): void {
  store.transaction(() => {
    for (const job of jobs)
      job.heads.forEach((_, i) => {
        const config = configFor(job, i);
        const payload: PlannedEvent = { type: 'planned', jobId: job.id, head: i, config };
        store.addJobEvent({ jobId: job.id, runKey: runKey(config), grid, type: 'planned', payload });
      });
  });
}
