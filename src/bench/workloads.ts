/**
 * headroom's side of `headroom bench`: the same workloads as bench/torch_reference.py, timed the same way.
 * This module imports the engine, so the CLI loads it only after it has set the thread environment variables.
 */
import {
  crossEntropy,
  cuda,
  getNumThreads,
  keep,
  liveTensorCount,
  ones,
  rand,
  randint,
  randn,
  rssBytes,
  manualSeed,
  scope,
  setNumThreads,
  type Device,
  type Tensor,
} from '../engine/index.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { kerasCnn, kerasMlp, type ModelSpec } from '../nn/models/index.js';
import { makeOptimizer, type Optimizer } from '../optim/index.js';

export interface BenchPlan {
  device: Device;
  /** wall: elapsed time; cpu: process CPU time over all threads (steadier on a shared machine when threads = 1). */
  clock?: 'wall' | 'cpu';
  threads: number;
  batch: number;
  warmup: number;
  seed: number;
}

/** Body + the Dense(10) output layer a linear head would add: the model the Keras examples train. */
class Classifier extends Module {
  constructor(
    readonly body: Module,
    readonly out: Linear,
  ) {
    super();
    this.child('body', body);
    this.child('out', out);
  }

  forward(x: Tensor): Tensor {
    return this.out.forward(this.body.forward(x));
  }
}

export interface Trainer {
  model: Classifier;
  opt: Optimizer;
  /** One optimisation step on batch i of the pool; returns nothing so no tensor escapes the step. */
  step(i: number): void;
  /** Forces queued device work to finish (reads one value back). */
  sync(): number;
  dispose(): void;
}

const POOL = 8;

export function makeTrainer(spec: ModelSpec, inputShape: number[], plan: BenchPlan): Trainer {
  const body = spec.createBody(inputShape, { seed: plan.seed });
  const model = new Classifier(body, new Linear(body.featureDim, 10, { init: 'glorot-uniform' }));
  if (plan.device !== 'cpu') model.toDevice(plan.device);
  model.train();
  const opt = makeOptimizer(spec.defaultOptimizer.kind, model.parameters(), spec.defaultOptimizer);
  // A small pool of batches, cycled, so data generation stays out of the timed loop (as on the torch side).
  const xs: Tensor[] = [];
  const ys: Tensor[] = [];
  for (let i = 0; i < POOL; i++) {
    xs.push(keep(rand([plan.batch, ...inputShape], { device: plan.device })));
    ys.push(keep(randint(0, 10, [plan.batch], { device: plan.device })));
  }
  const params = model.parameters();
  return {
    model,
    opt,
    step(i: number): void {
      const k = i % POOL;
      scope(() => {
        const loss = crossEntropy(model.forward(xs[k]), ys[k]);
        loss.backward();
      });
      opt.step();
      opt.zeroGrad();
    },
    sync(): number {
      return scope(() => params[0].sum().item());
    },
    dispose(): void {
      opt.dispose();
      model.dispose();
      for (const t of [...xs, ...ys]) t.dispose();
    },
  };
}

export type BenchOp = 'mlp' | 'cnn' | 'matmul' | 'overhead';

/**
 * headroom's side, persistent across timing windows like the torch server's: models, optimizers and inputs are
 * built (and warmed up) on first use, then each request times one window.
 */
export class HeadroomBench {
  readonly #plan: BenchPlan;
  /** Milliseconds on the plan's clock. */
  readonly #now: () => number;
  readonly #trainers = new Map<'mlp' | 'cnn', Trainer>();
  #mm: [Tensor, Tensor] | null = null;
  #tiny: [Tensor, Tensor] | null = null;

  constructor(plan: BenchPlan) {
    this.#plan = plan;
    this.#now =
      plan.clock === 'cpu'
        ? () => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1000;
          }
        : () => performance.now();
  }

  #trainer(which: 'mlp' | 'cnn'): Trainer {
    let tr = this.#trainers.get(which);
    if (tr === undefined) {
      tr =
        which === 'mlp'
          ? makeTrainer(kerasMlp, [784], this.#plan)
          : makeTrainer(kerasCnn, [1, 28, 28], this.#plan);
      this.#trainers.set(which, tr);
      for (let i = 0; i < this.#plan.warmup; i++) tr.step(i);
    }
    return tr;
  }

  /** examples/s over `steps` training steps. */
  trainRate(which: 'mlp' | 'cnn', steps: number): number {
    const tr = this.#trainer(which);
    tr.sync();
    const t0 = this.#now();
    for (let i = 0; i < steps; i++) tr.step(i);
    const check = tr.sync();
    const dt = (this.#now() - t0) / 1000;
    if (!Number.isFinite(check)) throw new Error(`bench: ${which} parameters became non-finite`);
    return (steps * this.#plan.batch) / dt;
  }

  /** GFLOP/s of a 1024³ matmul (result freed each time, as torch.mm's is by Python). */
  matmulGflops(reps: number): number {
    const n = 1024;
    if (this.#mm === null) {
      this.#mm = [
        keep(randn([n, n], { device: this.#plan.device })),
        keep(randn([n, n], { device: this.#plan.device })),
      ];
      for (let i = 0; i < 3; i++) this.#mm[0].matmul(this.#mm[1]).dispose();
    }
    const [a, b] = this.#mm;
    const t0 = this.#now();
    let c: Tensor | null = null;
    for (let i = 0; i < reps; i++) {
      c?.dispose();
      c = a.matmul(b);
    }
    if (this.#plan.device === 'cuda') cuda.synchronize();
    c?.dispose();
    const dt = (this.#now() - t0) / 1000 / reps;
    return (2 * n ** 3) / dt / 1e9;
  }

  /**
   * JS → native → libtorch → back for a 1-element add: the fixed cost of one op call. Measured the way training code
   * runs ops, inside scope(), which frees the results (chunks of 1000 calls per scope; the freeing is timed too).
   */
  opOverheadUs(calls: number): number {
    if (this.#tiny === null) {
      this.#tiny = [
        keep(ones([1], { device: this.#plan.device })),
        keep(ones([1], { device: this.#plan.device })),
      ];
    }
    const [a, b] = this.#tiny;
    const chunk = (n: number): void =>
      scope(() => {
        for (let i = 0; i < n; i++) a.add(b);
      });
    chunk(1000);
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = this.#now();
      for (let done = 0; done < calls; done += 1000) chunk(Math.min(1000, calls - done));
      if (this.#plan.device === 'cuda') cuda.synchronize();
      best = Math.min(best, (this.#now() - t0) / calls);
    }
    return best * 1000;
  }

  request(op: BenchOp, n: number): number {
    switch (op) {
      case 'mlp':
      case 'cnn':
        return this.trainRate(op, n);
      case 'matmul':
        return this.matmulGflops(n);
      case 'overhead':
        return this.opOverheadUs(n);
    }
  }

  dispose(): void {
    for (const tr of this.#trainers.values()) tr.dispose();
    this.#trainers.clear();
    for (const t of [...(this.#mm ?? []), ...(this.#tiny ?? [])]) t.dispose();
    this.#mm = this.#tiny = null;
  }
}

export function configure(plan: BenchPlan): number {
  setNumThreads(plan.threads);
  manualSeed(plan.seed);
  return getNumThreads();
}

export interface MemoryReport {
  steps: number;
  /** RSS before the model exists, after 10% of the steps, halfway, at the end, and the highest of the samples taken every 100 steps. */
  rssStartMb: number;
  rssWarmMb: number;
  rssMidMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  /**
   * Growth over the second half of the run. A leak grows with the step count and shows here; the allocator settling
   * (glibc's heap reaching its working size, which takes ~1–2k steps here) does not.
   */
  growthPct: number;
  /** Growth from the 10% mark to the end (includes allocator settling). */
  growthFromWarmPct: number;
  liveTensorsWarm: number;
  liveTensorsEnd: number;
  examplesPerSecond: number;
}

/** Trains keras-mlp for `steps` steps and samples RSS and the live tensor count. */
export function memoryCheck(
  plan: BenchPlan,
  steps: number,
  onProgress?: (done: number, rssMb: number) => void,
): MemoryReport {
  const mb = (): number => rssBytes() / 2 ** 20;
  const rssStartMb = mb();
  const tr = makeTrainer(kerasMlp, [784], plan);
  try {
    const warm = Math.max(1, Math.floor(steps / 10));
    const mid = Math.max(warm, Math.floor(steps / 2));
    let rssWarmMb = 0;
    let rssMidMb = 0;
    let rssMaxMb = 0;
    let liveTensorsWarm = 0;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      tr.step(i);
      if (i + 1 === warm) {
        rssWarmMb = mb();
        liveTensorsWarm = liveTensorCount();
      }
      if (i + 1 === mid) rssMidMb = mb();
      if (i % 100 === 0) rssMaxMb = Math.max(rssMaxMb, mb());
      if (onProgress !== undefined && i > 0 && i % 500 === 0) onProgress(i, mb());
    }
    tr.sync();
    const dt = (performance.now() - t0) / 1000;
    const rssEndMb = mb();
    return {
      steps,
      rssStartMb,
      rssWarmMb,
      rssMidMb,
      rssEndMb,
      rssMaxMb: Math.max(rssMaxMb, rssEndMb),
      growthPct: (100 * (rssEndMb - rssMidMb)) / rssMidMb,
      growthFromWarmPct: (100 * (rssEndMb - rssWarmMb)) / rssWarmMb,
      liveTensorsWarm,
      liveTensorsEnd: liveTensorCount(),
      examplesPerSecond: (steps * plan.batch) / dt,
    };
  } finally {
    tr.dispose();
  }
}
