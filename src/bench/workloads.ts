/**
 * headroom's side of `headroom bench`: the same workloads as bench/torch_reference.py, timed the same way.
 * This module imports the engine, so the CLI loads it only after it has set the thread environment variables.
 */
import {
  crossEntropy,
  getNumThreads,
  keep,
  liveTensorCount,
  ones,
  rand,
  randint,
  randn,
  rssBytes,
  scope,
  setNumThreads,
  manualSeed,
  type Device,
  type Tensor,
} from '../engine/index.js';
import { Linear } from '../nn/layers.js';
import { Module } from '../nn/module.js';
import { kerasCnn, kerasMlp, type ModelSpec } from '../nn/models/index.js';
import { makeOptimizer, type Optimizer } from '../optim/index.js';

export type Workload = 'mlp' | 'cnn' | 'matmul' | 'overhead';

export interface BenchPlan {
  device: Device;
  threads: number;
  batch: number;
  warmup: number;
  mlpSteps: number;
  cnnSteps: number;
  matmulReps: number;
  overheadCalls: number;
  seed: number;
}

/** One side's measurements in one round (examples/s, GFLOP/s, µs per call). */
export interface RoundResult {
  mlp?: number;
  cnn?: number;
  matmul_gflops?: number;
  op_overhead_us?: number;
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

function trainRate(spec: ModelSpec, inputShape: number[], steps: number, plan: BenchPlan): number {
  const tr = makeTrainer(spec, inputShape, plan);
  try {
    for (let i = 0; i < plan.warmup; i++) tr.step(i);
    tr.sync();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) tr.step(i);
    const check = tr.sync();
    const dt = (performance.now() - t0) / 1000;
    if (!Number.isFinite(check)) throw new Error(`bench: ${spec.id} parameters became non-finite`);
    return (steps * plan.batch) / dt;
  } finally {
    tr.dispose();
  }
}

function matmulGflops(plan: BenchPlan): number {
  const n = 1024;
  return scope(() => {
    const a = randn([n, n], { device: plan.device });
    const b = randn([n, n], { device: plan.device });
    for (let i = 0; i < 3; i++) a.matmul(b).dispose();
    const t0 = performance.now();
    let c: Tensor | null = null;
    for (let i = 0; i < plan.matmulReps; i++) {
      c?.dispose();
      c = a.matmul(b);
    }
    c?.select(0, 0).select(0, 0).item(); // waits for the device on cuda
    const dt = (performance.now() - t0) / 1000 / plan.matmulReps;
    return (2 * n ** 3) / dt / 1e9;
  });
}

/** JS → native → libtorch → back for a 1-element add, result freed each time: the fixed cost of one op call. */
function opOverheadUs(plan: BenchPlan): number {
  return scope(() => {
    const a = ones([1], { device: plan.device });
    const b = ones([1], { device: plan.device });
    for (let i = 0; i < 1000; i++) a.add(b).dispose();
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (let i = 0; i < plan.overheadCalls; i++) a.add(b).dispose();
      best = Math.min(best, (performance.now() - t0) / plan.overheadCalls);
    }
    return best * 1000;
  });
}

export function configure(plan: BenchPlan): number {
  setNumThreads(plan.threads);
  manualSeed(plan.seed);
  return getNumThreads();
}

export function headroomRound(plan: BenchPlan, only: readonly Workload[]): RoundResult {
  const r: RoundResult = {};
  if (only.includes('mlp')) r.mlp = trainRate(kerasMlp, [784], plan.mlpSteps, plan);
  if (only.includes('cnn')) r.cnn = trainRate(kerasCnn, [1, 28, 28], plan.cnnSteps, plan);
  if (only.includes('matmul')) r.matmul_gflops = matmulGflops(plan);
  if (only.includes('overhead')) r.op_overhead_us = opOverheadUs(plan);
  return r;
}

export interface MemoryReport {
  steps: number;
  rssStartMb: number;
  rssWarmMb: number;
  rssEndMb: number;
  /** RSS growth from the end of warm-up (10% of the steps, at least 50: allocators have reached steady state) to the end. */
  growthPct: number;
  liveTensorsWarm: number;
  liveTensorsEnd: number;
  examplesPerSecond: number;
}

/** Trains keras-mlp for `steps` steps and samples RSS and the live tensor count. */
export function memoryCheck(
  plan: BenchPlan,
  steps: number,
  onProgress?: (done: number) => void,
): MemoryReport {
  const mb = (): number => rssBytes() / 2 ** 20;
  const rssStartMb = mb();
  const tr = makeTrainer(kerasMlp, [784], plan);
  try {
    const warm = Math.max(1, Math.min(Math.floor(steps / 2), Math.max(50, Math.floor(steps / 10))));
    let i = 0;
    for (; i < warm; i++) tr.step(i);
    tr.sync();
    const rssWarmMb = mb();
    const liveTensorsWarm = liveTensorCount();
    const t0 = performance.now();
    for (; i < steps; i++) {
      tr.step(i);
      if (onProgress !== undefined && i % 500 === 0) onProgress(i);
    }
    tr.sync();
    const dt = (performance.now() - t0) / 1000;
    const rssEndMb = mb();
    return {
      steps,
      rssStartMb,
      rssWarmMb,
      rssEndMb,
      growthPct: (100 * (rssEndMb - rssWarmMb)) / rssWarmMb,
      liveTensorsWarm,
      liveTensorsEnd: liveTensorCount(),
      examplesPerSecond: ((steps - warm) * plan.batch) / dt,
    };
  } finally {
    tr.dispose();
  }
}
