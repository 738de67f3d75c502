import { cuda, type Device } from '../engine/index.js';
import { DeviceUnavailableError } from '../train/fit.js';
import type { Slot } from './executor.js';

export type DeviceChoice = Device | 'auto';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cpu', 'cuda'];

/** 'auto' is CUDA when libtorch sees a GPU, else the CPU; 'cuda' without one is an error, never a quiet CPU run. */
export function resolveDevice(choice: DeviceChoice): Device {
  if (choice === 'cpu') return 'cpu';
  if (choice === 'auto') return cuda.isAvailable() ? 'cuda' : 'cpu';
  if (choice === 'cuda' && cuda.isAvailable()) return 'cuda';
  throw new DeviceUnavailableError(choice);
}

/**
 * The slots of a pool of `count` workers. On CUDA, slot i sees GPU i mod (GPUs visible to this process), so several
 * slots may share one GPU and a multi-GPU machine is filled round-robin; each child sees exactly one device, so its
 * 'cuda' is that GPU (tinygrad's env-inherited default device).
 */
export function planSlots(count: number, device: Device, threads = 1): Slot[] {
  if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`worker count must be ≥ 1, got ${count}`);
  if (device === 'cpu') return Array.from({ length: count }, () => ({ device, threads }));
  const visible = visibleGpus();
  return Array.from({ length: count }, (_, i) => ({
    device,
    threads,
    visibleDevice: visible[i % visible.length],
  }));
}

function visibleGpus(): string[] {
  const fromEnv = process.env.CUDA_VISIBLE_DEVICES?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (fromEnv && fromEnv.length > 0) return fromEnv;
  return Array.from({ length: Math.max(1, cuda.deviceCount()) }, (_, i) => String(i));
}

export type PopulationChoice = number | 'auto';

/**
 * How many runs train as one fused model. auto: 1 on the CPU, where a solo keras-mlp step already runs its GEMMs near
 * the core's peak and a fused one only adds memory traffic (measured: 0.5-0.8x at K = 8-16); on CUDA, where small
 * models are bound by kernel launches, as many as the model's width makes worthwhile.
 */
export function resolvePopulation(choice: PopulationChoice, device: Device, model: string): number {
  if (choice !== 'auto') return choice;
  if (device === 'cpu') return 1;
  return { 'keras-mlp': 32, 'paper-fcn': 32, 'keras-cnn': 16, lenet5: 16, resnet20: 8 }[model] ?? 8;
}
