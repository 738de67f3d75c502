/**
 * Compile-time contract checks: the Store must satisfy the interfaces other folders code against. `npx tsc --noEmit`
 * fails here if a signature drifts; at run time this file only checks that the methods exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, type Store } from '../../src/store/index.js';
import type { SearchStore } from '../../src/search/persist.js';

function asSearchStore(s: Store): SearchStore {
  return s;
}

test("Store satisfies the search driver's SearchStore interface", () => {
  const s = openStore(':memory:');
  try {
    const ss = asSearchStore(s);
    const st = ss.createStudy('s', 'delta', '{}');
    const id = ss.addTrial(st.id, {
      number: 0,
      expr: 'exp(z) - t',
      params: null,
      hash: 'abc',
      state: 'queued',
      rejectReason: null,
      metrics: null,
      seed: 1,
    });
    ss.transaction(() => {
      ss.addRung({ trialId: id, rung: 0, metrics: { status: 'ok', valAcc: 0.9, speed: 0.8, seconds: 2 } });
      ss.setTrialState(id, 'complete', 0, {
        rungs: { '0': { status: 'ok', valAcc: 0.9, speed: 0.8, seconds: 2 } },
      });
    });
    const [t] = ss.listTrials(st.id);
    assert.equal(t.state, 'complete');
    assert.equal(t.metrics?.rungs['0'].valAcc, 0.9);
    assert.equal(ss.listRungs(st.id)[0].metrics.status, 'ok');
    assert.equal(ss.getStudy('s')?.id, st.id);
  } finally {
    s.close();
  }
});
