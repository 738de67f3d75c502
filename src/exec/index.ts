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
export { machineDescription, blasDescription, codeHash, codeVersion } from './machine.js';
export {
  planSlots,
  resolveDevice,
  resolvePopulation,
  DEVICE_CHOICES,
  type DeviceChoice,
  type PopulationChoice,
} from './slots.js';
export { parsePayload, payloadOf, PayloadError, PROTOCOL_VERSION, type QueuePayload } from './payload.js';

/**
 * The executor a command asked for: a BullMQ queue on Redis when `queue` is a URL (workers elsewhere; `workers` jobs
 * in flight for callers that pace themselves), else as createExecutor. bullmq is loaded only then.
 */
export async function openExecutor(opts: {
  workers: number;
  device: Device;
  threads?: number;
  queue?: string;
}): Promise<Executor> {
  if (opts.queue === undefined) return createExecutor(opts);
  const { BullMqExecutor } = await import('./bullmq.js');
  return BullMqExecutor.open(opts.queue, { device: opts.device, slots: Math.max(1, opts.workers) });
}

/**
 * `workers` forked processes (one libtorch thread each unless told otherwise: one process per core beats one process
 * with many threads for small models), or this process when workers is 0.
 */
export function createExecutor(opts: { workers: number; device: Device; threads?: number }): Executor {
  if (opts.workers <= 0) return new InProcessExecutor(opts.device, opts.threads);
  return new ForkExecutor(planSlots(opts.workers, opts.device, opts.threads ?? 1));
}
