// How training work runs, anywhere: one job type, one executor interface, one worker entry.
import type { Device } from '../engine/index.js';
import type { Executor } from './executor.js';
import { ForkExecutor } from './fork.js';
import { InProcessExecutor } from './local.js';
import { planSlots } from './slots.js';

export * from './job.js';
export type { Executor, Slot } from './executor.js';
export { InProcessExecutor } from './local.js';
export { ForkExecutor } from './fork.js';
export { runJob } from './run-job.js';
export { planSlots, resolveDevice, DEVICE_CHOICES, type DeviceChoice } from './slots.js';

/**
 * `workers` forked processes (one libtorch thread each unless told otherwise: one process per core beats one process
 * with many threads for small models), or this process when workers is 0.
 */
export function createExecutor(opts: { workers: number; device: Device; threads?: number }): Executor {
  if (opts.workers <= 0) return new InProcessExecutor(opts.device, opts.threads);
  return new ForkExecutor(planSlots(opts.workers, opts.device, opts.threads ?? 1));
}
