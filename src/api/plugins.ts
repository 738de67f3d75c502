// Plugins: modules that call defineHead, defineDataset or defineModel, loaded by `--plugin FILE` or HEADROOM_PLUGINS.
// The forked workers inherit the environment, so the list reaches them and they load the same modules before taking
// a job; a remote `headroom worker` is given its own --plugin.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listHeads } from '../heads/index.js';
import { DATASET_NAMES } from '../data/load.js';
import { listModels } from '../nn/models/index.js';
import { listDefinitions } from './define.js';
import { mainScript, samePath } from './origin.js';

export const PLUGINS_ENV = 'HEADROOM_PLUGINS';

/** A plugin that cannot be loaded: one line naming it and why; exit code 2. */
export class PluginError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

const loaded: string[] = [];

/** The plugin files this process loaded, absolute, in order. */
export function loadedPlugins(): readonly string[] {
  return loaded;
}

/** HEADROOM_PLUGINS split on the path delimiter (':' on POSIX), empty entries dropped. */
export function pluginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[PLUGINS_ENV] ?? '')
    .split(delimiter)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const definitionCount = (): number => listHeads().length + DATASET_NAMES.length + listModels().length;

/**
 * Where a syntax error is: the error object does not say (Node prints it from hidden state), so the file is checked
 * once more with `node --check`, whose first line of output is `path:line`. Only the plugin file itself is checked;
 * an error in a module it imports gets no line.
 */
function syntaxErrorLine(path: string): string | undefined {
  const r = spawnSync(process.execPath, ['--check', path], { encoding: 'utf8' });
  const first = (r.stderr ?? '').split('\n')[0] ?? '';
  const m = first.match(/:(\d+)$/);
  return m && first.includes(path) ? m[1] : undefined;
}

/** One line: our own errors (they carry an exit code) by their message, others as `Name: message`. */
function describe(e: unknown, path: string): string {
  if (!(e instanceof Error)) return String(e);
  const first = (e.message.split('\n')[0] ?? '').trim();
  if ('exitCode' in e) return first;
  // A plugin outside this package finds 'headroom' through a node_modules folder above it, like any dependency.
  if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /'headroom'/.test(first))
    return `${first}; install headroom where the plugin is (npm install headroom), or put the plugin inside the headroom folder`;
  const line = e instanceof SyntaxError ? syntaxErrorLine(path) : undefined;
  return `${e.name}: ${first}${line !== undefined ? ` (line ${line})` : ''}`;
}

/**
 * Imports each plugin once, in order (`label` names where the list came from in messages: '--plugin' or
 * HEADROOM_PLUGINS). A missing file, a module that throws while loading (a syntax error, a bad definition), or one
 * that defines nothing is a PluginError. Loading the same file twice is a no-op.
 */
export async function loadPlugins(files: readonly string[], label = '--plugin'): Promise<void> {
  for (const given of files) {
    const path = resolve(given);
    if (loaded.some((p) => samePath(p, path))) continue;
    if (!existsSync(path) || !statSync(path).isFile())
      throw new PluginError(`${label} ${given}: no such file (${path}).`);
    const url = pathToFileURL(path).href;
    const before = definitionCount();
    try {
      await import(url);
    } catch (e) {
      throw new PluginError(`${label} ${given}: ${describe(e, path)}`);
    }
    // A plugin another plugin imported first was evaluated then: its definitions carry its path.
    const definedEarlier = listDefinitions().some((d) => d.origin !== undefined && samePath(d.origin, path));
    if (definitionCount() === before && !definedEarlier)
      throw new PluginError(
        `${label} ${given}: defines no head, dataset or model; a plugin calls defineHead, defineDataset or ` +
          `defineModel from 'headroom' (if it does, it imported another copy of headroom than the one running).`,
      );
    loaded.push(path);
  }
}

/** The plugins named by --plugin and HEADROOM_PLUGINS, loaded; the environment then lists them all for workers. */
export async function loadCommandPlugins(fromArgs: readonly string[]): Promise<void> {
  await loadPlugins(pluginsFromEnv(), PLUGINS_ENV);
  await loadPlugins(fromArgs, '--plugin');
  exportPlugins([]);
}

/** Sets HEADROOM_PLUGINS to every loaded plugin plus `extra` (absolute, deduplicated), for processes forked later. */
function exportPlugins(extra: readonly string[]): void {
  const all: string[] = [];
  for (const p of [...pluginsFromEnv().map((f) => resolve(f)), ...loaded, ...extra])
    if (!all.some((q) => samePath(q, p))) all.push(p);
  if (all.length > 0) process.env[PLUGINS_ENV] = all.join(delimiter);
}

/**
 * Before a programmatic run that may fork workers: the files that defined this process's heads, datasets and models
 * must be importable there, so they join HEADROOM_PLUGINS. A definition made in the script node is running (the
 * worker would run the whole script again) or where no file is known cannot travel: that is an error when `forks`.
 */
export function preparePluginsForWorkers(forks: boolean): void {
  const main = mainScript();
  const files: string[] = [];
  for (const d of listDefinitions()) {
    const inMain = d.origin !== undefined && main !== undefined && samePath(d.origin, main);
    if (d.origin === undefined || inMain) {
      if (!forks) continue;
      throw new PluginError(
        `${d.kind} '${d.name}' is defined ${inMain ? `in the script itself (${d.origin})` : 'outside any file'}, ` +
          'which worker processes cannot load: move the define call into its own module and import that, or pass workers: 0.',
      );
    }
    files.push(d.origin);
  }
  exportPlugins(files);
}
