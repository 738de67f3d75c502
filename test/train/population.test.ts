// Population training: K heads trained as one fused model give what each would give alone; a member that diverges
// or whose head throws drops out without touching the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads, type Tensor } from '../../src/engine/index.js';
import { getHead, type Head } from '../../src/heads/index.js';
import { getModel } from '../../src/nn/index.js';
import { fit, loadSplitsFor } from '../../src/train/fit.js';
import { fitPopulation } from '../../src/train/population.js';
import type { RunConfig, RunResult } from '../../src/train/config.js';

setNumThreads(Number(process.env.HEADROOM_THREADS ?? 1));

function config(model: string, over: Partial<RunConfig> = {}): RunConfig {
  return {
    dataset: 'mnist',
    model,
    head: 'softmax-ce',
    seed: 5,
    epochs: 2,
    batchSize: 64,
    optimizer: { ...getModel(model).defaultOptimizer },
    trainLimit: 384,
    valFraction: 0.1,
    evalLimit: 300,
    device: 'cpu',
    evalTest: false,
    ...over,
  };
}

function assertSame(pop: RunResult, solo: RunResult, label: string): void {
  assert.equal(pop.status, solo.status, `${label}: ${pop.error ?? ''}`);
  assert.equal(pop.epochs.length, solo.epochs.length, label);
  pop.epochs.forEach((e, i) => {
    const s = solo.epochs[i]!;
    assert.ok(Math.abs(e.valAcc - s.valAcc) <= 1e-4, `${label} epoch ${i + 1}: ${e.valAcc} vs ${s.valAcc}`);
    assert.ok(
      Math.abs(e.trainLoss - s.trainLoss) <= 1e-4 * Math.max(1, Math.abs(s.trainLoss)),
      `${label} loss`,
    );
  });
  assert.ok(Math.abs(pop.final.ece! - solo.final.ece!) <= 1e-3, `${label} ece`);
}

async function compareWithSolo(cfgs: RunConfig[], heads: Head[], soloOf = (i: number) => heads[i]!) {
  const data = await loadSplitsFor(cfgs[0]!);
  const pop = await fitPopulation(cfgs, heads, { data });
  const solo: RunResult[] = [];
  for (let i = 0; i < cfgs.length; i++) solo.push(await fit(cfgs[i]!, { data, headOverride: soloOf(i) }));
  return { pop, solo };
}

for (const model of ['keras-mlp', 'paper-fcn', 'keras-cnn', 'lenet5', 'resnet20']) {
  test(`population of 3 heads on ${model} = the 3 solo runs (per-epoch validation accuracy within 1e-4)`, async () => {
    const ids = ['softmax-ce', 'linear-mse', 'cosine-softmax']; // linear and cosine output layers side by side
    const over =
      model.startsWith('keras-mlp') || model === 'paper-fcn'
        ? {}
        : { trainLimit: 128, epochs: 1, evalLimit: 100 };
    const cfgs = ids.map((head) => config(model, { head, ...over }));
    const { pop, solo } = await compareWithSolo(
      cfgs,
      ids.map((h) => getHead(h)),
    );
    ids.forEach((h, i) => assertSame(pop[i]!, solo[i]!, `${model} ${h}`));
    assert.notEqual(
      pop[0]!.epochs[0]!.trainLoss,
      pop[1]!.epochs[0]!.trainLoss,
      'the members trained different heads',
    );
  });
}

/** softmax-ce whose objective explodes (or throws) from a given step on. */
function faulty(kind: 'explode' | 'throw', fromStep: number): Head {
  const base = getHead('softmax-ce');
  return {
    ...base,
    id: `faulty-${kind}`,
    objective: (inp) => {
      if (inp.step < fromStep) return base.objective(inp);
      if (kind === 'throw') throw new Error('this head breaks at step 3');
      return inp.z.mul(1e30).exp().mean() as Tensor;
    },
  };
}

test('a member that diverges is recorded diverged at its epoch; a member whose head throws fails; the others are unaffected', async () => {
  const ids = ['softmax-ce', 'explode', 'linear-mse', 'throw'];
  const cfgs = ids.map((head) => config('keras-mlp', { head }));
  const heads = [getHead('softmax-ce'), faulty('explode', 10), getHead('linear-mse'), faulty('throw', 3)];
  const data = await loadSplitsFor(cfgs[0]!);
  const pop = await fitPopulation(cfgs, heads, { data });
  assert.equal(pop[1]!.status, 'diverged');
  assert.equal(pop[1]!.divergedEpoch, 2, 'step 10 is in epoch 2 (6 steps per epoch)');
  assert.equal(pop[1]!.epochs.length, 1);
  assert.equal(pop[3]!.status, 'failed');
  assert.match(pop[3]!.error!, /breaks at step 3/);
  for (const i of [0, 2]) assertSame(pop[i]!, await fit(cfgs[i]!, { data }), ids[i]!);
});

test('--features linear reaches the body in solo and fused runs: margin heads on the linear layer, fused = solo', async () => {
  const ids = ['softmax-ce', 'am-softmax', 'cosine-softmax'];
  const cfgs = ids.map((head) => config('keras-mlp', { head, features: 'linear', epochs: 1 }));
  const { pop, solo } = await compareWithSolo(
    cfgs,
    ids.map((h) => getHead(h)),
  );
  ids.forEach((h, i) => assertSame(pop[i]!, solo[i]!, `linear features ${h}`));
  // The same run on the model's own (post-ReLU, post-dropout) features trains differently.
  const own = await fit(config('keras-mlp', { head: 'am-softmax', epochs: 1 }));
  assert.notEqual(own.epochs[0]!.trainLoss, solo[1]!.epochs[0]!.trainLoss);
});
