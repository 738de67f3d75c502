// Head parameters in `--heads` (and the API's heads lists): parsing, checking against the head, and the run key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setNumThreads } from '../../src/engine/index.js';
import { common, parseOptions, UsageError } from '../../src/cli/args.js';
import { formatHeadSpec, parseHeadSpecList } from '../../src/heads/index.js';
import { expandGrid, type GridSpec } from '../../src/compare/grid.js';
import { runKey } from '../../src/train/config.js';
import { openStore } from '../../src/store/index.js';
import { compare } from '../../src/index.js';

setNumThreads(1);

const heads = (raw: string) => parseOptions('compare', ['--heads', raw], { heads: common.heads() }).heads;

test('--heads reads parameters in parentheses, expands unique prefixes and drops default values', () => {
  assert.deepEqual(parseHeadSpecList('label-smoothing(eps=0.05),bi-tempered(t1=0.5,t2=1.5),softmax-ce'), [
    'label-smoothing(eps=0.05)',
    'bi-tempered(t1=0.5,t2=1.5)',
    'softmax-ce',
  ]);
  assert.deepEqual(heads('label-smoothing(eps=0.05),poly1(eps=2),softmax-ce'), [
    { id: 'label-smoothing', params: { epsilon: 0.05 } },
    { id: 'poly1', params: { epsilon: 2 } },
    { id: 'softmax-ce', params: {} },
  ]);
  // Written in the head's order, whatever order they were given in; a default value is no parameter.
  assert.deepEqual(heads('bi-tempered(t2=1.5, t1=0.5)'), [
    { id: 'bi-tempered', params: { t1: 0.5, t2: 1.5 } },
  ]);
  assert.deepEqual(heads('label-smoothing(epsilon=0.1)'), [{ id: 'label-smoothing', params: {} }]);
  assert.equal(formatHeadSpec('bi-tempered', { t1: 0.5, t2: 1.5 }), 'bi-tempered(t1=0.5,t2=1.5)');
  assert.equal(formatHeadSpec('softmax-ce', {}), 'softmax-ce');
});

test('--heads refuses what the head does not declare, with one line naming what it does', () => {
  const cases: Array<[string, RegExp]> = [
    [
      'poly1(gamma=2)',
      /--heads 'poly1\(gamma=2\)': head 'poly1' has no parameter matching 'gamma'; its parameters: epsilon=1\./,
    ],
    ['bi-tempered(t=2)', /several parameters matching 't' \(t1, t2\)/],
    ['softmax-ce(x=1)', /head 'softmax-ce' has no parameter matching 'x'; it takes no parameters/],
    ['label-smoothing(eps=2)', /parameter 'epsilon' must be in \[0, 1\], got 2/],
    ['poly1(eps)', /write each parameter as name=value, got 'eps'/],
    ['poly1(eps=abc)', /parameter 'eps' must be a number, got 'abc'/],
    ['poly1(eps=1,eps=2)', /parameter 'eps' is given twice/],
    ['poly1(eps=1', /unbalanced parentheses/],
    ['poly1,poly1(eps=2)', /lists 'poly1' twice; a grid trains each head once/],
    ['nosuch(a=1)', /'nosuch' matches nothing; use .*softmax-ce/],
    ['softmax-ce,,poly1', /has an empty entry/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => heads(raw),
      (e: unknown) => e instanceof UsageError && message.test(e.message) && !e.message.includes('\n'),
      raw,
    );
  }
});

test("a parameterised head's run key differs from the default's; the explicit default is the default", () => {
  const spec = (headParams?: GridSpec['headParams']): GridSpec => ({
    name: 'k',
    datasets: ['spirals'],
    models: ['keras-mlp'],
    heads: ['label-smoothing'],
    seeds: [1],
    ...(headParams ? { headParams } : {}),
  });
  const key = (s: GridSpec) => runKey(expandGrid(s)[0]!);
  const plain = key(spec());
  assert.notEqual(key(spec({ 'label-smoothing': { epsilon: 0.05 } })), plain);
  assert.notEqual(
    key(spec({ 'label-smoothing': { epsilon: 0.05 } })),
    key(spec({ 'label-smoothing': { epsilon: 0.2 } })),
  );
  const [parsed] = heads('label-smoothing(epsilon=0.1)') ?? [];
  assert.equal(
    key(spec(Object.keys(parsed!.params).length ? { 'label-smoothing': parsed!.params } : undefined)),
    plain,
  );
});

test('compare() stores the parameters with the run, labels its row with them, and does not resume one from the other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-params-'));
  const db = join(dir, 'p.db');
  try {
    const base = {
      dataset: 'spirals',
      model: 'keras-mlp',
      seeds: 1,
      epochs: 1,
      trainLimit: 100,
      workers: 0,
      db,
    };
    const first = await compare({ ...base, heads: ['softmax-ce', 'label-smoothing(eps=0.05)'] });
    assert.deepEqual(
      first.rows.map((r) => r.head),
      ['softmax-ce', 'label-smoothing(epsilon=0.05)'],
    );
    assert.equal(first.ranNow, 2);
    const second = await compare({ ...base, heads: ['softmax-ce', { id: 'label-smoothing' }] });
    assert.deepEqual([second.ranNow, second.skipped], [1, 1]);
    assert.deepEqual(
      second.rows.map((r) => r.head),
      ['softmax-ce', 'label-smoothing'],
    );
    const store = openStore(db);
    try {
      const runs = store.listRuns({}).filter((r) => r.head === 'label-smoothing');
      assert.equal(runs.length, 2);
      assert.notEqual(runs[0]!.key, runs[1]!.key);
      const params = runs.map(
        (r) => (r.config as { headParams?: Record<string, number> }).headParams ?? null,
      );
      assert.deepEqual(
        params.sort((a, b) => (a === null ? -1 : b === null ? 1 : 0)),
        [null, { epsilon: 0.05 }],
      );
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
