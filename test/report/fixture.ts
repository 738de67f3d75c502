/**
 * Database fixtures for the report tests, written through src/store (the same path compare and search use).
 */
import { openStore, type Store } from '../../src/store/index.js';
import { rng } from '../rng.js';
import { storeCrossHeadCka } from '../../src/compare/cka.js';
import { runKey, type RunConfig } from '../../src/train/config.js';

export interface FixtureRun {
  grid?: string;
  dataset?: string;
  model?: string;
  head: string;
  seed: number;
  status?: 'ok' | 'diverged' | 'failed';
  divergedEpoch?: number;
  valAcc?: number | null;
  testAcc?: number | null;
  ece?: number | null;
  secondsPerEpoch?: number;
  repr?: Record<string, number>;
  headParams?: Record<string, number>;
  epochs?: number[]; // validation accuracy per epoch (1-based)
  /** The planned epochs in the stored config (default 5, as a grid would record whatever a run reached). */
  configEpochs?: number;
  command?: string;
  /** Penultimate features (row-major, `cols` wide), stored in run_features for cross-head CKA. */
  features?: { data: Float64Array; cols: number };
  /** A search candidate, as confirmation runs store it in their config. */
  candidate?: { space: string; expr: string; params?: number[] };
  /** Key the run as compare and confirm do (runKey of its config) instead of a serial one. */
  keyFromConfig?: boolean;
}

export class FixtureDb {
  readonly store: Store;
  private n = 0;

  constructor(readonly path: string) {
    this.store = openStore(path);
  }

  addRun(r: FixtureRun): number {
    const dataset = r.dataset ?? 'mnist';
    const model = r.model ?? 'keras-mlp';
    const config = {
      dataset,
      model,
      head: r.head,
      headParams: r.headParams,
      seed: r.seed,
      epochs: r.configEpochs ?? 5,
      batchSize: 128,
      optimizer: { kind: 'adam', lr: 0.001 },
      valFraction: 0.1,
      device: 'cpu',
      evalTest: true,
      ...(r.candidate ? { candidate: r.candidate } : {}),
    };
    const id = this.store.upsertRun({
      key: r.keyFromConfig ? runKey(config as RunConfig) : `k${++this.n}`,
      grid: r.grid ?? 'compare',
      dataset,
      model,
      head: r.head,
      seed: r.seed,
      config,
      status: r.status ?? 'ok',
      divergedEpoch: r.divergedEpoch ?? null,
      error: r.status === 'failed' ? 'boom' : null,
      valAcc: r.valAcc === undefined ? (r.epochs?.at(-1) ?? null) : r.valAcc,
      testAcc: r.testAcc ?? null,
      ece: r.ece ?? null,
      secondsPerEpoch: r.secondsPerEpoch ?? 1.5,
      repr: r.repr ?? null,
      command:
        r.command ??
        `headroom compare --dataset ${dataset} --model ${model} --heads ${r.head} --seeds ${r.seed}`,
      machine: 'fixture-host · 2 cores',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:00.000Z',
    });
    if (r.features) {
      const f32 = Float32Array.from(r.features.data);
      this.store.saveFeatures(id, {
        rows: f32.length / r.features.cols,
        cols: r.features.cols,
        base64: Buffer.from(f32.buffer).toString('base64'),
      });
    }
    this.store.addEpochs(
      id,
      (r.epochs ?? []).map((valAcc, i) => ({ epoch: i + 1, trainLoss: 1 / (i + 1), valAcc, seconds: 1.5 })),
    );
    return id;
  }

  addStudy(name: string, space = 'delta'): number {
    return this.store.createStudy(name, space, { seed: 1 }).id;
  }

  addTrial(
    studyId: number,
    t: {
      number: number;
      expr: string;
      state: string;
      rejectReason?: string;
      rungs?: { valAcc: number; speed: number }[];
    },
  ): number {
    const rungs = t.rungs ?? [];
    const id = this.store.addTrial(studyId, {
      number: t.number,
      expr: t.expr,
      hash: `h${t.number}`,
      state: t.state as 'complete' | 'rejected',
      rejectReason: t.rejectReason ?? null,
      rung: Math.max(0, rungs.length - 1),
      metrics: rungs.length > 0 ? { valAcc: rungs.at(-1)!.valAcc } : undefined,
      seed: 1,
    });
    rungs.forEach((r, rung) =>
      this.store.addRung({ trialId: id, rung, metrics: { valAcc: r.valAcc, speed: r.speed, seconds: 1 } }),
    );
    return id;
  }

  transaction(fn: () => void): void {
    this.store.transaction(fn);
  }

  close(): void {
    this.store.close();
  }
}

export { rng };

/** A realistic database: two panels, four heads, three seeds, epochs, representation metrics, a study with a confirmation. */
export function richFixture(path: string): void {
  const f = new FixtureDb(path);
  const r = rng(7);
  const heads: [string, number][] = [
    ['softmax-ce', 0.0],
    ['linear-mse', -0.012],
    ['oland-exp', 0.002],
    ['am-softmax', -0.004],
  ];
  const panels: [string, string, number][] = [
    ['mnist', 'keras-mlp', 0.982],
    ['fashion-mnist', 'keras-cnn', 0.905],
  ];
  // Each (panel, seed) shares a base representation; heads add their own share of noise (CKA falls with the gap).
  const shared = new Map<string, Float64Array>();
  const featuresOf = (panel: string, seed: number, shift: number) => {
    const key = `${panel}:${seed}`;
    if (!shared.has(key))
      shared.set(
        key,
        Float64Array.from({ length: 60 * 5 }, () => r() - 0.5),
      );
    const noise = 0.1 + 40 * Math.abs(shift);
    return { data: shared.get(key)!.map((v) => v + noise * (r() - 0.5)), cols: 5 };
  };
  f.transaction(() => {
    for (const [dataset, model, top] of panels)
      for (const [head, shift] of heads)
        for (let seed = 1; seed <= 3; seed++) {
          const final = top + shift + (r() - 0.5) * 0.004;
          const epochs = [0.55, 0.8, 0.9, 0.96, 1].map(
            (frac) => final * (0.85 + 0.15 * frac) + (r() - 0.5) * 0.003,
          );
          f.addRun({
            dataset,
            model,
            head,
            seed,
            epochs,
            command: `headroom compare --dataset ${dataset} --model ${model} --heads ${heads.map((h) => h[0]).join(',')} --seeds 3 --epochs 5 --repr`,
            testAcc: final - 0.002,
            ece: 0.01 + r() * 0.02,
            features: featuresOf(`${dataset}/${model}`, seed, shift),
            repr: {
              knn: final - 0.01 + r() * 0.004,
              probe: final - 0.004,
              r2: 0.5 + shift * 10 + r() * 0.05,
              nc1: 0.2 - shift * 5 + r() * 0.05,
              mapAtR: 0.6 - shift * 8 + r() * 0.03,
              transferP1: 0.9 - shift * 3 + r() * 0.02,
              probeLambda: 0.01,
            },
          });
        }
    f.addRun({
      head: 'oland-exp',
      seed: 4,
      status: 'diverged',
      divergedEpoch: 2,
      valAcc: null,
      epochs: [0.3],
      command: 'headroom compare --dataset mnist --model keras-mlp --heads oland-exp --seeds 4 --epochs 5',
    });

    const s = f.addStudy('delta-search');
    const reasons = [
      'non-finite δ on probe',
      'δ does not push target up',
      'duplicate functional hash',
      'fails toy task',
    ];
    for (let n = 0; n < 60; n++) {
      const u = r();
      if (u < 0.3) {
        f.addTrial(s, {
          number: n,
          expr: `exp(z) * ${n} - t`,
          state: 'rejected',
          rejectReason: reasons[n % reasons.length],
        });
      } else {
        const acc0 = 0.85 + 0.09 * r() + 0.0005 * n;
        const rungs = [{ valAcc: acc0, speed: acc0 - 0.05 - 0.1 * r() }];
        if (r() < 0.35) rungs.push({ valAcc: Math.min(0.995, acc0 + 0.03), speed: acc0 - 0.02 });
        f.addTrial(s, {
          number: n,
          expr: `exp(z) - t + ${(n / 100).toFixed(2)} * p`,
          state: 'complete',
          rungs,
        });
      }
    }
    const confirm: [string, number, string | null][] = [
      ['softmax-ce', 0, null],
      ['delta-search#12', 0.001, 'exp(z) - t + 0.12 * p'],
      ['delta-search#31', -0.01, 'tanh(z) - t'],
    ];
    for (const [head, shift, expr] of confirm)
      for (let seed = 101; seed <= 105; seed++)
        f.addRun({
          grid: 'confirm:delta-search',
          head,
          seed,
          testAcc: 0.98 + shift + (r() - 0.5) * 0.004,
          epochs: [0.97, 0.98],
          command:
            'headroom confirm --study delta-search --top 2 --seeds 5 --datasets mnist --models keras-mlp',
          ...(expr ? { candidate: { space: 'delta', expr } } : {}),
        });
    storeCrossHeadCka(f.store, f.store.listRuns());
  });
  f.close();
}
