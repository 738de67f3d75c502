// The plugin loader in this process: how each kind of broken plugin is reported, plugins that import each other, and
// the list handed to worker processes. (Plugins here import the source entry; test/api/examples.test.ts loads
// plugins through the built CLI.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { heads } from '../../src/index.js';
import {
  loadCommandPlugins,
  loadedPlugins,
  loadPlugins,
  PLUGINS_ENV,
  preparePluginsForWorkers,
} from '../../src/api/plugins.js';

const ENTRY = pathToFileURL(join(import.meta.dirname, '..', '..', 'src', 'index.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'headroom-plugins-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

test('a broken plugin is a PluginError: one line naming the plugin and why, exit code 2', async () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a missing file', join(dir, 'nosuch.js'), /--plugin .*nosuch\.js: no such file \(.*nosuch\.js\)\.$/],
    [
      'a syntax error',
      write('syntax.mjs', '// one\n\nconst x = ;\n'),
      /syntax\.mjs: SyntaxError: Unexpected token ';' \(line 3\)$/,
    ],
    [
      'a throw',
      write('throws.mjs', "throw new TypeError('no config');\n"),
      /throws\.mjs: TypeError: no config$/,
    ],
    [
      'nothing defined',
      write('empty.mjs', 'export const x = 1;\n'),
      /empty\.mjs: defines no head, dataset or model; a plugin calls defineHead/,
    ],
    [
      'a bad definition',
      write(
        'bad.mjs',
        `import { defineHead } from '${ENTRY}';\ndefineHead({ id: 'p-bad', title: 't', formula: 'f', source: 's', deltaRule: ({ z }) => z.sum(1) });\n`,
      ),
      /bad\.mjs: defineHead\('p-bad'\): deltaRule returned \[3\]; it must return δ shaped like z/,
    ],
  ];
  for (const [what, file, message] of cases) {
    await assert.rejects(
      loadPlugins([file]),
      (e: unknown) =>
        e instanceof Error &&
        (e as { exitCode?: number }).exitCode === 2 &&
        message.test(e.message) &&
        !e.message.includes('\n'),
      what,
    );
  }
  const before = process.env[PLUGINS_ENV];
  process.env[PLUGINS_ENV] = '/nonexistent/p.js';
  try {
    await assert.rejects(
      loadCommandPlugins([]),
      /^PluginError: HEADROOM_PLUGINS \/nonexistent\/p\.js: no such file/,
    );
  } finally {
    if (before === undefined) delete process.env[PLUGINS_ENV];
    else process.env[PLUGINS_ENV] = before;
  }
  assert.deepEqual(loadedPlugins(), []);
});

test('plugins that import each other load once; workers are handed every file that made a definition', async () => {
  const b = write(
    'b.mjs',
    `import { defineHead } from '${ENTRY}';\n` +
      "defineHead({ id: 'plug-b', title: 't', formula: 'f', source: 's', deltaRule: ({ z, t }) => z.softmax(1).sub(t) });\n",
  );
  const a = write('a.mjs', "import './b.mjs';\n");
  // a defines nothing itself, b was evaluated while a loaded: both count as plugins that defined something.
  await loadPlugins([a, b, a]);
  assert.deepEqual(loadedPlugins(), [a, b]);
  assert.equal(heads.headOrigin('plug-b'), b);
  const before = process.env[PLUGINS_ENV];
  try {
    delete process.env[PLUGINS_ENV];
    preparePluginsForWorkers(true);
    assert.deepEqual(process.env[PLUGINS_ENV]!.split(delimiter), [a, b]);
  } finally {
    if (before === undefined) delete process.env[PLUGINS_ENV];
    else process.env[PLUGINS_ENV] = before;
  }
});
