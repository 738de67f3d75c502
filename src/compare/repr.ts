import { noGrad, scope, type Device } from '../engine/index.js';
import { deviceBatches, onDevice, subsetByClasses, type ArrayDataset } from '../data/index.js';
import {
  classSeparationR2,
  knnAccuracyEngine,
  linearProbeEngine,
  matrix,
  nc1,
  retrievalMetricsEngine,
  type Matrix,
} from '../metrics/index.js';
import type { Body } from '../nn/models/index.js';
import type { Head } from '../heads/index.js';
import { fit, type TrainedModel } from '../train/fit.js';
import type { FeatureSketch, RunConfig } from '../train/config.js';

/** Classes the transfer body is trained on; the rest are the unseen classes it is evaluated on. */
const SEEN = [0, 1, 2, 3, 4];
const UNSEEN = [5, 6, 7, 8, 9];
/**
 * Test examples whose features are kept for cross-head CKA. Linear CKA on 1,000 examples ranks representations
 * as it does on the full set (Kornblith et al. 2019 use 5–10k); 1,000 × 512 float32 is 2 MB per run.
 */
export const CKA_EXAMPLES = 1000;

/** The first `rows` rows of a features matrix as a FeatureSketch (float32 LE, base64). */
export function featureSketch(m: Matrix, rows: number): FeatureSketch {
  const n = Math.min(rows, m.rows);
  const f32 = Float32Array.from(m.data.subarray(0, n * m.cols));
  return {
    rows: n,
    cols: m.cols,
    base64: Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64'),
  };
}

/** Penultimate-layer features (the body's output, identical for every head), in eval mode, computed on `device`. */
export function extractFeatures(body: Body, ds: ArrayDataset, device: Device, batchSize = 1000): Matrix {
  const d = body.featureDim;
  const out = new Float32Array(ds.n * d);
  let row = 0;
  body.eval();
  noGrad(() => {
    for (const b of deviceBatches(onDevice(ds, device), batchSize)) {
      scope(() => out.set(body.forward(b.x).to('float32').toFloat32Array(), row * d));
      row += b.size;
      b.x.dispose();
      b.y.dispose();
    }
  });
  return matrix(out, ds.n, d);
}

/**
 * The representation metrics of one trained run (issue 5), on the body's features:
 * kNN (train bank → test queries), linear probe (L2 picked on validation), class-separation R² and NC1 (train
 * features: collapse is a property of the training set), and transfer: a second body trained on classes 0–4 with the
 * same config, scored by P@1 and MAP@R among test features of classes 5–9.
 */
export function reprMetricsFor(
  cfg: RunConfig,
  /** For heads outside the registry (search candidates): a fresh head for the transfer run. */
  makeHead?: () => Head,
): (ctx: TrainedModel) => Promise<Record<string, number>> {
  return async (ctx) => {
    const { data, body, device } = ctx;
    const train = extractFeatures(body, data.train, device);
    const val = extractFeatures(body, data.val, device);
    const test = extractFeatures(body, data.test, device);
    ctx.keepFeatures(featureSketch(test, CKA_EXAMPLES));
    const out: Record<string, number> = {};
    out.knn = knnAccuracyEngine(train, data.train.y, test, data.test.y);
    const probe = linearProbeEngine(
      {
        train: { x: train, y: data.train.y },
        val: { x: val, y: data.val.y },
        test: { x: test, y: data.test.y },
      },
      { numClasses: data.train.numClasses },
    );
    out.probe = probe.testAccuracy;
    out.probeLambda = probe.lambda;
    out.r2 = classSeparationR2(train, data.train.y);
    out.nc1 = nc1(train, data.train.y);
    if (data.train.numClasses >= UNSEEN[UNSEEN.length - 1] + 1) {
      const transfer = await transferMetrics(cfg, data.test, makeHead);
      out.transferP1 = transfer.precisionAt1;
      out.mapAtR = transfer.mapAtR;
    }
    return out;
  };
}

async function transferMetrics(
  cfg: RunConfig,
  fullTest: ArrayDataset,
  makeHead?: () => Head,
): Promise<{ precisionAt1: number; mapAtR: number }> {
  const unseenTest = subsetByClasses(fullTest, UNSEEN);
  let metrics = { precisionAt1: NaN, mapAtR: NaN };
  const r = await fit(
    { ...cfg, classes: SEEN, repr: false, evalTest: false },
    {
      ...(makeHead ? { headOverride: makeHead() } : {}),
      afterTraining: ({ body, device }) => {
        const f = extractFeatures(body, unseenTest, device);
        const m = retrievalMetricsEngine(f, unseenTest.y);
        metrics = { precisionAt1: m.precisionAt1, mapAtR: m.mapAtR };
        return {};
      },
    },
  );
  if (r.status !== 'ok') return { precisionAt1: NaN, mapAtR: NaN };
  return metrics;
}
