// Test doubles for the search driver: a toy space, an in-process executor and an in-memory store. They let the
// driver's bookkeeping (resume, promotions, determinism) be tested without libtorch or training.
import type { Candidate, Space } from '../../src/search/types.js';
import type { Rng } from '../../src/search/rng.js';
import type { CandidateFilter, Executor } from '../../src/search/driver.js';
import type { RungMetrics, TrialJob, TrialMetrics, TrialState } from '../../src/search/trial.js';
import type { NewTrial, RungRow, SearchStore, StudyRow, TrialRow } from '../../src/search/persist.js';
import type { Head } from '../../src/heads/index.js';

/** Integer vectors in [0, 9]^4; the "function" of a candidate is the vector itself. */
export function toySpace(): Space {
  const enc = (v: number[]): Candidate => ({ expr: `v:${v.join(',')}` });
  const dec = (c: Candidate): number[] => c.expr.slice(2).split(',').map(Number);
  return {
    name: 'delta',
    kind: 'structural',
    title: 'toy',
    sample: (rng: Rng) => enc(Array.from({ length: 4 }, () => rng.int(10))),
    mutate: (c: Candidate, rng: Rng) => {
      const v = dec(c);
      v[rng.int(4)] = rng.int(10);
      return enc(v);
    },
    crossover: (a: Candidate, b: Candidate, rng: Rng) => {
      const x = dec(a);
      const y = dec(b);
      const cut = rng.int(4);
      return enc([...x.slice(0, cut), ...y.slice(cut)]);
    },
    validate: (c: Candidate) => c,
    toHead: (): Head => {
      throw new Error('toy space has no head');
    },
    describe: (c: Candidate) => c.expr,
  };
}

export function toyValue(c: Candidate): number[] {
  return c.expr.slice(2).split(',').map(Number);
}

/** Rejects vectors starting with 0 ('wrong-sign'); the hash is the vector, so repeats are duplicates. */
export function toyFilter(): CandidateFilter {
  return {
    check(c, isDuplicate) {
      const v = toyValue(c);
      if (v[0] === 0) return { candidate: c, hash: c.expr, reason: 'wrong-sign', detail: 'starts with 0' };
      if (isDuplicate(c.expr)) return { candidate: c, hash: c.expr, duplicateOf: 'an earlier trial' };
      return { candidate: c, hash: c.expr };
    },
  };
}

/** Validation accuracy of a toy candidate at a rung: closeness to a target vector, slightly better at higher rungs. */
export function toyAccuracy(c: Candidate, rung: number): number {
  const target = [7, 3, 9, 1];
  const v = toyValue(c);
  const d = v.reduce((s, x, i) => s + Math.abs(x - target[i]!), 0);
  return 1 - d / 40 + 0.001 * rung;
}

/** The toy baseline's validation accuracy at a rung: low enough that the promotion gate rarely bites in toy studies. */
export const TOY_BASELINE = (rung: number): number => 0.5 + 0.001 * rung;

/**
 * Runs jobs in-process after a short, candidate-dependent delay (so completion order differs from dispatch order).
 * Baseline jobs (no candidate) score `baseline(rung)` and are listed in `baselineRuns`, not `runs`.
 */
export class InlineExecutor implements Executor {
  readonly runs: Array<{ number: number; rung: number }> = [];
  readonly baselineRuns: Array<{ rung: number; head: string }> = [];
  private closed = false;
  private readonly pending = new Set<() => void>();
  constructor(
    readonly size: number,
    private readonly delayMs: (job: TrialJob) => number = (j) =>
      j.candidate ? (toyValue(j.candidate)[1]! * 7 + j.number) % 5 : 1,
    private readonly score: (c: Candidate, rung: number) => { acc: number; speed: number } = (c, rung) => {
      const acc = toyAccuracy(c, rung);
      return { acc, speed: acc / 2 + (toyValue(c)[3]! % 3) * 0.1 };
    },
    private readonly baseline: (rung: number) => number | 'failed' = TOY_BASELINE,
  ) {}
  run(job: TrialJob): Promise<RungMetrics | 'cancelled'> {
    return new Promise((resolve) => {
      const cancel = () => resolve('cancelled');
      this.pending.add(cancel);
      setTimeout(() => {
        this.pending.delete(cancel);
        if (this.closed) return resolve('cancelled');
        if (!job.candidate) {
          this.baselineRuns.push({ rung: job.rung, head: job.headId });
          const b = this.baseline(job.rung);
          return resolve(
            b === 'failed'
              ? { status: 'diverged', valAcc: null, speed: null, seconds: 0.01 }
              : { status: 'ok', valAcc: b, speed: b / 2, seconds: 0.01 * (1 + job.rung) },
          );
        }
        this.runs.push({ number: job.number, rung: job.rung });
        const { acc, speed } = this.score(job.candidate, job.rung);
        // Higher rungs take longer, as they do for real, so a throughput figure that mixed rungs would show it.
        resolve({
          status: 'ok',
          valAcc: acc,
          speed,
          seconds: 0.01 * (1 + job.rung) + 0.001 * (job.number % 3),
        });
      }, this.delayMs(job));
    });
  }
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.pending) c();
    this.pending.clear();
  }
}

/** An in-memory SearchStore with the same contract as the SQLite one (transactions roll back on throw). */
export class MemoryStore implements SearchStore {
  studies: StudyRow[] = [];
  trials: Array<TrialRow & { studyId: number }> = [];
  rungs: RungRow[] = [];
  getStudy(name: string) {
    return this.studies.find((s) => s.name === name);
  }
  createStudy(name: string, space: string, config: string): StudyRow {
    const s = { id: this.studies.length + 1, name, space, config, createdAt: new Date().toISOString() };
    this.studies.push(s);
    return s;
  }
  updateStudyConfig(id: number, config: string): void {
    this.studies.find((s) => s.id === id)!.config = config;
  }
  listTrials(studyId: number): TrialRow[] {
    return this.trials.filter((t) => t.studyId === studyId).map((t) => structuredClone(t));
  }
  listRungs(studyId: number): RungRow[] {
    const ids = new Set(this.trials.filter((t) => t.studyId === studyId).map((t) => t.id));
    return this.rungs.filter((r) => ids.has(r.trialId)).map((r) => structuredClone(r));
  }
  addTrial(studyId: number, t: NewTrial): number {
    if (this.trials.some((x) => x.studyId === studyId && x.number === t.number))
      throw new Error(`UNIQUE constraint failed: trial ${t.number}`);
    const id = Math.max(0, ...this.trials.map((x) => x.id)) + 1;
    this.trials.push({ ...structuredClone(t), id, studyId, rung: 0 });
    return id;
  }
  setTrialState(id: number, state: TrialState, rung: number, metrics?: TrialMetrics | null): void {
    const t = this.trials.find((x) => x.id === id)!;
    t.state = state;
    t.rung = rung;
    if (metrics !== undefined) t.metrics = structuredClone(metrics);
  }
  addRung(row: RungRow): void {
    if (this.rungs.some((r) => r.trialId === row.trialId && r.rung === row.rung))
      throw new Error(`UNIQUE constraint failed: trial_rungs ${row.trialId}/${row.rung}`);
    this.rungs.push(structuredClone(row));
  }
  transaction<T>(fn: () => T): T {
    const snap = structuredClone({ s: this.studies, t: this.trials, r: this.rungs });
    try {
      return fn();
    } catch (e) {
      this.studies = snap.s;
      this.trials = snap.t;
      this.rungs = snap.r;
      throw e;
    }
  }
  close(): void {}
}
