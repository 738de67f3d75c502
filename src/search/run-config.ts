import { getModel } from '../nn/models/index.js';
import type { Device } from '../engine/index.js';
import type { OptimizerConfig, RunConfig } from '../train/config.js';
import type { TrialJob } from './trial.js';

/**
 * The training run of one trial at one rung: the rung's model with its reference optimizer and batch size. The study's
 * baseline (a job without a candidate) gets exactly the same settings, so its Δ compares heads and nothing else.
 */
export function rungRunConfig(job: TrialJob, device: Device = 'cpu'): RunConfig {
  const r = job.ladderRung;
  const m = getModel(r.model);
  const cfg: RunConfig = {
    dataset: r.dataset,
    model: r.model,
    head: job.headId,
    seed: job.trainSeed,
    epochs: r.epochs,
    batchSize: m.defaultBatchSize,
    optimizer: { ...m.defaultOptimizer } as OptimizerConfig,
    valFraction: job.valFraction,
    device,
    // Search selection reads validation only; the test set is for confirmation.
    evalTest: false,
  };
  // Without a candidate the job is the study's baseline: a registry head, trained like any compare run.
  if (job.candidate) cfg.candidate = { space: job.space, ...job.candidate };
  if (r.trainLimit !== undefined) cfg.trainLimit = r.trainLimit;
  if (job.evalLimit !== undefined) cfg.evalLimit = job.evalLimit;
  return cfg;
}
