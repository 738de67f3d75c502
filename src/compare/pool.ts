import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunConfig, RunResult } from '../train/config.js';

/** Where the worker entry lives: next to this file, as .ts under tsx (tests) or .js in dist/. */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  return {
    path: here.replace(/pool\.(ts|js)$/, `worker.${fromSource ? 'ts' : 'js'}`),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}

/**
 * A fixed set of worker processes, one libtorch thread each by default (one process per core beats one process with
 * many threads for small models). Results arrive in completion order through `onResult`.
 */
export async function runInWorkers(
  configs: RunConfig[],
  workers: number,
  onResult: (cfg: RunConfig, result: RunResult) => void,
): Promise<void> {
  const { path, execArgv } = workerEntry();
  let next = 0;
  let stopping = false;
  const children: ChildProcess[] = [];
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const child = fork(path, [], {
        execArgv,
        env: { ...process.env, HEADROOM_THREADS: process.env.HEADROOM_WORKER_THREADS ?? '1' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      children.push(child);
      let current: { id: number; cfg: RunConfig } | null = null;
      const feed = () => {
        if (next >= configs.length) {
          current = null;
          child.disconnect();
          return;
        }
        current = { id: next, cfg: configs[next] };
        next++;
        child.send(current);
      };
      child.on('message', (msg: { ready?: boolean; id?: number; result?: RunResult }) => {
        if (msg.ready) return feed();
        if (msg.result && current) {
          onResult(current.cfg, msg.result);
          feed();
        }
      });
      child.on('exit', (code, signal) => {
        if (current && !stopping) {
          const cfg = current.cfg;
          current = null;
          // A crashed worker fails its run, not the grid; the run is recorded as failed with the signal.
          onResult(cfg, {
            config: cfg,
            status: 'failed',
            error: `worker exited (${signal ?? `code ${code}`})`,
            epochs: [],
            final: { valAcc: NaN, secondsPerEpoch: NaN },
          });
          if (next < configs.length) launch().then(resolve, reject);
          else resolve();
        } else resolve();
      });
      child.on('error', reject);
    });
  const n = Math.max(1, Math.min(workers, configs.length));
  const kill = () => {
    // Interrupted, not crashed: the runs in flight are simply not recorded, so a resume re-runs them.
    stopping = true;
    children.forEach((c) => c.kill('SIGTERM'));
  };
  process.once('SIGINT', kill);
  try {
    await Promise.all(Array.from({ length: n }, () => launch()));
  } finally {
    process.off('SIGINT', kill);
  }
}
