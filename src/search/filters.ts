import { createHash } from 'node:crypto';
import { manualSeed, noGrad, scope, tensor } from '../engine/index.js';
import { adam } from '../optim/index.js';
import { getHead, listHeads, type Head } from '../heads/index.js';
import { KNOWN_EXPRESSIONS } from '../expr/index.js';
import { Rng } from './rng.js';
import { CandidateError, type Candidate, type Space } from './types.js';
import type { CandidateFilter, FilterVerdict } from './driver.js';
import { deltaSpace } from './spaces/delta.js';
import { lossSpace } from './spaces/loss.js';
import { activationSpace } from './spaces/activation.js';

/**
 * The probe batch: C = 10 classes like the datasets searched; rows at logit scales 0.1 … 8 so that overflow
 * (exp, cube, pow) shows up as it would late in training, and batch size a power of two so that B·∂(objective)/∂z
 * recovers δ exactly.
 */
export const PROBE = {
  batch: 64,
  classes: 10,
  scales: [0.1, 0.3, 1, 1, 2, 3, 5, 8],
  seed: 20170301,
} as const;

/** Significant digits of δ kept for the functional hash (computed in float64, so rounding ties are very rare). */
export const DELTA_HASH_DIGITS = 6;
/** Max elementwise relative |Δδ| under which a candidate counts as a known head (see nearKnownHead). */
export const KNOWN_HEAD_TOLERANCE = 1e-3;

function medianAbs(d: Float64Array): number {
  const s = Float64Array.from(d, Math.abs).sort();
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}

export interface ToyTaskOptions {
  classes: number;
  dim: number;
  perClass: number;
  steps: number;
  lr: number;
  /** Training accuracy a candidate must reach on the (linearly separable) blobs. */
  minAccuracy: number;
}

/** Linear model on separable Gaussian blobs, full batch, Adam: 50 steps cost a few milliseconds. */
export const TOY_TASK: ToyTaskOptions = {
  classes: 10,
  dim: 16,
  perClass: 16,
  steps: 50,
  lr: 0.05,
  minAccuracy: 0.9,
};

/** Logits [B, C] (row-major) and labels of a probe batch. */
export interface ProbeData {
  z: Float64Array;
  y: Int32Array;
}

/** The fixed probe batch every candidate is checked and hashed on. */
export function probeData(): ProbeData {
  const rng = new Rng(PROBE.seed, 'probe');
  const { batch: B, classes: C, scales } = PROBE;
  const z = new Float64Array(B * C);
  const y = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const s = scales[b % scales.length]!;
    for (let k = 0; k < C; k++) z[b * C + k] = s * rng.normal();
    y[b] = rng.int(C);
  }
  return { z, y };
}

/** How many other logit batches the output-dependence check compares the probe with. */
export const Z_PROBES = 2;
/** δ that changes by less than this (relative to max(1, max |δ|)) when z changes counts as constant in z. */
export const Z_DEPENDENCE_TOLERANCE = 1e-9;

/**
 * Other logit batches with the probe's labels and row scales: what changes between them and the probe is z alone, so
 * a δ (or loss gradient) that comes out the same on all of them does not read the network's output.
 */
function otherLogits(base: ProbeData, count = Z_PROBES): ProbeData[] {
  const { batch: B, classes: C, scales } = PROBE;
  return Array.from({ length: count }, (_, i) => {
    const rng = new Rng(PROBE.seed, `probe-z-${i}`);
    const z = new Float64Array(B * C);
    for (let b = 0; b < B; b++) {
      const s = scales[b % scales.length]!;
      for (let k = 0; k < C; k++) z[b * C + k] = s * rng.normal();
    }
    return { z, y: base.y };
  });
}

/**
 * Why a head does not depend on z, or undefined when it does: its δ is the same on every batch (a function of the
 * labels only, like −t or 0.001 − t: it pushes the target logit up by a fixed amount forever and never learns from
 * its mistakes), or its prediction is (an output activation that ignores z predicts the same class whatever the
 * network says). `first` is the probe's result; the others are evaluated here, in float64.
 */
export function independenceFromZ(head: Head, first: ProbeResult, others: ProbeData[]): string | undefined {
  const results = others.map((d) => probeHead(head, 'float64', d));
  let scale = 1;
  for (const v of first.delta) if (Math.abs(v) > scale) scale = Math.abs(v);
  const sameDelta = results.every((r) =>
    r.delta.every((v, i) => Math.abs(v - first.delta[i]!) <= Z_DEPENDENCE_TOLERANCE * scale),
  );
  if (sameDelta)
    return `δ does not depend on z: the same on ${others.length + 1} probe batches with different logits`;
  const samePrediction = results.every((r) => r.prediction.every((p, i) => p === first.prediction[i]));
  if (samePrediction)
    return `the prediction does not depend on z: the same classes on ${others.length + 1} probe batches with different logits`;
  return undefined;
}

interface ToyData {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

function toyData(o: ToyTaskOptions): ToyData {
  const rng = new Rng(PROBE.seed, 'toy-task');
  const means = Array.from({ length: o.classes }, () => {
    const m = Array.from({ length: o.dim }, () => rng.normal());
    const norm = Math.hypot(...m);
    return m.map((v) => (3 * v) / norm);
  });
  const n = o.classes * o.perClass;
  const x = new Float32Array(n * o.dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % o.classes;
    y[i] = k;
    for (let d = 0; d < o.dim; d++) x[i * o.dim + d] = means[k]![d]! + 0.3 * rng.normal();
  }
  return { x, y, n };
}

export interface ProbeResult {
  /** δ = B · ∂objective/∂z on the probe batch, row-major [B, C]. */
  delta: Float64Array;
  objective: number;
  /** argmax of the head's scores per row: the prediction rule. */
  prediction: Int32Array;
}

/** Runs a head on the probe batch in the given dtype. Never throws for numerical trouble (non-finite values come back). */
export function probeHead(
  head: Head,
  dtype: 'float32' | 'float64',
  data: ProbeData = probeData(),
): ProbeResult {
  const { batch: B, classes: C } = PROBE;
  return scope(() => {
    const z = tensor(dtype === 'float64' ? data.z : Float32Array.from(data.z), [B, C], {
      requiresGrad: true,
    });
    const y = tensor(data.y, [B]);
    const obj = head.objective({ z, y, step: 0, numClasses: C });
    const objective = obj.item();
    // A loss that does not read z (e.g. sum(t)) has no graph: its δ is zero, which the direction check rejects.
    if (obj.requiresGrad) obj.backward();
    const g = z.grad;
    const delta = g ? Float64Array.from(g.mul(B).toFloat64Array()) : new Float64Array(B * C);
    const prediction = noGrad(() => Int32Array.from(head.scores(z.detach()).argmax(1).toNumbers()));
    return { delta, objective, prediction };
  });
}

function hashProbe(space: string, r: ProbeResult, scaleInvariant: boolean): string {
  const round = (x: number) => {
    if (Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    if (Math.abs(x) < 1e-9) return '0';
    return Number(x.toPrecision(DELTA_HASH_DIGITS)).toString();
  };
  // Under an adaptive optimizer (RMSprop, Adam, Adadelta) c·δ trains like δ for any c > 0, so δ is hashed after
  // dividing by its RMS over the probe batch: 3·CE is then a duplicate of CE instead of a "new" loss.
  let delta: ArrayLike<number> = r.delta;
  if (scaleInvariant) {
    let ss = 0;
    for (const v of r.delta) ss += v * v;
    const rms = Math.sqrt(ss / Math.max(1, r.delta.length));
    if (rms > 1e-12 && Number.isFinite(rms)) delta = Float64Array.from(r.delta, (v) => v / rms);
  }
  const h = createHash('sha1');
  // Spaces whose prediction is not argmax z (activations) hash their prediction too; δ alone would merge heads
  // that train alike but predict differently.
  h.update(space === 'activation' ? 'pred:' + Array.from(r.prediction).join(',') + '|' : 'argmax-z|');
  h.update((scaleInvariant ? 'rms|' : '') + Array.from(delta, round).join(','));
  return h.digest('hex');
}

/**
 * Does descent on δ move the target logit up relative to the others, on average over the probe?
 *   m = mean_b [ δ_{b,y} − mean_{k≠y} δ_{b,k} ] < 0
 * (δ = ∂L/∂z, so gradient descent changes z by −δ: m < 0 means z_y gains on the other logits.) The margin form is
 * used rather than "mean δ_y < 0" because prediction is shift-invariant: Oland's exp(z) − t has δ_y = e^{z_y} − 1,
 * positive on average for any probe whose logits are not mostly negative, yet it pushes z_y up relative to the rest.
 */
export function targetMargin(delta: Float64Array, y: Int32Array, C: number): number {
  let s = 0;
  for (let b = 0; b < y.length; b++) {
    let others = 0;
    for (let k = 0; k < C; k++) if (k !== y[b]) others += delta[b * C + k]!;
    s += delta[b * C + y[b]!]! - others / (C - 1);
  }
  return s / y.length;
}

/**
 * Trains a linear classifier with the head on the toy blobs; returns its training accuracy at the first checkpoint
 * (every 10 steps) that reaches the bar, else after the last step.
 */
export function toyTaskAccuracy(
  head: Head,
  o: ToyTaskOptions = TOY_TASK,
  data: ToyData = toyData(o),
): number {
  const { classes: C, dim: D } = o;
  manualSeed(PROBE.seed);
  const rng = new Rng(PROBE.seed, 'toy-init');
  const w0 = Float32Array.from({ length: C * D }, () => 0.1 * rng.normal());
  const W = tensor(w0, [C, D], { requiresGrad: true });
  const bias = tensor(new Float32Array(C), [C], { requiresGrad: true });
  const opt = adam([W, bias], { lr: o.lr });
  try {
    const x = tensor(data.x, [data.n, D]);
    const y = tensor(data.y, [data.n]);
    const accuracy = () =>
      noGrad(() =>
        scope(() => {
          const pred = head.scores(x.matmul(W.t()).add(bias)).argmax(1);
          return pred.eq(y).to('float32').mean().item();
        }),
      );
    try {
      for (let step = 0; step < o.steps; step++) {
        const ok = scope(() => {
          const z = x.matmul(W.t()).add(bias);
          const obj = head.objective({ z, y, step, numClasses: C });
          if (!Number.isFinite(obj.item())) return false;
          obj.backward();
          opt.step();
          opt.zeroGrad();
          return true;
        });
        if (!ok || !W.allFinite()) return 0;
        // Most good candidates fit the blobs well before the last step; stop at the first checkpoint that passes.
        if ((step + 1) % 10 === 0 && step + 1 < o.steps) {
          const a = accuracy();
          if (a >= o.minAccuracy) return a;
        }
      }
      return accuracy();
    } finally {
      x.dispose();
      y.dispose();
    }
  } finally {
    opt.dispose();
    W.dispose();
    bias.dispose();
  }
}

export interface FilterCounters {
  checked: number;
  ms: number;
}

/**
 * The pre-training filters, cheapest first: parse/type → probe (non-finite) → output dependence (δ or prediction the
 * same whatever z is) → functional hash (duplicate of a trial or of a known head) → direction of δ → toy task. Each
 * rejection names its reason; the driver counts them.
 */
export class HeadFilter implements CandidateFilter {
  private readonly probe = probeData();
  private readonly otherProbes = otherLogits(this.probe);
  private readonly toy: ToyData;
  private known: Map<string, string> | null = null;
  /** The known heads' δ (normalised as nearKnownHead compares it) and scale floor, for the tolerance check. */
  private knownProbes: Array<{ name: string; delta: Float64Array; floor: number; prediction: Int32Array }> =
    [];
  readonly counters: FilterCounters = { checked: 0, ms: 0 };

  constructor(
    readonly space: Space,
    readonly toyOptions: ToyTaskOptions = TOY_TASK,
    private readonly withKnown = true,
    /** Hash δ up to a positive scale: right when every rung trains with an adaptive optimizer. */
    readonly scaleInvariant = false,
  ) {
    this.toy = toyData(toyOptions);
  }

  /** Hash → name of the known head it equals (catalogue heads with a linear output layer, and src/expr's table). */
  knownHeads(): Map<string, string> {
    if (this.known) return this.known;
    const known = new Map<string, string>();
    const add = (name: string, head: Head) => {
      try {
        const r = probeHead(head, 'float64', this.probe);
        const h = hashProbe(this.space.name, r, this.scaleInvariant);
        if (!known.has(h)) known.set(h, name);
        const delta = this.normaliseForTolerance(r.delta);
        const floor = medianAbs(delta);
        if (floor > 1e-12) this.knownProbes.push({ name, delta, floor, prediction: r.prediction });
      } catch {
        // a head that cannot run on a bare probe batch (needs features) is simply not in the table
      }
    };
    for (const f of listHeads()) if (f.outputLayer === 'linear') add(f.id, getHead(f.id));
    const spaces = { delta: deltaSpace(), loss: lossSpace(), activation: activationSpace() };
    for (const k of KNOWN_EXPRESSIONS) {
      if (k.space === 'activation') {
        for (const base of ['ce-like', 'mse'])
          add(`${k.id} activation (${base})`, spaces.activation.toHead({ expr: `${base}: ${k.text}` }));
      } else add(`${k.id} (${k.space} form)`, spaces[k.space].toHead({ expr: k.text }));
    }
    this.known = known;
    return known;
  }

  /**
   * The known head whose δ this one matches elementwise to within KNOWN_HEAD_TOLERANCE, relative to
   * max(|δ_known|, median |δ_known|); both are divided by their median |δ| first when the hash is scale-invariant.
   * The median, not the RMS, sets the scale because exponential heads reach e^20 on the probe's wide rows and an RMS
   * would hide a 10% change of the target. Rounding to a few digits cannot catch these: `p − sqrt(t)` is
   * softmax-ce's p − t shifted by √EPS = 1e-6 on the non-target classes, and some of its 640 values land on the
   * other side of a rounding boundary. The delta-2 search carried exactly that form to its top rung.
   */
  nearKnownHead(r: ProbeResult): string | undefined {
    this.knownHeads();
    const a = this.normaliseForTolerance(r.delta);
    for (const k of this.knownProbes) {
      if (k.delta.length !== a.length) continue;
      if (this.space.name === 'activation' && !k.prediction.every((p, i) => p === r.prediction[i])) continue;
      let within = true;
      for (let i = 0; i < a.length && within; i++)
        within =
          Math.abs(a[i]! - k.delta[i]!) <= KNOWN_HEAD_TOLERANCE * Math.max(Math.abs(k.delta[i]!), k.floor);
      if (within) return k.name;
    }
    return undefined;
  }

  private normaliseForTolerance(d: Float64Array): Float64Array {
    const m = medianAbs(d);
    return this.scaleInvariant && m > 1e-12 ? d.map((x) => x / m) : d;
  }

  /** The known head a probe result equals: by hash, else within tolerance (named so). */
  private knownHeadFor(r: ProbeResult, hash: string): string | undefined {
    const exact = this.knownHeads().get(hash);
    if (exact) return exact;
    const near = this.nearKnownHead(r);
    return near && `${near} (within ${KNOWN_HEAD_TOLERANCE})`;
  }

  /** The known head this candidate equals (by hash or within tolerance), if any; undefined also when it cannot run. */
  knownHeadOf(c: Candidate): string | undefined {
    let r: ProbeResult;
    try {
      r = probeHead(this.space.toHead(this.space.validate(c)), 'float64', this.probe);
    } catch {
      return undefined;
    }
    return this.knownHeadFor(r, hashProbe(this.space.name, r, this.scaleInvariant));
  }

  check(c: Candidate, isDuplicate: (hash: string) => boolean): FilterVerdict & { duplicateOf?: string } {
    const t0 = performance.now();
    try {
      return this.run(c, isDuplicate);
    } finally {
      this.counters.checked++;
      this.counters.ms += performance.now() - t0;
    }
  }

  private run(
    c: Candidate,
    isDuplicate: (hash: string) => boolean,
  ): FilterVerdict & { duplicateOf?: string } {
    let canonical: Candidate;
    let head: Head;
    try {
      canonical = this.space.validate(c);
      head = this.space.toHead(canonical);
    } catch (e) {
      if (e instanceof CandidateError) return { reason: 'parse', detail: e.message.split('\n')[0] };
      throw e;
    }
    let r32: ProbeResult;
    let r64: ProbeResult;
    try {
      r32 = probeHead(head, 'float32', this.probe);
      r64 = probeHead(head, 'float64', this.probe);
    } catch (e) {
      return {
        candidate: canonical,
        reason: 'parse',
        detail: `does not run: ${(e as Error).message.split('\n')[0]}`,
      };
    }
    const finite = (r: ProbeResult) => Number.isFinite(r.objective) && r.delta.every(Number.isFinite);
    if (!finite(r32) || !finite(r64))
      return {
        candidate: canonical,
        reason: 'non-finite',
        detail: 'non-finite loss or δ on the probe batch',
      };
    const hash = hashProbe(this.space.name, r64, this.scaleInvariant);
    // Before the duplicate check: a δ of the labels alone is junk whatever else it equals, and says so.
    let constant: string | undefined;
    try {
      constant = independenceFromZ(head, r64, this.otherProbes);
    } catch {
      constant = undefined; // it ran on the probe; a failure on other logits is not evidence of independence
    }
    if (constant) return { candidate: canonical, hash, reason: 'constant-in-z', detail: constant };
    if (this.withKnown) {
      const known = this.knownHeadFor(r64, hash);
      if (known) return { candidate: canonical, hash, duplicateOf: `known head ${known}` };
    }
    if (isDuplicate(hash))
      return { candidate: canonical, hash, duplicateOf: 'an earlier trial of this study' };
    const m = targetMargin(r32.delta, this.probe.y, PROBE.classes);
    if (!(m < 0))
      return {
        candidate: canonical,
        hash,
        reason: 'wrong-sign',
        detail: `descent does not raise z_y over the other logits (margin ${m.toPrecision(3)} ≥ 0)`,
      };
    let acc: number;
    try {
      acc = toyTaskAccuracy(head, this.toyOptions, this.toy);
    } catch (e) {
      return {
        candidate: canonical,
        hash,
        reason: 'toy-task',
        detail: `toy task failed: ${(e as Error).message.split('\n')[0]}`,
      };
    }
    if (!(acc >= this.toyOptions.minAccuracy))
      return {
        candidate: canonical,
        hash,
        reason: 'toy-task',
        detail: `toy task accuracy ${(100 * acc).toFixed(0)}% < ${(100 * this.toyOptions.minAccuracy).toFixed(0)}% after ${this.toyOptions.steps} steps`,
      };
    return { candidate: canonical, hash };
  }
}
