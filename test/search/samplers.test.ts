import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvolutionSampler } from '../../src/search/samplers/evolution.js';
import { RandomSampler } from '../../src/search/samplers/random.js';
import { CmaEsSampler } from '../../src/search/samplers/cmaes-sampler.js';
import type { Candidate, Sampler, Space } from '../../src/search/types.js';
import { toyAccuracy, toySpace } from './helpers.js';

/** Sequential ask/tell with an optional reordering of tells (as if workers finished out of order). */
function drive(
  sampler: Sampler,
  n: number,
  score: (c: Candidate) => number,
  shuffleTells = false,
): Candidate[] {
  const out: Candidate[] = [];
  const pending: Array<{ number: number; candidate: Candidate }> = [];
  const flush = () => {
    const order = shuffleTells ? pending.splice(0).reverse() : pending.splice(0);
    for (const p of order) sampler.tell({ ...p, outcome: { kind: 'ok', values: [score(p.candidate)] } });
  };
  for (let i = 0; i < n; i++) {
    let c = sampler.ask(i);
    if (c === null) {
      flush();
      c = sampler.ask(i);
    }
    assert.ok(c, `ask(${i}) still blocked after every earlier trial was told`);
    out.push(c);
    pending.push({ number: i, candidate: c });
    if (!shuffleTells || pending.length >= 3) flush();
  }
  return out;
}

const score0 = (c: Candidate) => toyAccuracy(c, 0);

test('random and evolution samplers are deterministic per seed and independent of tell order', () => {
  const space = toySpace();
  const evo = (seed: number, shuffle: boolean) =>
    drive(
      new EvolutionSampler(space, seed, { population: 10, tournament: 4, lag: 4, crossover: 0.3 }),
      80,
      score0,
      shuffle,
    ).map((c) => c.expr);
  assert.deepEqual(evo(1, false), evo(1, true));
  assert.notDeepEqual(evo(1, false), evo(2, false));
  const rnd = (seed: number) => drive(new RandomSampler(space, seed), 30, score0).map((c) => c.expr);
  assert.deepEqual(rnd(3), rnd(3));
  assert.notDeepEqual(rnd(3), rnd(4));
});

test('evolution blocks until the outcomes it reads are in, and never reads past the lag', () => {
  const space = toySpace();
  const s = new EvolutionSampler(space, 1, { population: 4, tournament: 2, lag: 2, crossover: 0 });
  // trials 0..5 can be proposed blind (fewer than P trials lie below the horizon n − lag)
  for (let i = 0; i < 6; i++) assert.ok(s.ask(i));
  assert.equal(s.ask(6), null, 'trial 6 reads trials 0..3');
  for (let i = 0; i < 4; i++)
    s.tell({ number: i, candidate: s.ask(i)!, outcome: { kind: 'ok', values: [i] } });
  assert.ok(s.ask(6));
  assert.equal(s.ask(7), null, 'trial 7 also reads trial 4');
});

test('regularised evolution beats random search on a synthetic objective (match a target vector)', () => {
  const space = toySpace();
  const runs = [1, 2, 3, 4, 5].map((seed) => {
    const evo = drive(
      new EvolutionSampler(space, seed, { population: 20, tournament: 5, lag: 2, crossover: 0.2 }),
      300,
      score0,
    );
    const rnd = drive(new RandomSampler(space, seed), 300, score0);
    const tail = (xs: Candidate[]) => xs.slice(-100).reduce((s, c) => s + score0(c), 0) / 100;
    const best = (xs: Candidate[]) => Math.max(...xs.map(score0));
    return { evoTail: tail(evo), rndTail: tail(rnd), evoBest: best(evo), rndBest: best(rnd) };
  });
  for (const r of runs)
    assert.ok(
      r.evoTail > r.rndTail + 0.1,
      `evolution's last 100 average ${r.evoTail} vs random ${r.rndTail}`,
    );
  // the target (score 1) is found by evolution in most seeds; random search over 10^4 points rarely gets there
  assert.ok(runs.filter((r) => r.evoBest === 1).length >= 3, JSON.stringify(runs));
});

test('the CMA-ES sampler works in generations and minimises a continuous toy objective', () => {
  const target = [0.3, -1.2, 2];
  const space: Space = {
    name: 'poly',
    kind: 'continuous',
    title: 'toy',
    sample: () => ({ expr: '', params: [0, 0, 0] }),
    mutate: (c) => c,
    validate: (c) => c,
    toHead: () => {
      throw new Error('no head');
    },
    describe: (c) => String(c.params),
    continuous: {
      dim: 3,
      mean0: [0, 0, 0],
      sigma0: 1,
      fromVector: (x) => ({ expr: x.join(','), params: x }),
    },
  };
  const acc = (c: Candidate) => 1 - c.params!.reduce((s, x, i) => s + (x - target[i]!) ** 2, 0);
  const s = new CmaEsSampler(space, 9);
  const lambda = s.lambda;
  assert.equal(s.ask(lambda), null, 'the second generation waits for the first');
  const seq = drive(s, lambda * 60, acc);
  assert.ok(acc(seq[seq.length - 1]!) > 1 - 1e-6, `last ${seq[seq.length - 1]!.params}`);
  // deterministic
  const again = drive(new CmaEsSampler(space, 9), lambda * 5, acc).map((c) => c.params);
  assert.deepEqual(
    again,
    seq.slice(0, lambda * 5).map((c) => c.params),
  );
});
