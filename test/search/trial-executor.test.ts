// The search's executor groups the trial-rungs dispatched together that share a rung into population jobs of up to K.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Executor, JobEvent, TrainJob } from '../../src/exec/index.js';
import { configFor } from '../../src/exec/index.js';
import type { RunResult } from '../../src/train/config.js';
import { TrialExecutor } from '../../src/search/executor.js';
import type { TrialJob } from '../../src/search/trial.js';

class RecordingExecutor implements Executor {
  readonly slots = [{ device: 'cpu' as const, threads: 1 }];
  readonly jobs: TrainJob[] = [];
  submit(job: TrainJob, _onEvent?: (e: JobEvent) => void): Promise<RunResult[]> {
    this.jobs.push(job);
    // Each head's validation accuracy encodes its trial number, so results can be traced back to their trial.
    return Promise.resolve(
      job.heads.map((h, i) => ({
        config: configFor(job, i),
        status: 'ok' as const,
        epochs: [{ epoch: 1, trainLoss: 0, valAcc: Number(h.id.split('#')[1]) / 100, seconds: 1 }],
        final: { valAcc: Number(h.id.split('#')[1]) / 100, secondsPerEpoch: 1 },
      })),
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function trial(number: number, rung: number): TrialJob {
  return {
    number,
    rung,
    space: 'delta',
    candidate: { expr: `p - t + ${number}` },
    headId: `s#${number}`,
    ladderRung: { model: 'keras-mlp', dataset: 'mnist', epochs: rung + 1, trainLimit: 1000 * (rung + 1) },
    trainSeed: 1,
    valFraction: 0.1,
  };
}

test('TrialExecutor: trials dispatched together train as populations of up to K per rung, oldest rung first; results go to their trials', async () => {
  const inner = new RecordingExecutor();
  const ex = new TrialExecutor(inner, 'cpu', 4);
  assert.equal(ex.size, 4, 'K trials per slot');
  const trials = [trial(1, 0), trial(2, 0), trial(3, 1), trial(4, 0), trial(5, 0), trial(6, 0), trial(7, 1)];
  const results = await Promise.all(trials.map((t) => ex.run(t)));
  assert.deepEqual(
    inner.jobs.map((j) => j.heads.map((h) => h.id)),
    [['s#1', 's#2', 's#4', 's#5'], ['s#3', 's#7'], ['s#6']],
  );
  assert.deepEqual(ex.populationStats(), { jobs: 3, trialRungs: 7 });
  assert.deepEqual(
    results.map((r) => (r === 'cancelled' ? r : r.valAcc)),
    trials.map((t) => t.number / 100),
  );
  const soloInner = new RecordingExecutor();
  const solo = new TrialExecutor(soloInner, 'cpu', 1);
  await Promise.all(trials.slice(0, 3).map((t) => solo.run(t)));
  assert.equal(solo.size, 1);
  assert.deepEqual(
    soloInner.jobs.map((j) => j.heads.length),
    [1, 1, 1],
  );
});

/** An executor whose jobs finish when the test says so. */
class ManualExecutor implements Executor {
  readonly slots = [
    { device: 'cpu' as const, threads: 1 },
    { device: 'cpu' as const, threads: 1 },
  ];
  readonly jobs: TrainJob[] = [];
  readonly #finish: Array<() => void> = [];
  submit(job: TrainJob): Promise<RunResult[]> {
    this.jobs.push(job);
    return new Promise((resolve) =>
      this.#finish.push(() =>
        resolve(
          job.heads.map((_h, i) => ({
            config: configFor(job, i),
            status: 'ok' as const,
            epochs: [{ epoch: 1, trainLoss: 0, valAcc: 0.5, seconds: 1 }],
            final: { valAcc: 0.5, secondsPerEpoch: 1 },
          })),
        ),
      ),
    );
  }
  finishOldest(): void {
    this.#finish.shift()!();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

test('TrialExecutor: trials that arrive one by one while every slot is busy wait, then train together as one population', async () => {
  const inner = new ManualExecutor();
  const ex = new TrialExecutor(inner, 'cpu', 4);
  assert.equal(ex.size, 8);
  assert.equal(ex.workers, 2);
  const done: Promise<unknown>[] = [];
  // Two trials in separate ticks: each finds a free slot and starts alone.
  for (const n of [1, 2]) {
    done.push(ex.run(trial(n, 0)));
    await tick();
  }
  // Six more, one per tick, while both slots are busy: none starts.
  for (const n of [3, 4, 5, 6, 7, 8]) {
    done.push(ex.run(trial(n, 0)));
    await tick();
  }
  assert.equal(inner.jobs.length, 2);
  // A slot frees: the four oldest waiting go as one job; the next frees: the last two.
  inner.finishOldest();
  await tick();
  assert.deepEqual(
    inner.jobs.map((j) => j.heads.map((h) => h.id)),
    [['s#1'], ['s#2'], ['s#3', 's#4', 's#5', 's#6']],
  );
  inner.finishOldest();
  await tick();
  assert.deepEqual(
    inner.jobs[3]!.heads.map((h) => h.id),
    ['s#7', 's#8'],
  );
  inner.finishOldest();
  inner.finishOldest();
  await Promise.all(done);
  assert.deepEqual(ex.populationStats(), { jobs: 4, trialRungs: 8 });
});
