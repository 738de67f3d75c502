// Learning-rate schedules, as pure functions of the update number: fit() sets the optimizer's lr before every update,
// so a run's schedule is part of its config (and run key), not of any optimizer state.

/**
 * - constant: the optimizer's lr throughout (the Keras reference settings).
 * - step: lr × gamma^k after the k-th boundary; boundaries are fractions of the run's epochs (at = [0.5, 0.75] is He et
 *   al. 2016's ×0.1 at 32k and 48k of 64k iterations), taken at epoch starts, rounded to whole epochs.
 * - cosine: linear warmup over `warmupEpochs` (update t gets lr·(t+1)/W), then cosine annealing from lr to
 *   lr·minFactor at the last update (Loshchilov & Hutter 2017 without restarts; Goyal et al. 2017's warmup).
 * - one-cycle: Smith & Topin 2019 as torch.optim.lr_scheduler.OneCycleLR (anneal_strategy 'cos', three_phase false):
 *   from lr/divFactor up to lr over the first pctStart of the updates, then down to lr/(divFactor·finalDivFactor).
 *   torch also cycles momentum; this schedule does not (momentum stays the optimizer's).
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; at: number[]; gamma: number }
  | { kind: 'cosine'; warmupEpochs: number; minFactor: number }
  | { kind: 'one-cycle'; pctStart: number; divFactor: number; finalDivFactor: number };

export const SCHEDULE_KINDS = ['constant', 'step', 'cosine', 'one-cycle'] as const;

export interface ScheduleClock {
  /** Updates per epoch (batches per epoch, the last one partial). */
  stepsPerEpoch: number;
  epochs: number;
}

/** Throws a plain message when a schedule's numbers make no sense. */
export function checkSchedule(s: LrSchedule): void {
  const bad = (what: string): never => {
    throw new RangeError(`lr schedule '${s.kind}': ${what}`);
  };
  switch (s.kind) {
    case 'constant':
      return;
    case 'step':
      if (!(s.gamma > 0)) bad(`gamma must be > 0, got ${s.gamma}`);
      if (!s.at.every((a) => a > 0 && a < 1))
        bad(`boundaries must be fractions in (0, 1), got ${s.at.join(', ')}`);
      return;
    case 'cosine':
      if (!(s.warmupEpochs >= 0)) bad(`warmupEpochs must be ≥ 0, got ${s.warmupEpochs}`);
      if (!(s.minFactor >= 0 && s.minFactor <= 1)) bad(`minFactor must be in [0, 1], got ${s.minFactor}`);
      return;
    case 'one-cycle':
      if (!(s.pctStart > 0 && s.pctStart < 1)) bad(`pctStart must be in (0, 1), got ${s.pctStart}`);
      if (!(s.divFactor >= 1 && s.finalDivFactor >= 1)) bad('divFactor and finalDivFactor must be ≥ 1');
  }
}

/** cos annealing from `start` (pct 0) to `end` (pct 1), as torch's _annealing_cos. */
function cosAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * pct));
}

/** The lr of update `step` (0-based) for a peak/base lr of `lr`. */
export function lrAt(s: LrSchedule, lr: number, step: number, clock: ScheduleClock): number {
  const total = clock.stepsPerEpoch * clock.epochs;
  switch (s.kind) {
    case 'constant':
      return lr;
    case 'step': {
      const epoch = Math.floor(step / clock.stepsPerEpoch);
      const passed = s.at.filter((a) => epoch >= Math.round(a * clock.epochs)).length;
      return lr * s.gamma ** passed;
    }
    case 'cosine': {
      const warm = Math.min(total, Math.round(s.warmupEpochs * clock.stepsPerEpoch));
      if (step < warm) return (lr * (step + 1)) / warm;
      const span = total - warm - 1;
      // A single post-warmup update has nowhere to anneal to: it runs at the peak.
      const pct = span <= 0 ? 0 : Math.min(1, (step - warm) / span);
      return cosAnneal(lr, lr * s.minFactor, pct);
    }
    case 'one-cycle': {
      const initial = lr / s.divFactor;
      const final = initial / s.finalDivFactor;
      const upEnd = s.pctStart * total - 1;
      const downEnd = total - 1;
      if (step <= upEnd) return cosAnneal(initial, lr, upEnd <= 0 ? 1 : step / upEnd);
      return cosAnneal(lr, final, Math.min(1, (step - upEnd) / (downEnd - upEnd)));
    }
  }
}
