// The real proposal pipeline (δ-rule space, expression mutations, engine filters) under the driver, with training
// replaced by a deterministic score: the same seed must give the same study whatever the workers and timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runSearch } from '../../src/search/driver.js';
import { makeStudyConfig } from '../../src/search/study.js';
import { HeadFilter } from '../../src/search/filters.js';
import { deltaSpace } from '../../src/search/spaces/index.js';
import type { Candidate } from '../../src/search/types.js';
import { InlineExecutor, MemoryStore } from './helpers.js';

const score = (c: Candidate, rung: number) => {
  const h = createHash('sha1').update(c.expr).digest();
  const acc = 0.5 + h[0]! / 512 + 0.01 * rung;
  return { acc, speed: acc - h[1]! / 1024 };
};

async function study(seed: number, workers: number, delay: number) {
  const store = new MemoryStore();
  const space = deltaSpace();
  const s = await runSearch({
    store,
    study: 'p',
    config: makeStudyConfig({
      space: 'delta',
      seed,
      ladder: [
        { model: 'm', dataset: 'd', epochs: 1 },
        { model: 'm', dataset: 'd', epochs: 2 },
      ],
      evolution: { population: 3, tournament: 2, lag: 1, crossover: 0.3 },
    }),
    resume: false,
    maxTrials: 7,
    space,
    filter: new HeadFilter(space),
    executor: new InlineExecutor(workers, (j) => (j.number * delay) % 4, score),
  });
  return { s, rows: store.trials.map((t) => `${t.number}|${t.state}|${t.rejectReason ?? ''}|${t.expr}`) };
}

test('real δ-rule proposals and filters are deterministic per seed, independent of workers and timing', async () => {
  const a = await study(11, 1, 1);
  const b = await study(11, 3, 3);
  assert.deepEqual(a.rows, b.rows);
  assert.equal(a.s.trials.length, 7);
  // evolution did run: some trial is a descendant (numbers past the warm-up of P + lag = 4 trials)
  assert.ok(a.s.trials.some((t) => t.number > 4));
  for (const t of a.s.trials) assert.equal(t.metrics!.rungs['0']!.valAcc, score({ expr: t.expr }, 0).acc);
  assert.ok(a.s.trials.filter((t) => t.metrics!.rungs['1']).length >= 2, 'ASHA promoted ⌊7/3⌋ trials');
  // rejections were recorded with reasons and counted
  const rejected = a.rows.filter((r) => r.split('|')[1] === 'rejected');
  assert.equal(
    rejected.length,
    Object.values(a.s.rejections).reduce((x, y) => x + y, 0),
  );
  const c = await study(12, 2, 1);
  assert.notDeepEqual(c.rows, a.rows);
});
