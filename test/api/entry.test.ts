// The package entry exports exactly the documented names: what README.md's "From code" section lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTRY_NAMES } from './entry-names.js';

const ROOT = join(import.meta.dirname, '..', '..');

test('src/index.ts exports exactly the documented names', async () => {
  const entry = (await import('../../src/index.js')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(entry).sort(), ENTRY_NAMES);
  for (const fn of ['compare', 'search', 'confirm', 'fit', 'defineHead', 'defineDataset', 'defineModel'])
    assert.equal(typeof entry[fn], 'function', fn);
  // The namespaces are the folders' public modules, as they are.
  const heads = entry.heads as Record<string, unknown>;
  assert.equal(typeof heads.getHead, 'function');
  assert.equal(typeof (entry.nn as Record<string, unknown>).Linear, 'function');
  assert.equal(entry.Tensor, (entry.engine as Record<string, unknown>).Tensor);
  // Adding to a registry goes through the define functions only.
  assert.equal(heads.registerHead, undefined);
  assert.equal((entry.nn as Record<string, unknown>).registerModel, undefined);
});

test("README's From-code table names every export, and package.json points at the entry", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## From code'), readme.indexOf('## Examples'));
  assert.ok(section.length > 0, 'README has a "From code" section before "Examples"');
  const named = new Set(
    [...section.matchAll(/^\| `([^|]+)`/gm)].flatMap((m) =>
      m[1]!.split(/`?, `?/).map((s) => s.replace(/[`(].*$/, '')),
    ),
  );
  assert.deepEqual([...named].sort(), ENTRY_NAMES);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; default: string }>;
  };
  assert.deepEqual(pkg.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
});
