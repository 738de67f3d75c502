/**
 * The family tree: evolution names each child's parents, the driver stores them with the trial, and the queries read
 * them back both ways (a trial's parents and its children).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvolutionSampler } from '../../src/search/samplers/evolution.js';
import { runSearch } from '../../src/search/driver.js';
import { makeStudyConfig } from '../../src/search/study.js';
import { searchStoreOf } from '../../src/search/persist.js';
import { openStore } from '../../src/store/index.js';
import { readStudyInfo, trialDetail } from '../../src/query/index.js';
import { InlineExecutor, toyAccuracy, toyFilter, toySpace } from './helpers.js';

test('evolution: fresh samples have no parents; mutants name one told trial, crossovers two', () => {
  const space = toySpace();
  const s = new EvolutionSampler(space, 3, { population: 4, tournament: 2, lag: 0, crossover: 0.5 });
  const told = new Set<number>();
  let bred = 0;
  for (let n = 0; n < 40; n++) {
    const c = s.ask(n)!;
    if (n < 4) assert.equal(c.parents, undefined, `trial ${n} is sampled fresh`);
    else {
      assert.ok(
        c.parents && c.parents.length >= 1 && c.parents.length <= 2,
        `trial ${n}: ${String(c.parents)}`,
      );
      for (const p of c.parents) assert.ok(told.has(p) && p < n, `parent ${p} of ${n} was told before`);
      bred++;
    }
    s.tell({ number: n, candidate: c, outcome: { kind: 'ok', values: [toyAccuracy(c, 0)] } });
    told.add(n);
  }
  assert.equal(bred, 36);
});

test('the driver stores each trial’s parents; the queries give parents and children', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-lineage-'));
  try {
    const path = join(dir, 's.db');
    const store = openStore(path);
    await runSearch({
      store: searchStoreOf(store),
      study: 'evo',
      config: makeStudyConfig({
        space: 'delta',
        seed: 2,
        ladder: [{ model: 'm', dataset: 'd', epochs: 1, trainLimit: 10 }],
        evolution: { population: 5, tournament: 2, lag: 1, crossover: 0.3 },
      }),
      resume: false,
      maxTrials: 24,
      space: toySpace(),
      filter: toyFilter(),
      executor: new InlineExecutor(2),
    });
    const info = readStudyInfo(store, store.getStudy('evo')!);
    const withParents = info.trials.filter((t) => t.parents.length > 0);
    assert.ok(withParents.length >= 10, `${withParents.length} bred trials`);
    const numbers = new Set(info.trials.map((t) => t.number));
    for (const t of withParents) for (const p of t.parents) assert.ok(numbers.has(p) && p < t.number);
    const child = withParents.at(-1)!;
    const d = trialDetail(store, 'evo', child.number);
    assert.deepEqual(
      d.parents.map((p) => p.number),
      child.parents,
    );
    const parent = trialDetail(store, 'evo', child.parents[0]!);
    assert.ok(parent.children.some((c) => c.number === child.number));
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
