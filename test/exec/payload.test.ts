// The queue's payload check: a worker accepts exactly the jobs this version sends and refuses everything else with a
// message that says what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobOf, parsePayload, payloadOf, PayloadError, PROTOCOL_VERSION } from '../../src/exec/index.js';
import type { RunConfig } from '../../src/train/config.js';

const cfg: RunConfig = {
  dataset: 'mnist',
  model: 'keras-mlp',
  head: 's#3',
  candidate: { space: 'delta', expr: 'p - t', params: [1.5] },
  seed: 1,
  epochs: 2,
  batchSize: 128,
  optimizer: { kind: 'rmsprop', lr: 0.001, rho: 0.9 },
  trainLimit: 1000,
  valFraction: 0.1,
  evalLimit: 500,
  device: 'cpu',
  evalTest: false,
};

test('parsePayload accepts what payloadOf sends, after a JSON round trip', () => {
  for (const c of [cfg, { ...cfg, head: 'focal', candidate: undefined, headParams: { gamma: 2 } }]) {
    const job = jobOf(c);
    assert.deepEqual(
      parsePayload(JSON.parse(JSON.stringify(payloadOf(job)))),
      JSON.parse(JSON.stringify(job)),
    );
  }
});

test('parsePayload refuses foreign versions and malformed jobs with one precise line', () => {
  const good = JSON.parse(JSON.stringify(payloadOf(jobOf(cfg)))) as {
    headroom: number;
    job: Record<string, unknown>;
  };
  const mutate = (f: (p: typeof good) => void) => {
    const p = JSON.parse(JSON.stringify(good)) as typeof good;
    f(p);
    return p;
  };
  const cases: Array<[unknown, RegExp]> = [
    [null, /no protocol version/],
    ['train', /no protocol version/],
    [{ job: good.job }, /no protocol version/],
    [
      mutate((p) => (p.headroom = PROTOCOL_VERSION + 1)),
      /protocol 2, this worker speaks 1: run the same headroom version/,
    ],
    [mutate((p) => delete p.job.cfg), /job\.cfg must be an object/],
    [mutate((p) => ((p.job.cfg as RunConfig).epochs = 0)), /job\.cfg\.epochs must be an integer ≥ 1/],
    [
      mutate((p) => ((p.job.cfg as RunConfig).device = 'tpu' as 'cpu')),
      /job\.cfg\.device must be 'cpu' or 'cuda'/,
    ],
    [mutate((p) => ((p.job.cfg as Record<string, unknown>).code = 'rm -rf /')), /unknown field\(s\) code/],
    [mutate((p) => ((p.job.cfg as RunConfig).optimizer.lr = -1)), /optimizer\.lr must be a positive number/],
    [mutate((p) => (p.job.heads = [])), /job\.heads must be an array of 1 to 1024 heads/],
    [
      mutate((p) => (p.job.heads = [{ kind: 'module', id: 'x', path: '/tmp/evil.js' }])),
      /kind must be 'registry' or 'candidate'/,
    ],
    [
      mutate((p) => (p.job.heads = [{ kind: 'candidate', id: 'x', space: 'delta' }])),
      /heads\[0\]\.expr must be a non-empty string/,
    ],
    [
      mutate((p) => (p.job.heads = [{ kind: 'registry', id: 'focal', params: { gamma: 'x' } }])),
      /params must be an object of finite numbers/,
    ],
  ];
  for (const [payload, message] of cases) {
    assert.throws(
      () => parsePayload(payload),
      (e: unknown) => e instanceof PayloadError && message.test(e.message),
    );
  }
});
