// Population training: K runs that differ only in the head (same body architecture, seed, data, optimizer, epochs)
// trained as one fused model (nn/fused.ts). Each member's head sees only its own logits; the K objectives are summed
// for one backward pass, which gives each member exactly its own gradient. A member that diverges or whose head throws
// drops out with that status; the others go on.
import {
  getNumThreads,
  keep,
  manualSeed,
  noGrad,
  scope,
  setNumThreads,
  zeros,
  type Device,
  type Tensor,
} from '../engine/index.js';
import { deviceBatches, onDevice, type ArrayDataset } from '../data/index.js';
import { createBodyFor, fuseBody, getModel, type FusedBody } from '../nn/index.js';
import { createOutputLayer, FusedOutputLayer, type Head } from '../heads/index.js';
import { ece as expectedCalibrationError, matrix } from '../metrics/index.js';
import { experimentKey, type EpochRecord, type RunConfig, type RunResult } from './config.js';
import { CHECKPOINT_STEPS, EVAL_BATCH, optimizerFor, recipeSteps, runData, type FitDeps } from './fit.js';

export interface PopulationDeps extends Pick<FitDeps, 'data' | 'checkpoint'> {
  onEpoch?: (member: number, e: EpochRecord) => void;
}

interface MemberEvaluation {
  acc: number;
  scores: Float32Array;
  n: number;
}

function evaluateMembers(
  body: FusedBody,
  outputLayer: FusedOutputLayer,
  heads: readonly Head[],
  members: readonly number[],
  ds: ArrayDataset,
  device: Device,
  keepScores: boolean,
  limit?: number,
): Map<number, MemberEvaluation> {
  const C = ds.numClasses;
  const n = Math.min(ds.n, limit ?? ds.n);
  const correct = members.map(() => keep(zeros([], { dtype: 'int64', device })));
  const scores = members.map(() => (keepScores ? new Float32Array(n * C) : new Float32Array(0)));
  let offset = 0;
  try {
    noGrad(() => {
      for (const batch of deviceBatches(onDevice(ds, device), EVAL_BATCH, { limit: n })) {
        scope(() => {
          const { z } = outputLayer.forwardWithNorm(body.forwardMembers(batch.x));
          members.forEach((k, i) => {
            const s = heads[k]!.scores(z.select(0, k));
            correct[i]!.add_(s.argmax(1).eq(batch.y).sum());
            if (keepScores) scores[i]!.set(s.to('float32').toFloat32Array(), offset * C);
          });
        });
        offset += batch.size;
        batch.x.dispose();
        batch.y.dispose();
      }
    });
    return new Map(
      members.map((k, i) => [k, { acc: n === 0 ? NaN : correct[i]!.item() / n, scores: scores[i]!, n }]),
    );
  } finally {
    for (const c of correct) c.dispose();
  }
}

/** Per member: 1 when every element of its block of every parameter is finite, else 0 (one host read for all). */
function membersFinite(params: readonly Tensor[], k: number): boolean[] {
  return scope(() => {
    let ok: Tensor | null = null;
    for (const p of params) {
      const m = p.reshape([k, -1]).isfinite().to('float32').amin(1);
      ok = ok ? ok.mul(m) : m;
    }
    return ok ? ok.toNumbers().map((v) => v === 1) : Array.from({ length: k }, () => true);
  });
}

/**
 * Trains the runs `cfgs` (one per head; equal but for the head fields) as one population and returns one result per
 * member, as fit() would return for each alone. Never throws.
 */
export async function fitPopulation(
  cfgs: readonly RunConfig[],
  heads: readonly Head[],
  deps: PopulationDeps = {},
): Promise<RunResult[]> {
  const K = cfgs.length;
  const results: RunResult[] = cfgs.map((config) => ({
    config,
    status: 'ok',
    epochs: [],
    final: { valAcc: NaN, secondsPerEpoch: NaN },
  }));
  const disposers: Array<() => void> = [];
  const prevThreads = getNumThreads();
  if (cfgs[0]?.threads !== undefined) setNumThreads(cfgs[0].threads);
  try {
    if (K === 0 || heads.length !== K) throw new Error(`population: ${K} configs but ${heads.length} heads`);
    const cfg = cfgs[0]!;
    const key = experimentKey(cfg);
    if (cfgs.some((c) => experimentKey(c) !== key))
      throw new Error('population: members must differ only in their head');
    if (cfg.repr) throw new Error('population: representation metrics need solo runs');
    const { device, data } = await runData(cfg, deps.data);
    manualSeed(cfg.seed);
    // The solo body and output layer a run with this seed starts from; every member starts there too, and the random
    // stream is left where a solo run leaves it, so dropout masks match the solo runs'.
    const spec = getModel(cfg.model);
    const soloBody = createBodyFor(spec, data.train.sampleShape, { seed: cfg.seed, features: cfg.features });
    const numClasses = data.train.numClasses;
    const soloOut = createOutputLayer('linear', soloBody.featureDim, numClasses);
    const body = fuseBody(soloBody, K);
    disposers.push(() => body.dispose());
    const outputLayer = new FusedOutputLayer(
      soloOut,
      heads.map((h) => h.outputLayer),
    );
    disposers.push(() => outputLayer.dispose());
    soloBody.dispose();
    soloOut.dispose();
    body.toDevice(device);
    outputLayer.toDevice(device);
    const train = onDevice(data.train, device);
    const params = [...body.parameters(), ...outputLayer.parameters()];
    const optimizer = optimizerFor(cfg, params);
    disposers.push(() => optimizer.dispose());

    // The recipe's lr schedule and augmentation: one lr for all (members share the optimizer settings) and one
    // augmented batch for all (a solo run with this seed would draw the same crops and flips).
    const recipe = recipeSteps(cfg, train.n, data.train.sampleShape);
    const active = new Set(Array.from({ length: K }, (_, k) => k));
    const fail = (k: number, e: unknown) => {
      results[k]!.status = 'failed';
      results[k]!.error = e instanceof Error ? e.message : String(e);
      active.delete(k);
    };
    const trainSeconds = new Array<number>(K).fill(0);
    const finalEval = new Map<number, MemberEvaluation>();
    let step = 0;
    for (let epoch = 1; epoch <= cfg.epochs && active.size > 0; epoch++) {
      const t0 = performance.now();
      body.train();
      outputLayer.train();
      const members = [...active];
      const lossSums = members.map(() => keep(zeros([], { dtype: 'float64', device })));
      let seen = 0;
      let losses: number[];
      const augmenter = recipe.augmenter(epoch);
      try {
        for (const batch of deviceBatches(train, cfg.batchSize, { shuffle: true, seed: cfg.seed, epoch })) {
          scope(() => {
            recipe.setLr(optimizer, step);
            const x = augmenter ? augmenter.apply(batch.x) : batch.x;
            const { z, featureNorm } = outputLayer.forwardWithNorm(body.forwardMembers(x));
            let total: Tensor | null = null;
            members.forEach((k, i) => {
              if (!active.has(k)) return;
              try {
                const objective = heads[k]!.objective({
                  z: z.select(0, k),
                  y: batch.y,
                  featureNorm: featureNorm.select(0, k),
                  step,
                  numClasses,
                });
                lossSums[i]!.add_(objective.detach().mul(batch.size));
                total = total === null ? objective : total.add(objective);
              } catch (e) {
                fail(k, e);
              }
            });
            if (total === null) return;
            (total as Tensor).backward();
            optimizer.step();
            optimizer.zeroGrad();
          });
          batch.x.dispose();
          batch.y.dispose();
          seen += batch.size;
          step++;
          if (step % CHECKPOINT_STEPS === 0) deps.checkpoint?.();
          if (active.size === 0) break;
        }
        losses = lossSums.map((l) => l.item() / Math.max(1, seen));
      } finally {
        for (const l of lossSums) l.dispose();
      }
      // Amortised: the population's epoch divided among the members that trained in it.
      const seconds = (performance.now() - t0) / 1000 / members.length;
      const finite = membersFinite(params, K);
      members.forEach((k, i) => {
        if (!active.has(k)) return;
        trainSeconds[k]! += seconds;
        if (!Number.isFinite(losses[i]!) || !finite[k]) {
          results[k]!.status = 'diverged';
          results[k]!.divergedEpoch = epoch;
          active.delete(k);
        }
      });
      if (active.size === 0) break;
      body.eval();
      outputLayer.eval();
      const evaluating = [...active];
      const lastEpoch = epoch === cfg.epochs;
      const val = evaluateMembers(
        body,
        outputLayer,
        heads,
        evaluating,
        data.val,
        device,
        lastEpoch && !cfg.evalTest,
        cfg.evalLimit,
      );
      const test = cfg.evalTest
        ? evaluateMembers(body, outputLayer, heads, evaluating, data.test, device, lastEpoch)
        : null;
      for (const k of evaluating) {
        const i = members.indexOf(k);
        const record: EpochRecord = { epoch, trainLoss: losses[i]!, valAcc: val.get(k)!.acc, seconds };
        if (test) record.testAcc = test.get(k)!.acc;
        if (lastEpoch) finalEval.set(k, (test ?? val).get(k)!);
        results[k]!.epochs.push(record);
        deps.onEpoch?.(k, record);
      }
    }

    const calibSet = cfg.evalTest ? data.test : data.val;
    results.forEach((r, k) => {
      const last = r.epochs[r.epochs.length - 1];
      r.final.valAcc = last?.valAcc ?? NaN;
      r.final.secondsPerEpoch = r.epochs.length > 0 ? trainSeconds[k]! / r.epochs.length : NaN;
      const calib = finalEval.get(k);
      if (r.status !== 'ok' || !calib) return;
      if (cfg.evalTest) r.final.testAcc = calib.acc;
      r.final.ece = expectedCalibrationError(
        matrix(calib.scores, calib.n, numClasses),
        calibSet.y.subarray(0, calib.n),
      );
    });
  } catch (e) {
    // The population itself could not be built or trained: every member that had not ended fails with the reason.
    const why = e instanceof Error ? e.message : String(e);
    for (const r of results)
      if (r.status === 'ok') {
        r.status = 'failed';
        r.error = why;
      }
  } finally {
    for (const d of disposers.reverse()) d();
    if (cfgs[0]?.threads !== undefined) setNumThreads(prevThreads);
  }
  return results;
}
