import { manualSeed, noGrad, scope, setNumThreads, getNumThreads, type Tensor } from '../engine/index.js';
import { loadDataset, batches, subsetByClasses, type ArrayDataset, type DataSplits } from '../data/index.js';
import { getModel, type Body } from '../nn/models/index.js';
import { createOutputLayer, getHead, type Head } from '../heads/index.js';
import { makeOptimizer } from '../optim/index.js';
import { ece as expectedCalibrationError, matrix } from '../metrics/index.js';
import type { EpochRecord, FeatureSketch, RunConfig, RunResult } from './config.js';

export interface FitDeps {
  /** Pre-loaded splits (grids reuse one copy across runs). */
  data?: DataSplits;
  onEpoch?: (e: EpochRecord) => void;
  /** A head that is not in the registry: search candidates. */
  headOverride?: Head;
  /** Called with the trained body and output layer before they are disposed (representation metrics). */
  afterTraining?: (ctx: TrainedModel) => Promise<Record<string, number>> | Record<string, number>;
}

export interface TrainedModel {
  body: Body;
  outputLayer: ReturnType<typeof createOutputLayer>;
  head: Head;
  data: DataSplits;
  batchSize: number;
  /** Keeps a feature sketch with the run's result (stored in run_features). */
  keepFeatures: (f: FeatureSketch) => void;
}

/** The split is fixed (seed 0) across run seeds so that every head is selected on the same validation examples. */
const SPLIT_SEED = 0;
const EVAL_BATCH = 1000;

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
  numClasses: number;
}

function evaluate(
  body: Body,
  outputLayer: TrainedModel['outputLayer'],
  head: Head,
  ds: ArrayDataset,
  keepScores: boolean,
): Evaluation {
  const C = ds.numClasses;
  const scores = keepScores ? new Float32Array(ds.n * C) : new Float32Array(0);
  let correct = 0;
  let offset = 0;
  noGrad(() => {
    for (const batch of batches(ds, EVAL_BATCH, { shuffle: false, seed: 0, epoch: 0 })) {
      scope(() => {
        const { z } = outputLayer.forwardWithNorm(body.forward(batch.x));
        const s = head.scores(z);
        const pred = s.argmax(1);
        correct += pred.eq(batch.y).to('float32').sum().item();
        if (keepScores) scores.set(s.to('float32').toFloat32Array(), offset * C);
      });
      offset += batch.size;
      batch.x.dispose();
      batch.y.dispose();
    }
  });
  return { acc: ds.n === 0 ? NaN : correct / ds.n, scores, numClasses: C };
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
    const loaded = deps.data ?? (await loadSplitsFor(cfg));
    const data = cfg.classes ? restrictClasses(loaded, cfg.classes) : loaded;
    manualSeed(cfg.seed);
    const spec = getModel(cfg.model);
    const body = spec.createBody(data.train.sampleShape, { seed: cfg.seed });
    disposers.push(() => body.dispose());
    const head = deps.headOverride ?? getHead(cfg.head, cfg.headParams);
    const numClasses = data.train.numClasses;
    const outputLayer = createOutputLayer(head.outputLayer, body.featureDim, numClasses);
    disposers.push(() => outputLayer.dispose());
    const params = [...body.parameters(), ...outputLayer.parameters()];
    const { kind, ...hyper } = cfg.optimizer;
    const optimizer = makeOptimizer(kind, params, hyper);
    disposers.push(() => optimizer.dispose());

    let step = 0;
    let trainSeconds = 0;
    let finalEval: Evaluation | null = null;
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      body.train();
      outputLayer.train();
      let lossSum = 0;
      let seen = 0;
      let finite = true;
      for (const batch of batches(data.train, cfg.batchSize, { shuffle: true, seed: cfg.seed, epoch })) {
        const loss = scope(() => {
          const { z, featureNorm } = outputLayer.forwardWithNorm(body.forward(batch.x));
          const objective = head.objective({ z, y: batch.y, featureNorm, step, numClasses });
          objective.backward();
          optimizer.step();
          optimizer.zeroGrad();
          return objective.item();
        });
        batch.x.dispose();
        batch.y.dispose();
        step++;
        if (!Number.isFinite(loss)) {
          finite = false;
          break;
        }
        lossSum += loss * batch.size;
        seen += batch.size;
      }
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      if (!finite || !paramsFinite(params)) {
        result.status = 'diverged';
        result.divergedEpoch = epoch;
        break;
      }
      body.eval();
      outputLayer.eval();
      // The last epoch's pass over the calibration set keeps its scores, so the final ECE needs no extra pass.
      const lastEpoch = epoch === cfg.epochs;
      const val = evaluate(body, outputLayer, head, data.val, lastEpoch && !cfg.evalTest);
      const record: EpochRecord = { epoch, trainLoss: lossSum / Math.max(1, seen), valAcc: val.acc, seconds };
      if (lastEpoch && !cfg.evalTest) finalEval = val;
      if (cfg.evalTest) {
        const test = evaluate(body, outputLayer, head, data.test, lastEpoch);
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
      const calib = finalEval ?? evaluate(body, outputLayer, head, calibSet, true);
      if (cfg.evalTest) result.final.testAcc = calib.acc;
      result.final.ece = expectedCalibrationError(
        matrix(calib.scores, calibSet.n, calib.numClasses),
        calibSet.y,
      );
      if (deps.afterTraining) {
        result.final.repr = await deps.afterTraining({
          body,
          outputLayer,
          head,
          data,
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

function restrictClasses(d: DataSplits, classes: number[]): DataSplits {
  return {
    train: subsetByClasses(d.train, classes),
    val: subsetByClasses(d.val, classes),
    test: subsetByClasses(d.test, classes),
  };
}

function paramsFinite(params: Tensor[]): boolean {
  return params.every((p) => p.allFinite());
}
