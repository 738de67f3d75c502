/**
 * `headroom bench --fit`: whole epochs of the real fit() (device upload, shuffled batches, training, validation and
 * test evaluation) against the same epoch written as a plain PyTorch loop (bench/torch_reference.py --fit), both on
 * the exact same split. This module imports fit() and with it the engine, so the CLI loads it only after it has set
 * the thread environment variables.
 */
import { takeRows, type ArrayDataset, type DataSplits } from '../data/index.js';
import { getModel } from '../nn/models/index.js';
import type { RunConfig } from '../train/config.js';
import { fit, loadSplitsFor } from '../train/fit.js';
import type { TorchEpochs } from './torch-epochs.js';

export { TorchEpochs } from './torch-epochs.js';

export type FitModel = 'keras-mlp' | 'keras-cnn';
export const FIT_MODELS: readonly FitModel[] = ['keras-mlp', 'keras-cnn'];

export interface FitSizes {
  /** Training examples (trainLimit). */
  train: number;
  /** Validation and test examples evaluated every epoch (the first N of each split). */
  val: number;
  test: number;
}

/**
 * Split sizes per model. --quick keeps the whole bench (both models, both sides) under a minute on two idle CPU
 * cores; the CNN costs ~30× more per example than the MLP, so it gets fewer. The full sizes keep the evaluation share
 * of an epoch a real MNIST run's (54k train, 6k val, 10k test: 23% of the examples an epoch sees are evaluated ones)
 * and take about 3–4 minutes on two cores.
 */
export function fitSizes(model: FitModel, quick: boolean): FitSizes {
  if (model === 'keras-mlp')
    return quick ? { train: 8192, val: 1000, test: 2000 } : { train: 27000, val: 3000, test: 5000 };
  return quick ? { train: 1024, val: 250, test: 500 } : { train: 5400, val: 600, test: 1000 };
}

export interface FitBenchOptions {
  model: FitModel;
  sizes: FitSizes;
  device: 'cpu' | 'cuda';
  threads: number;
  /** Epochs per run: the first `warmup` are discarded, the rest timed. */
  epochs: number;
  warmup: number;
  clock: 'wall' | 'cpu';
  seed: number;
}

/** The RunConfig fit() gets: the model spec's own optimizer and batch size, the softmax-ce (Keras) head. */
export function fitConfig(o: FitBenchOptions): RunConfig {
  const spec = getModel(o.model);
  return {
    dataset: 'mnist',
    model: o.model,
    head: 'softmax-ce',
    seed: o.seed,
    epochs: o.warmup + o.epochs,
    batchSize: spec.defaultBatchSize,
    optimizer: { ...spec.defaultOptimizer },
    trainLimit: o.sizes.train,
    // Validation is carved at the usual 10%, then cut to the first sizes.val rows (the carve is a seeded shuffle).
    valFraction: 0.1,
    device: o.device,
    threads: o.threads,
    evalTest: true,
  };
}

function firstRows(ds: ArrayDataset, n: number): ArrayDataset {
  if (ds.n <= n) return ds;
  return takeRows(
    ds,
    Int32Array.from({ length: n }, (_, i) => i),
  );
}

/** The split both sides train on: fit()'s own loader, with validation and test cut to the bench's sizes. */
export async function loadFitData(cfg: RunConfig, sizes: FitSizes): Promise<DataSplits> {
  const d = await loadSplitsFor(cfg);
  return { train: d.train, val: firstRows(d.val, sizes.val), test: firstRows(d.test, sizes.test) };
}

export interface SideRun {
  /** Seconds of each timed epoch (warm-up epochs left out). */
  seconds: number[];
  /** Of the last epoch. */
  valAcc: number;
  testAcc: number;
  error?: string;
}

function clockMs(clock: 'wall' | 'cpu'): () => number {
  if (clock === 'wall') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

export interface InterleavedArgs {
  cfg: RunConfig;
  data: DataSplits;
  warmup: number;
  clock: 'wall' | 'cpu';
  torch: TorchEpochs | null;
  /** T H T H … instead of H T H T …: callers alternate it so neither side always follows the other. */
  torchFirst: boolean;
}

/**
 * One fit() run with the PyTorch side's epochs in between its own: each headroom epoch is the interval between
 * consecutive onEpoch callbacks less the torch epoch run inside the callback, i.e. shuffling, training and both
 * evaluations (onEpoch comes after the test evaluation, whose accuracy read syncs the device). The first interval
 * also holds model construction and the device upload, one more reason to discard warm-up epochs. Epoch k of one
 * side runs right next to epoch k of the other, so a burst of other work on the machine hits both alike.
 */
export async function interleavedFit(
  a: InterleavedArgs,
): Promise<{ headroom: SideRun; torch: SideRun | null }> {
  const { cfg, warmup } = a;
  const now = clockMs(a.clock);
  const t: SideRun = { seconds: [], valAcc: NaN, testAcc: NaN };
  let tDone = 0;
  const torchEpoch = (): void => {
    if (a.torch === null || t.error !== undefined || tDone >= cfg.epochs) return;
    const r = a.torch.epoch();
    tDone++;
    if (r === null) t.error = 'the PyTorch reference stopped';
    else if (r.error !== undefined) t.error = r.error;
    else {
      if (tDone > warmup) t.seconds.push(Number(r.seconds));
      t.valAcc = Number(r.val_acc);
      t.testAcc = Number(r.test_acc);
    }
  };
  if (a.torchFirst) torchEpoch();
  const h: SideRun = { seconds: [], valAcc: NaN, testAcc: NaN };
  let last = now();
  const r = await fit(cfg, {
    data: a.data,
    onEpoch: (e) => {
      if (e.epoch > warmup) h.seconds.push((now() - last) / 1000);
      h.valAcc = e.valAcc;
      h.testAcc = e.testAcc ?? NaN;
      torchEpoch();
      last = now();
    },
  });
  if (r.status !== 'ok') h.error = r.error ?? `${r.status} in epoch ${r.divergedEpoch ?? '?'}`;
  // Whatever the torch side has left (all of it when fit() failed early).
  while (a.torch !== null && t.error === undefined && tDone < cfg.epochs) torchEpoch();
  return { headroom: h, torch: a.torch === null ? null : t };
}
