import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Executor } from './driver.js';
import { rungMetricsOf, type RungMetrics, type TrialJob } from './trial.js';
import type { WorkerReply, WorkerRequest } from './run-job.js';
import type { RunResult } from '../train/config.js';

/** The worker entry next to this file: .ts under tsx (tests, `node --import tsx`), .js in dist/. */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  return {
    path: here.replace(/executor\.(ts|js)$/, `worker.${fromSource ? 'ts' : 'js'}`),
    execArgv: fromSource ? ['--import', 'tsx'] : [],
  };
}

interface Slot {
  child: ChildProcess;
  ready: Promise<void>;
  started: boolean;
  busy: null | {
    id: number;
    resolve: (r: RunResult | 'cancelled') => void;
    reject: (e: Error) => void;
    cfgLabel: string;
  };
}

/** Workers that die before saying 'ready' this many times in a row mean a broken install, not a bad candidate. */
const MAX_STARTUP_FAILURES = 3;

/**
 * A fixed pool of worker processes (child_process.fork), one job each at a time, one libtorch thread each. A worker
 * that dies mid-job fails that job (recorded as a failed rung) and is replaced.
 */
export class ProcessPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;
  private closed = false;
  private startupFailures = 0;
  private broken: Error | null = null;

  constructor(
    readonly size: number,
    private readonly threads = 1,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const { path, execArgv } = workerEntry();
    const child = fork(path, [], {
      execArgv,
      env: { ...process.env, HEADROOM_THREADS: String(this.threads) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let onReady: () => void = () => {};
    const ready = new Promise<void>((r) => (onReady = r));
    const slot: Slot = { child, ready, started: false, busy: null };
    child.on('message', (msg: WorkerReply) => {
      if (msg.type === 'ready') {
        slot.started = true;
        this.startupFailures = 0;
        return onReady();
      }
      if (msg.type === 'result' && slot.busy && slot.busy.id === msg.id) {
        const b = slot.busy;
        slot.busy = null;
        b.resolve(msg.result);
        this.waiting.shift()?.();
      }
    });
    child.on('exit', (code, signal) => {
      onReady();
      const b = slot.busy;
      slot.busy = null;
      if (this.closed) {
        b?.resolve('cancelled');
        return;
      }
      if (!slot.started && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
        this.broken = new Error(
          `search workers exit before they start (${signal ?? `code ${code}`}, ${this.startupFailures} times in a row); see their error above`,
        );
        b?.reject(this.broken);
        for (const w of this.waiting.splice(0)) w();
        return;
      }
      if (b) {
        b.resolve({
          config: {} as RunResult['config'],
          status: 'failed',
          error: `worker exited (${signal ?? `code ${code}`}) while training ${b.cfgLabel}`,
          epochs: [],
          final: { valAcc: NaN, secondsPerEpoch: NaN },
        });
      }
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots[i] = this.spawn();
      this.waiting.shift()?.();
    });
    child.on('error', () => {});
    return slot;
  }

  /** Runs one request on the next free worker. */
  async request(make: (id: number) => WorkerRequest, label: string): Promise<RunResult | 'cancelled'> {
    for (;;) {
      if (this.broken) throw this.broken;
      if (this.closed) return 'cancelled';
      const slot = this.slots.find((s) => !s.busy);
      if (slot) {
        const id = this.nextId++;
        return new Promise<RunResult | 'cancelled'>((resolve, reject) => {
          slot.busy = { id, resolve, reject, cfgLabel: label };
          void slot.ready.then(() => {
            if (this.closed || slot.busy?.id !== id) return;
            slot.child.send(make(id));
          });
        });
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const exits = this.slots.map(
      (s) =>
        new Promise<void>((r) => {
          if (s.child.exitCode !== null || s.child.signalCode !== null) return r();
          s.child.once('exit', () => r());
          if (s.busy) s.child.kill('SIGKILL');
          else if (s.child.connected) s.child.disconnect();
          else s.child.kill('SIGKILL');
        }),
    );
    for (const w of this.waiting.splice(0)) w();
    await Promise.all(exits);
  }
}

/** The driver's executor over a process pool. */
export class ProcessExecutor implements Executor {
  readonly pool: ProcessPool;
  constructor(readonly size: number) {
    this.pool = new ProcessPool(size);
  }
  async run(job: TrialJob): Promise<RungMetrics | 'cancelled'> {
    const r = await this.pool.request(
      (id) => ({ type: 'trial', id, job }),
      `trial ${job.number} rung ${job.rung}`,
    );
    return r === 'cancelled' ? r : rungMetricsOf(r);
  }
  close(): Promise<void> {
    return this.pool.close();
  }
}
