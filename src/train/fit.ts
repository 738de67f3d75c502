import {
  cuda,
  keep,
  manualSeed,
  noGrad,
  scope,
  setNumThreads,
  getNumThreads,
  zeros,
  type Device,
  type Tensor,
} from '../engine/index.js';
import {
  deviceBatches,
  loadDataset,
  onDevice,
  subsetByClasses,
  type ArrayDataset,
  type DataSplits,
} from '../data/index.js';
import { createBodyFor, getModel, type Body } from '../nn/models/index.js';
import { createOutputLayer, resolveHead, type Head } from '../heads/index.js';
import { makeOptimizer, type Optimizer } from '../optim/index.js';
import { ece as expectedCalibrationError, matrix } from '../metrics/index.js';
import { headRefOf, type EpochRecord, type FeatureSketch, type RunConfig, type RunResult } from './config.js';
import { checkSchedule, lrAt } from './schedule.js';
import { Augmenter } from './augment.js';

export interface FitDeps {
  /** Pre-loaded splits (grids reuse one copy across runs). */
  data?: DataSplits;
  onEpoch?: (e: EpochRecord) => void;
  /** Called every few dozen training steps: a worker checks there whether anybody still waits for its result. */
  checkpoint?: () => void;
  /** A head that is not in the registry: search candidates. */
  headOverride?: Head;
  /** Called before each update with its number (0-based) and the lr it uses (the recipe's schedule; tests). */
  onStep?: (step: number, lr: number) => void;
  /** Called with the trained body and output layer before they are disposed (representation metrics). */
  afterTraining?: (ctx: TrainedModel) => Promise<Record<string, number>> | Record<string, number>;
}

export interface TrainedModel {
  body: Body;
  outputLayer: ReturnType<typeof createOutputLayer>;
  head: Head;
  data: DataSplits;
  /** Where the body and output layer live; feature extraction should run there too. */
  device: Device;
  batchSize: number;
  /** Keeps a feature sketch with the run's result (stored in run_features). */
  keepFeatures: (f: FeatureSketch) => void;
}

/** The split is fixed (seed 0) across run seeds so that every head is selected on the same validation examples. */
const SPLIT_SEED = 0;
export const EVAL_BATCH = 1000;
/** Steps between checkpoint() calls: often enough that an orphaned worker stops within a second or two. */
export const CHECKPOINT_STEPS = 32;

/** Thrown before anything is built when the run names a device this libtorch cannot use. */
export class DeviceUnavailableError extends Error {
  readonly exitCode = 2;
  constructor(device: string) {
    super(
      device === 'cuda'
        ? "device 'cuda' is not available: this libtorch has no CUDA support or sees no GPU; point LIBTORCH at a CUDA libtorch (or install CUDA PyTorch for python3), rebuild with 'npm run build:native', or use --device cpu"
        : `unknown device '${device}' (expected cpu or cuda)`,
    );
    this.name = 'DeviceUnavailableError';
  }
}

/** Fails loudly, never silently trains elsewhere: a run stored as cuda ran on CUDA. */
export function assertDeviceUsable(device: string): asserts device is Device {
  if (device === 'cpu') return;
  if (device === 'cuda' && cuda.isAvailable()) return;
  throw new DeviceUnavailableError(device);
}

/** The run's device (checked: never a quiet CPU run) and its data (loaded unless given, restricted to its classes). */
export async function runData(
  cfg: RunConfig,
  given?: DataSplits,
): Promise<{ device: Device; data: DataSplits }> {
  assertDeviceUsable(cfg.device);
  const loaded = given ?? (await loadSplitsFor(cfg));
  return { device: cfg.device, data: cfg.classes ? restrictClasses(loaded, cfg.classes) : loaded };
}

/** The run's optimizer over `params`. */
export function optimizerFor(cfg: RunConfig, params: Tensor[]): ReturnType<typeof makeOptimizer> {
  const { kind, ...hyper } = cfg.optimizer;
  return makeOptimizer(kind, params, hyper);
}

export async function loadSplitsFor(cfg: RunConfig): Promise<DataSplits> {
  return loadDataset(cfg.dataset, {
    trainLimit: cfg.trainLimit,
    valFraction: cfg.valFraction,
    seed: SPLIT_SEED,
  });
}

interface Evaluation {
  acc: number;
  scores: Float32Array;
  /** Examples evaluated (the first n of the split). */
  n: number;
  numClasses: number;
}

function evaluate(
  body: Body,
  outputLayer: TrainedModel['outputLayer'],
  head: Head,
  ds: ArrayDataset,
  device: Device,
  keepScores: boolean,
  limit?: number,
): Evaluation {
  const C = ds.numClasses;
  const n = Math.min(ds.n, limit ?? ds.n);
  const scores = keepScores ? new Float32Array(n * C) : new Float32Array(0);
  let offset = 0;
  // Correct predictions are counted on the device and read once, so evaluation does not sync per batch.
  const correct = keep(zeros([], { dtype: 'int64', device }));
  try {
    noGrad(() => {
      for (const batch of deviceBatches(onDevice(ds, device), EVAL_BATCH, { limit: n })) {
        scope(() => {
          const { z } = outputLayer.forwardWithNorm(body.forward(batch.x));
          const s = head.scores(z);
          correct.add_(s.argmax(1).eq(batch.y).sum());
          if (keepScores) scores.set(s.to('float32').toFloat32Array(), offset * C);
        });
        offset += batch.size;
        batch.x.dispose();
        batch.y.dispose();
      }
    });
    return { acc: n === 0 ? NaN : correct.item() / n, scores, n, numClasses: C };
  } finally {
    correct.dispose();
  }
}

/**
 * Trains one body + head and measures it. Never throws for a training failure: a NaN/Inf loss ends the run as
 * 'diverged' (with its epoch) and an exception as 'failed', so one bad head cannot stop a grid.
 */
export async function fit(cfg: RunConfig, deps: FitDeps = {}): Promise<RunResult> {
  const epochs: EpochRecord[] = [];
  const result: RunResult = {
    config: cfg,
    status: 'ok',
    epochs,
    final: { valAcc: NaN, secondsPerEpoch: NaN },
  };
  const prevThreads = getNumThreads();
  if (cfg.threads !== undefined) setNumThreads(cfg.threads);
  const disposers: Array<() => void> = [];
  try {
    const { device, data } = await runData(cfg, deps.data);
    manualSeed(cfg.seed);
    const spec = getModel(cfg.model);
    // Initialised on the CPU, then moved: the same seed gives the same initial weights on every device.
    const body = createBodyFor(spec, data.train.sampleShape, { seed: cfg.seed, features: cfg.features });
    disposers.push(() => body.dispose());
    body.toDevice(device);
    const head = deps.headOverride ?? resolveHead(headRefOf(cfg));
    const numClasses = data.train.numClasses;
    const outputLayer = createOutputLayer(head.outputLayer, body.featureDim, numClasses);
    disposers.push(() => outputLayer.dispose());
    outputLayer.toDevice(device);
    const train = onDevice(data.train, device);
    const params = [...body.parameters(), ...outputLayer.parameters()];
    const optimizer = optimizerFor(cfg, params);
    disposers.push(() => optimizer.dispose());
    const recipe = recipeSteps(cfg, train.n, data.train.sampleShape);

    let step = 0;
    let trainSeconds = 0;
    let finalEval: Evaluation | null = null;
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      body.train();
      outputLayer.train();
      // The loss is summed on the device and read once per epoch: no host sync inside the training step.
      const lossSum = keep(zeros([], { dtype: 'float64', device }));
      let seen = 0;
      let trainLoss: number;
      const augmenter = recipe.augmenter(epoch);
      try {
        for (const batch of deviceBatches(train, cfg.batchSize, { shuffle: true, seed: cfg.seed, epoch })) {
          scope(() => {
            recipe.setLr(optimizer, step);
            deps.onStep?.(step, optimizer.lr);
            const x = augmenter ? augmenter.apply(batch.x) : batch.x;
            const { z, featureNorm } = outputLayer.forwardWithNorm(body.forward(x));
            const objective = head.objective({ z, y: batch.y, featureNorm, step, numClasses });
            objective.backward();
            optimizer.step();
            optimizer.zeroGrad();
            lossSum.add_(objective.detach().mul(batch.size));
          });
          batch.x.dispose();
          batch.y.dispose();
          seen += batch.size;
          step++;
          if (step % CHECKPOINT_STEPS === 0) deps.checkpoint?.();
        }
        trainLoss = lossSum.item() / Math.max(1, seen);
      } finally {
        lossSum.dispose();
      }
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      // A non-finite loss anywhere in the epoch makes the sum non-finite; NaN weights keep it so to the end.
      if (!Number.isFinite(trainLoss) || !paramsFinite(params)) {
        result.status = 'diverged';
        result.divergedEpoch = epoch;
        break;
      }
      body.eval();
      outputLayer.eval();
      // The last epoch's pass over the calibration set keeps its scores, so the final ECE needs no extra pass.
      const lastEpoch = epoch === cfg.epochs;
      const val = evaluate(
        body,
        outputLayer,
        head,
        data.val,
        device,
        lastEpoch && !cfg.evalTest,
        cfg.evalLimit,
      );
      const record: EpochRecord = { epoch, trainLoss, valAcc: val.acc, seconds };
      if (lastEpoch && !cfg.evalTest) finalEval = val;
      if (cfg.evalTest) {
        const test = evaluate(body, outputLayer, head, data.test, device, lastEpoch);
        record.testAcc = test.acc;
        if (lastEpoch) finalEval = test;
      }
      epochs.push(record);
      deps.onEpoch?.(record);
    }

    const last = epochs[epochs.length - 1];
    result.final.valAcc = last?.valAcc ?? NaN;
    result.final.secondsPerEpoch = epochs.length > 0 ? trainSeconds / epochs.length : NaN;
    if (result.status === 'ok') {
      body.eval();
      outputLayer.eval();
      // Calibration is a final number: on the test set when it is in play, otherwise on validation.
      const calibSet = cfg.evalTest ? data.test : data.val;
      const calib =
        finalEval ??
        evaluate(body, outputLayer, head, calibSet, device, true, cfg.evalTest ? undefined : cfg.evalLimit);
      if (cfg.evalTest) result.final.testAcc = calib.acc;
      result.final.ece = expectedCalibrationError(
        matrix(calib.scores, calib.n, calib.numClasses),
        calibSet.y.subarray(0, calib.n),
      );
      if (deps.afterTraining) {
        result.final.repr = await deps.afterTraining({
          body,
          outputLayer,
          head,
          data,
          device,
          batchSize: EVAL_BATCH,
          keepFeatures: (f) => {
            result.final.features = f;
          },
        });
      }
    }
  } catch (e) {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
  } finally {
    for (const d of disposers.reverse()) d();
    if (cfg.threads !== undefined) setNumThreads(prevThreads);
  }
  return result;
}

/**
 * What a run's recipe does beyond the optimizer, for both training loops: the lr of every update (the schedule applied
 * to the optimizer's peak lr; no recipe: constant) and each epoch's augmenter (each example of each batch gets its own
 * crop and flip, from a stream of its own per (seed, epoch), so every member of a population sees the same images).
 */
export function recipeSteps(
  cfg: RunConfig,
  trainN: number,
  sampleShape: readonly number[],
): { setLr(optimizer: Optimizer, step: number): void; augmenter(epoch: number): Augmenter | null } {
  const schedule = cfg.recipe?.schedule ?? { kind: 'constant' as const };
  checkSchedule(schedule);
  const clock = { stepsPerEpoch: Math.ceil(trainN / cfg.batchSize), epochs: cfg.epochs };
  const augment = cfg.recipe?.augment;
  if (augment && sampleShape.length !== 3)
    throw new Error(
      `recipe '${cfg.recipe!.name}' crops and flips images, but ${cfg.dataset} examples have shape [${sampleShape.join(', ')}]`,
    );
  return {
    setLr(optimizer, step) {
      if (schedule.kind !== 'constant') optimizer.setLr(lrAt(schedule, cfg.optimizer.lr, step, clock));
    },
    augmenter: (epoch) => (augment ? new Augmenter(augment, cfg.seed, epoch) : null),
  };
}

export function restrictClasses(d: DataSplits, classes: number[]): DataSplits {
  return {
    train: subsetByClasses(d.train, classes),
    val: subsetByClasses(d.val, classes),
    test: subsetByClasses(d.test, classes),
  };
}

function paramsFinite(params: Tensor[]): boolean {
  return params.every((p) => p.allFinite());
}
