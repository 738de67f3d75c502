import type { Store } from '../store/index.js';
import { runKey, type RunResult } from '../train/config.js';
import { configFor, machineDescription, type JobEvent, type TrainJob } from '../exec/index.js';

export type EventSink = (e: JobEvent) => void;

export { machineDescription };

/**
 * The single writer of runs: every finished job is stored here, in one transaction per run, keyed by the run's config;
 * and every job event is fanned out to the sinks (progress bars, later an event journal and a live stream).
 */
export class Recorder {
  readonly #sinks = new Set<EventSink>();
  /** This machine: the fallback for results from workers that predate the machine stamp. */
  readonly #machine = machineDescription();
  /** When each job's (latest) attempt started: its runs' start, which the epochs' training seconds understate. */
  readonly #startedAt = new Map<string, string>();

  constructor(
    readonly store: Store,
    readonly grid: string,
    readonly command = '',
  ) {}

  subscribe(sink: EventSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  /** Journals a started or epoch event of the job (the live view of the store), then fans it out to the sinks. */
  emit(job: TrainJob, e: JobEvent): void {
    if (e.type === 'started') this.#startedAt.set(job.id, new Date().toISOString());
    if (e.type === 'started' || e.type === 'epoch') {
      const head = e.type === 'epoch' ? e.head : 0;
      this.store.addJobEvent({
        jobId: job.id,
        runKey: runKey(configFor(job, head)),
        grid: this.grid,
        type: e.type,
        ...(e.type === 'epoch' ? { epoch: e.record.epoch } : {}),
        payload: e,
      });
    }
    for (const sink of this.#sinks) sink(e);
  }

  /**
   * Stores the job's results (one per head) under the keys the planner used to decide they were pending. A queue may
   * deliver a job twice (at-least-once): a run already stored as finished keeps its first result.
   */
  record(job: TrainJob, results: readonly RunResult[]): void {
    const startedAt = this.#startedAt.get(job.id);
    this.#startedAt.delete(job.id);
    this.store.transaction(() => {
      results.forEach((result, i) => {
        const config = configFor(job, i);
        const prev = this.store.getRunByKey(runKey(config));
        if (prev && (prev.status === 'ok' || prev.status === 'diverged')) return;
        this.store.saveRun({
          key: runKey(config),
          grid: this.grid,
          result: { ...result, config },
          command: this.command,
          // The worker's machine (a queue worker may be another computer), else this one.
          machine: result.machine ?? this.#machine,
          ...(startedAt !== undefined ? { startedAt } : {}),
        });
      });
    });
  }
}
