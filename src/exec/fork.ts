import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../train/config.js';
import type { Executor, Slot } from './executor.js';
import type { JobEvent, TrainJob } from './job.js';
import type { ToWorker, FromWorker } from './worker.js';

/** The worker entry next to this file: .ts under tsx (tests, `node --import tsx`), .js in dist/. */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  return {
    path: here.replace(/fork\.(ts|js)$/, `worker.${fromSource ? 'ts' : 'js'}`),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}

interface Pending {
  job: TrainJob;
  onEvent?: (e: JobEvent) => void;
  resolve: (r: RunResult[] | 'cancelled') => void;
  reject: (e: Error) => void;
}

interface Worker {
  index: number;
  child: ChildProcess;
  started: boolean;
  busy: Pending | null;
}

/** Workers that die before saying 'ready' this many times in a row mean a broken install, not a bad job. */
const MAX_STARTUP_FAILURES = 3;

/**
 * One forked worker process per slot, one job each at a time, jobs in submission order. The slot's threads and GPU
 * reach the child through its environment. A worker that dies mid-job cancels that job (nothing of it is recorded, so
 * it can simply be submitted again) and is replaced.
 */
export class ForkExecutor implements Executor {
  readonly slots: readonly Slot[];
  readonly #workers: Worker[] = [];
  readonly #queue: Pending[] = [];
  #closed = false;
  #startupFailures = 0;
  #broken: Error | null = null;

  constructor(slots: readonly Slot[]) {
    if (slots.length === 0) throw new RangeError('ForkExecutor needs at least one slot');
    this.slots = slots;
    for (let i = 0; i < slots.length; i++) this.#workers.push(this.#spawn(i));
  }

  /** The worker processes' pids, by slot (for tests and diagnostics). */
  get pids(): (number | undefined)[] {
    return this.#workers.map((w) => w.child.pid);
  }

  #spawn(index: number): Worker {
    const slot = this.slots[index]!;
    const { path, execArgv } = workerEntry();
    const env: NodeJS.ProcessEnv = { ...process.env, HEADROOM_THREADS: String(slot.threads) };
    if (slot.visibleDevice !== undefined) env.CUDA_VISIBLE_DEVICES = slot.visibleDevice;
    const child = fork(path, [], { execArgv, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const worker: Worker = { index, child, started: false, busy: null };
    child.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') {
        worker.started = true;
        this.#startupFailures = 0;
        this.#dispatch();
        return;
      }
      const busy = worker.busy;
      if (!busy || msg.jobId !== busy.job.id) return;
      if (msg.type === 'event') {
        busy.onEvent?.(msg.event);
      } else {
        worker.busy = null;
        busy.onEvent?.({ type: 'finished', jobId: busy.job.id, results: msg.results });
        busy.resolve(msg.results);
        this.#dispatch();
      }
    });
    child.on('exit', (code, signal) => {
      const busy = worker.busy;
      worker.busy = null;
      if (this.#closed) return busy?.resolve('cancelled');
      if (!worker.started && ++this.#startupFailures >= MAX_STARTUP_FAILURES) {
        this.#broken = new Error(
          `training workers exit before they start (${signal ?? `code ${code}`}, ${this.#startupFailures} times in a row); see their error above`,
        );
        busy?.reject(this.#broken);
        for (const p of this.#queue.splice(0)) p.reject(this.#broken);
        return;
      }
      busy?.resolve('cancelled');
      this.#workers[index] = this.#spawn(index);
    });
    child.on('error', () => {});
    return worker;
  }

  #dispatch(): void {
    for (const w of this.#workers) {
      if (this.#queue.length === 0) return;
      if (!w.started || w.busy || !w.child.connected) continue;
      const next = this.#queue.shift()!;
      w.busy = next;
      next.onEvent?.({
        type: 'started',
        jobId: next.job.id,
        slot: w.index,
        device: next.job.cfg.device,
        pid: w.child.pid ?? -1,
      });
      w.child.send({ type: 'job', job: next.job } satisfies ToWorker);
    }
  }

  submit(job: TrainJob, onEvent?: (e: JobEvent) => void): Promise<RunResult[] | 'cancelled'> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closed) return Promise.resolve('cancelled');
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, onEvent, resolve, reject });
      this.#dispatch();
    });
  }

  /** Cancels queued jobs, kills workers that are training and lets idle ones exit. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#queue.splice(0)) p.resolve('cancelled');
    await Promise.all(
      this.#workers.map(
        ({ child, busy }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            if (busy) child.kill('SIGKILL');
            else if (child.connected) child.disconnect();
            else child.kill('SIGKILL');
          }),
      ),
    );
  }
}
