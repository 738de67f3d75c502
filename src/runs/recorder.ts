import { hostname, cpus } from 'node:os';
import type { Store } from '../store/index.js';
import { runKey, type RunResult } from '../train/config.js';
import { configFor, type JobEvent, type TrainJob } from '../exec/index.js';
import { cuda } from '../engine/index.js';

export type EventSink = (e: JobEvent) => void;

/** Where a run was trained, for provenance: host, cores and CPU, and the GPU count when any run here used CUDA. */
export function machineDescription(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  const base = `${hostname()} · ${cpus().length} cores · ${cpu}`;
  return cuda.isAvailable() ? `${base} · ${cuda.deviceCount()} CUDA device(s)` : base;
}

/**
 * The single writer of runs: every finished job is stored here, in one transaction per run, keyed by the run's config;
 * and every job event is fanned out to the sinks (progress bars, later an event journal and a live stream).
 */
export class Recorder {
  readonly #sinks = new Set<EventSink>();
  readonly #machine = machineDescription();

  constructor(
    readonly store: Store,
    readonly grid: string,
    readonly command = '',
  ) {}

  subscribe(sink: EventSink): () => void {
    this.#sinks.add(sink);
    return () => this.#sinks.delete(sink);
  }

  emit(e: JobEvent): void {
    for (const sink of this.#sinks) sink(e);
  }

  /** Stores the job's results (one per head) under the keys the planner used to decide they were pending. */
  record(job: TrainJob, results: readonly RunResult[]): void {
    this.store.transaction(() => {
      results.forEach((result, i) => {
        const config = configFor(job, i);
        this.store.saveRun({
          key: runKey(config),
          grid: this.grid,
          result: { ...result, config },
          command: this.command,
          machine: this.#machine,
        });
      });
    });
  }
}
