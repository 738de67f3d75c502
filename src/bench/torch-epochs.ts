/**
 * The PyTorch side of `headroom bench --fit` as a child process that trains one epoch per request. No engine import:
 * tests drive it with a stand-in for the reference.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunConfig } from '../train/config.js';

export interface TorchFitArgs {
  python: string;
  reference: string;
  manifest: string;
  cfg: RunConfig;
  clock: 'wall' | 'cpu';
  /** A folder for the two FIFOs (removed by the caller). */
  dir: string;
}

/** One epoch's line from the reference, or its error. */
export interface TorchEpoch {
  seconds?: number;
  val_acc?: number;
  test_acc?: number;
  error?: string;
}

let fifoCount = 0;

/**
 * The PyTorch side as a child process that trains one epoch per request (`torch_reference.py --fit … --fifo`), so
 * its epochs can run in between fit()'s: epoch() blocks until the child has trained one. fit() calls its onEpoch hook
 * synchronously, so the request and the reply go through two FIFOs with blocking reads and writes instead of the
 * child's stdio pipes (which only the event loop, stopped while fit() runs, would service). Python's import and
 * the data upload happen in start(), outside every timed epoch.
 */
export class TorchEpochs {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  readonly #exited: Promise<number | null>;
  #stderr = '';
  #req = -1;
  #rep = -1;
  #pending = '';
  #dead = false;
  torchVersion = '';

  private constructor(a: TorchFitArgs, req: string, rep: string) {
    const { cfg } = a;
    const args = [
      a.reference,
      '--fit',
      a.manifest,
      `--model=${cfg.model}`,
      `--batch=${cfg.batchSize}`,
      `--optimizer=${JSON.stringify(cfg.optimizer)}`,
      `--threads=${cfg.threads ?? 1}`,
      `--device=${cfg.device}`,
      `--clock=${a.clock}`,
      `--seed=${cfg.seed}`,
      '--fifo',
      req,
      rep,
    ];
    // process.env already carries the thread, OpenBLAS and malloc variables headroom's side runs with.
    this.#child = spawn(a.python, args, { env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on('line', (l) => this.#lines.push(l));
    this.#exited = new Promise((resolve) => {
      this.#child.on('close', (code) => resolve(code));
      this.#child.on('error', () => resolve(null));
    });
  }

  /** Starts the child and waits until it has loaded the split and built the model (or failed: then it throws). */
  static async start(a: TorchFitArgs): Promise<TorchEpochs> {
    const id = fifoCount++;
    const req = join(a.dir, `torch-req-${id}`);
    const rep = join(a.dir, `torch-rep-${id}`);
    const mk = spawnSync('mkfifo', [req, rep], { encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(`mkfifo failed: ${mk.stderr?.trim() || String(mk.error)}`);
    // Holding the reply FIFO's read end first lets the child open its write end without blocking.
    const repProbe = openSync(rep, constants.O_RDONLY | constants.O_NONBLOCK);
    const t = new TorchEpochs(a, req, rep);
    try {
      const ready = await t.#firstLine();
      if (typeof ready.error === 'string') throw new Error(ready.error);
      if (ready.ready !== true) throw new Error(t.#why());
      t.torchVersion = typeof ready.torch_version === 'string' ? ready.torch_version : '';
      // Both opens return at once: the child holds the other end of each (it said ready only after opening them).
      t.#req = openSync(req, constants.O_WRONLY);
      t.#rep = openSync(rep, constants.O_RDONLY);
      return t;
    } catch (e) {
      await t.close();
      throw e;
    } finally {
      closeSync(repProbe);
    }
  }

  async #firstLine(): Promise<Record<string, unknown>> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        const r = parseLine(line);
        if (r !== null) return r;
        continue;
      }
      const exited = await Promise.race([this.#exited.then(() => true), sleep(20).then(() => false)]);
      if (exited && this.#lines.length === 0) return {};
    }
  }

  #why(): string {
    return this.#stderr.trim().split('\n').slice(-1)[0] || 'the PyTorch reference exited';
  }

  /** Trains one epoch in the child and returns its line; null once the child is gone (close() says why). */
  epoch(): TorchEpoch | null {
    if (this.#dead || this.#req < 0) return null;
    try {
      writeSync(this.#req, 'epoch\n');
      const buf = Buffer.alloc(4096);
      while (!this.#pending.includes('\n')) {
        const n = readSync(this.#rep, buf, 0, buf.length, null);
        if (n === 0) throw new Error('EOF');
        this.#pending += buf.toString('utf8', 0, n);
      }
    } catch {
      this.#dead = true;
      return null;
    }
    const at = this.#pending.indexOf('\n');
    const line = this.#pending.slice(0, at);
    this.#pending = this.#pending.slice(at + 1);
    return (parseLine(line) as TorchEpoch | null) ?? { error: `bad reply: ${line.slice(0, 200)}` };
  }

  /**
   * Ends the child (closing the request FIFO is its signal to stop) and returns its own CPU seconds, or the reason
   * it stopped early when it did.
   */
  async close(): Promise<{ cpuSeconds: number; error?: string }> {
    if (this.#req >= 0) closeSync(this.#req);
    this.#req = -1;
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.stdin.end();
    const code = await Promise.race([this.#exited, sleep(30_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') this.#child.kill();
    if (this.#rep >= 0) closeSync(this.#rep);
    this.#rep = -1;
    let cpuSeconds = 0;
    let error: string | undefined;
    for (const l of this.#lines) {
      const r = parseLine(l);
      if (r === null) continue;
      if (typeof r.cpu_s === 'number') cpuSeconds = r.cpu_s;
      if (typeof r.error === 'string') error = r.error;
    }
    if (error === undefined && code !== 0) error = this.#why();
    return error === undefined ? { cpuSeconds } : { cpuSeconds, error };
  }
}

function parseLine(line: string): Record<string, unknown> | null {
  if (line.trim() === '') return null;
  try {
    const r: unknown = JSON.parse(line);
    return r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : null;
  } catch {
    return null; // a stray print (a library warning on stdout) is not ours
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
