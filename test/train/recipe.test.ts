// Training recipes: the lr schedules give the values their definitions give (worked by hand), the augmentation crops
// and flips each example as stated, SGD's decoupled weight decay is p·(1 − lr·λ) outside the momentum, fit() follows
// the schedule update by update, a fused population with a recipe equals its solo runs, and configs without a recipe
// keep their keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { setNumThreads, scope, tensor } from '../../src/engine/index.js';
import { lrAt, type LrSchedule } from '../../src/train/schedule.js';
import { Augmenter, augmentBatch, type AugmentPlan } from '../../src/train/augment.js';
import { getRecipe, listRecipes, recipeConfig, RecipeError } from '../../src/train/recipes.js';
import { fit } from '../../src/train/fit.js';
import { fitPopulation } from '../../src/train/population.js';
import { runKey, type RunConfig } from '../../src/train/config.js';
import { makeOptimizer, SGD } from '../../src/optim/index.js';
import { expandGrid } from '../../src/compare/grid.js';
import { planJobs } from '../../src/runs/index.js';
import { openStore } from '../../src/store/index.js';
import { parsePayload, payloadOf, jobOf, PayloadError } from '../../src/exec/index.js';
import { getHead } from '../../src/heads/index.js';

setNumThreads(Number(process.env.HEADROOM_THREADS ?? 1));

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('step schedule: ×γ at each boundary (fractions of the epochs, at epoch starts)', () => {
  const s: LrSchedule = { kind: 'step', at: [0.5, 0.75], gamma: 0.1 };
  const clock = { stepsPerEpoch: 10, epochs: 8 }; // boundaries at epochs 4 and 6 (0-based): steps 40 and 60
  close(lrAt(s, 0.1, 0, clock), 0.1, 0, 'start');
  close(lrAt(s, 0.1, 39, clock), 0.1, 0, 'last update of epoch 4');
  close(lrAt(s, 0.1, 40, clock), 0.01, 1e-15, 'first update of epoch 5');
  close(lrAt(s, 0.1, 59, clock), 0.01, 1e-15, 'before the second boundary');
  close(lrAt(s, 0.1, 60, clock), 0.001, 1e-15, 'after it');
  close(lrAt(s, 0.1, 79, clock), 0.001, 1e-15, 'last update');
});

test('cosine with linear warmup: lr·(t+1)/W, then lr·½(1 + cos(π·(t − W)/(T − W − 1)))', () => {
  const s: LrSchedule = { kind: 'cosine', warmupEpochs: 1, minFactor: 0 };
  const clock = { stepsPerEpoch: 4, epochs: 3 }; // W = 4, T = 12: cosine over updates 4..11 (7 intervals)
  assert.deepEqual(
    [0, 1, 2, 3].map((t) => lrAt(s, 0.1, t, clock)),
    [0.025, 0.05, 0.07500000000000001, 0.1],
  );
  close(lrAt(s, 0.1, 4, clock), 0.1, 1e-15, 'peak after the warmup');
  // t = 4 + 3.5 would be the midpoint; at t = 8 the phase is 4/7: ½(1 + cos(4π/7)) = 0.38874...
  close(lrAt(s, 0.1, 8, clock), 0.1 * 0.5 * (1 + Math.cos((4 * Math.PI) / 7)), 1e-15, 't = 8');
  close(lrAt(s, 0.1, 11, clock), 0, 1e-15, 'last update reaches the floor');
  close(lrAt({ ...s, minFactor: 0.1 }, 0.1, 11, clock), 0.01, 1e-15, 'floor lr·minFactor');
  for (let t = 5; t < 12; t++)
    assert.ok(lrAt(s, 0.1, t, clock) < lrAt(s, 0.1, t - 1, clock), `decreasing at ${t}`);
});

test('one-cycle: lr/25 at the start, lr at 30%, the midpoint of the descent halfway, lr/25/1e4 at the end', () => {
  const s: LrSchedule = { kind: 'one-cycle', pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 };
  const clock = { stepsPerEpoch: 10, epochs: 2 }; // T = 20, the rise ends at update 0.3·20 − 1 = 5
  close(lrAt(s, 0.1, 0, clock), 0.004, 1e-15, 'start');
  close(lrAt(s, 0.1, 5, clock), 0.1, 1e-15, 'peak');
  // descent over updates 5..19: update 12 is its midpoint, where the cosine is halfway between lr and the final lr
  close(lrAt(s, 0.1, 12, clock), (0.1 + 4e-7) / 2, 1e-15, 'halfway down');
  close(lrAt(s, 0.1, 19, clock), 4e-7, 1e-18, 'end');
  // the rise: halfway (update 2.5) is not an update; update 1 is ⅕ of it: 0.004 + 0.096·½(1 − cos(π/5))
  close(lrAt(s, 0.1, 1, clock), 0.004 + 0.096 * 0.5 * (1 - Math.cos(Math.PI / 5)), 1e-15, 'rising');
});

/** The stated augmentation, pixel by pixel, in plain JS. */
function augmentJs(x: number[], [b, c, h, w]: number[], plan: AugmentPlan, crop: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < b; i++)
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < h; r++)
        for (let j = 0; j < w; j++) {
          const col = plan.flip[i] ? w - 1 - j : j;
          // padded coordinates (dy + r, dx + col) → original (dy + r − crop, dx + col − crop), zero outside
          const sr = plan.dy[i]! + r - crop;
          const sc = plan.dx[i]! + col - crop;
          out.push(sr < 0 || sr >= h || sc < 0 || sc >= w ? 0 : x[((i * c + ch) * h + sr) * w + sc]!);
        }
  return out;
}

test('augmentBatch: each example is shifted by its own offsets (zeros shifted in) and flipped when drawn', () => {
  const shape = [3, 2, 4, 5];
  const x = Array.from({ length: 3 * 2 * 4 * 5 }, (_, i) => i + 1);
  const plan: AugmentPlan = {
    dy: Int32Array.from([0, 2, 4]),
    dx: Int32Array.from([4, 2, 1]),
    flip: Uint8Array.from([0, 1, 1]),
  };
  const got = scope(() => [...augmentBatch(tensor(Float32Array.from(x), shape), plan, 2).toFloat32Array()]);
  assert.deepEqual(got, augmentJs(x, shape, plan, 2));
  // Example 1 (values 41–80; centre crop, flipped) is the mirror image of its input: row 0 is 41..45 reversed.
  assert.deepEqual(got.slice(40, 45), [45, 44, 43, 42, 41]);
  // Example 0 (dy 0, dx 4) moves down 2 rows and left 2 columns: its first two rows are zeros, row 2 starts at 3.
  assert.deepEqual(got.slice(0, 10), new Array(10).fill(0));
  assert.deepEqual(got.slice(10, 15), [3, 4, 5, 0, 0]);
});

test('Augmenter: own crop and flip per example, all offsets in [0, 2p], reproducible per (seed, epoch)', () => {
  const a = new Augmenter({ crop: 2, flip: true }, 7, 1);
  const p = a.plan(4000);
  const counts = new Array(5).fill(0);
  for (const d of [...p.dy, ...p.dx]) counts[d]++;
  assert.ok(
    counts.every((k) => k > 1300 && k < 1900),
    `offsets 0..4 drawn evenly: ${counts}`,
  );
  const flips = p.flip.reduce((s, f) => s + f, 0);
  assert.ok(flips > 1850 && flips < 2150, `about half flipped: ${flips}`);
  assert.deepEqual(
    new Augmenter({ crop: 2, flip: true }, 7, 1).plan(4000),
    p,
    'same seed and epoch, same draws',
  );
  assert.notDeepEqual(new Augmenter({ crop: 2, flip: true }, 7, 2).plan(64), a.plan(64), 'another epoch');
  assert.ok(new Augmenter({ crop: 0, flip: false }, 7, 1).plan(50).flip.every((f) => f === 0));
});

test('SGD decoupled weight decay: p ← p·(1 − lr·λ) − lr·d, the momentum buffer holding the gradient alone', () => {
  const lr = 0.1;
  const lambda = 0.5;
  const mu = 0.9;
  const p = tensor(Float64Array.from([2, -1]), [2]).setRequiresGrad(true);
  const opt = new SGD([p], { lr, momentum: mu, decoupledWeightDecay: lambda });
  const grad = (g: number[]) =>
    scope(() =>
      p
        .mul(tensor(Float64Array.from(g), [2]))
        .sum()
        .backward(),
    );
  // f = g·p has gradient g. Step 1: b = g1; p = p0(1 − 0.05) − 0.1·g1.
  grad([1, 3]);
  opt.step();
  opt.zeroGrad();
  const p1 = [2 * 0.95 - 0.1 * 1, -1 * 0.95 - 0.1 * 3];
  assert.deepEqual(
    [...p.toFloat64Array()].map((v) => +v.toFixed(12)),
    p1.map((v) => +v.toFixed(12)),
  );
  // Step 2: b = 0.9·g1 + g2 (no λp in it); p = p1(1 − 0.05) − 0.1·b.
  grad([-2, 0.5]);
  opt.step();
  const b2 = [mu * 1 - 2, mu * 3 + 0.5];
  const p2 = p1.map((v, i) => v * 0.95 - lr * b2[i]!);
  assert.deepEqual(
    [...p.toFloat64Array()].map((v) => +v.toFixed(12)),
    p2.map((v) => +v.toFixed(12)),
  );
  opt.dispose();
  p.dispose();
});

function recipeRun(over: Partial<RunConfig> = {}): RunConfig {
  const preset = getRecipe('resnet20-modern', 'resnet20');
  return {
    dataset: 'mnist',
    model: 'resnet20',
    head: 'softmax-ce',
    seed: 3,
    epochs: 2,
    batchSize: preset.batchSize,
    optimizer: preset.optimizer,
    trainLimit: 256, // 2 updates per epoch: the warmup is updates 0–1, the cosine updates 2–3
    valFraction: 0.1,
    evalLimit: 64,
    device: 'cpu',
    evalTest: false,
    recipe: recipeConfig(preset),
    ...over,
  };
}

test('--recipe resnet20-modern trains: fit follows the warmup + cosine update by update, augmentation changes training', async () => {
  const lrs: number[] = [];
  const r = await fit(recipeRun(), { onStep: (_, lr) => lrs.push(lr) });
  assert.equal(r.status, 'ok', r.error);
  // W = 2 (one epoch of 2 updates): 0.1·1/2, 0.1·2/2; then T − W − 1 = 1 interval: cos 0 → 0.1, cos π → 0.
  assert.deepEqual(lrs, [0.05, 0.1, 0.1, 0]);
  assert.equal(r.epochs.length, 2);
  // The same run without the augmentation trains on other inputs, so its loss differs.
  const plain = recipeRun();
  plain.recipe = { name: 'resnet20-modern', schedule: plain.recipe!.schedule };
  const r2 = await fit(plain);
  assert.equal(r2.status, 'ok', r2.error);
  assert.notEqual(r2.epochs[0]!.trainLoss, r.epochs[0]!.trainLoss);
});

test('recipes: per model; the grid stores the resolved recipe; recipe runs fuse into populations', async () => {
  assert.throws(() => getRecipe('resnet20-modern', 'keras-mlp'), RecipeError);
  assert.throws(() => getRecipe('nope'), /Known recipes: resnet20-modern/);
  const spec = {
    name: 'g',
    datasets: ['mnist'],
    models: ['resnet20'],
    heads: ['softmax-ce', 'linear-mse'],
    seeds: [1],
  };
  const [withRecipe] = expandGrid({ ...spec, recipe: 'resnet20-modern' });
  const [plain] = expandGrid(spec);
  assert.equal(plain!.recipe, undefined, 'no recipe: the reference settings, no recipe field');
  assert.deepEqual(withRecipe!.optimizer, {
    kind: 'sgd',
    lr: 0.1,
    momentum: 0.9,
    nesterov: true,
    weightDecay: 5e-4,
  });
  assert.equal(withRecipe!.recipe!.schedule.kind, 'cosine');
  assert.deepEqual(withRecipe!.recipe!.augment, { crop: 2, flip: true });
  assert.notEqual(
    runKey(withRecipe!),
    runKey({ ...withRecipe!, recipe: undefined }),
    'the recipe is in the run key',
  );
  const store = openStore(':memory:');
  try {
    const { jobs } = planJobs(store, expandGrid({ ...spec, recipe: 'resnet20-modern' }), 4);
    assert.deepEqual(
      jobs.map((j) => j.heads.length),
      [2],
      'the two heads of a recipe grid train as one population',
    );
  } finally {
    store.close();
  }
  // A recipe crosses a queue as data and is checked there.
  assert.deepEqual(parsePayload(payloadOf(jobOf(recipeRun()))).cfg.recipe, recipeRun().recipe);
  const bad = payloadOf(jobOf(recipeRun()));
  (bad.job.cfg.recipe as unknown as Record<string, unknown>).schedule = { kind: 'cosine', warmupEpochs: 'x' };
  assert.throws(() => parsePayload(JSON.parse(JSON.stringify(bad))), PayloadError);
});

test('every preset builds its optimizer (no misspelt hyper-parameter) and sets the lr its schedule starts from', () => {
  for (const r of listRecipes()) {
    const p = tensor(Float32Array.from([1]), [1]).setRequiresGrad(true);
    const { kind, ...hyper } = r.optimizer;
    const opt = makeOptimizer(kind, [p], hyper);
    assert.equal(opt.lr, r.optimizer.lr, r.id);
    opt.dispose();
    p.dispose();
  }
  assert.equal(
    (
      makeOptimizer('sgd', [tensor([1]).setRequiresGrad(true)], {
        lr: 0.1,
        decoupledWeightDecay: 5e-3,
      }) as SGD
    ).decoupledWeightDecay,
    5e-3,
  );
});

test('configs without a recipe keep the run keys stored before recipes existed', () => {
  const db = 'docs/results/oland2017.db';
  if (!existsSync(db)) return;
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = conn.prepare('SELECT key, config FROM runs ORDER BY id LIMIT 20').all() as {
      key: string;
      config: string;
    }[];
    assert.ok(rows.length > 0);
    for (const r of rows) assert.equal(runKey(JSON.parse(r.config) as RunConfig), r.key);
  } finally {
    conn.close();
  }
});

test('a fused population with a recipe (warmup + cosine, crop + flip, Nesterov, weight decay) equals its solo runs', async () => {
  const ids = ['softmax-ce', 'linear-mse', 'label-smoothing'];
  // 2 updates an epoch: warmup, then cosine; few enough that float differences between fused (grouped) and plain
  // convolutions are not amplified by lr 0.1 past the tolerance.
  const cfgs = ids.map((head) => recipeRun({ head, trainLimit: 64, batchSize: 32 }));
  const lrs: number[] = [];
  const pop = await fitPopulation(
    cfgs,
    ids.map((h) => getHead(h)),
  );
  for (let i = 0; i < ids.length; i++) {
    const solo = await fit(cfgs[i]!, i === 0 ? { onStep: (_, lr) => lrs.push(lr) } : {});
    assert.equal(pop[i]!.status, 'ok', pop[i]!.error);
    pop[i]!.epochs.forEach((e, j) => {
      close(
        e.trainLoss,
        solo.epochs[j]!.trainLoss,
        1e-4 * Math.max(1, solo.epochs[j]!.trainLoss),
        `${ids[i]} loss`,
      );
      close(e.valAcc, solo.epochs[j]!.valAcc, 1e-4, `${ids[i]} val acc`);
    });
  }
  assert.deepEqual(lrs, [0.05, 0.1, 0.1, 0], 'warmup, then cosine');
  // Without the recipe the same population trains differently: the schedule and augmentation took effect.
  const plain = await fitPopulation(
    cfgs.map((c) => ({ ...c, recipe: undefined })),
    ids.map((h) => getHead(h)),
  );
  assert.notEqual(plain[0]!.epochs[0]!.trainLoss, pop[0]!.epochs[0]!.trainLoss);
});
