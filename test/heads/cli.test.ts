// `headroom heads`: a JSON array with --json, a readable table otherwise, a usage error on unknown flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from '../../src/cli/commands/heads.js';
import { listHeads } from '../../src/heads/index.js';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  try {
    const code = await run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = orig;
  }
}

test('--json prints one array with id, title, formula, source and params for every head', async () => {
  const { code, out } = await capture(['--json']);
  assert.equal(code, 0);
  const rows = JSON.parse(out) as {
    id: string;
    title: string;
    formula: string;
    source: string;
    params: object;
  }[];
  assert.ok(Array.isArray(rows));
  assert.equal(rows.length, listHeads().length);
  assert.ok(rows.length >= 20);
  for (const r of rows) {
    for (const k of ['id', 'title', 'formula', 'source'] as const) assert.ok(r[k].length > 0, `${r.id}.${k}`);
    assert.equal(typeof r.params, 'object');
  }
  assert.deepEqual(rows.find((r) => r.id === 'oland-exp')?.params, { alpha: 1, beta: 0 });
});

test('the table names every head and its source', async () => {
  const { code, out } = await capture([]);
  assert.equal(code, 0);
  for (const h of listHeads()) assert.ok(out.includes(h.id), h.id);
  assert.ok(out.includes('arXiv:1707.04199'));
});

test('unknown flags are usage errors (exit code 2)', async () => {
  await assert.rejects(capture(['--bogus']), (e: unknown) => (e as { exitCode?: number }).exitCode === 2);
});
