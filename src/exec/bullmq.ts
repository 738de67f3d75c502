// Training jobs through BullMQ on Redis: the driver adds one queue job per TrainJob (jobId = the job's id, so adding
// twice is harmless) and hears progress and results through QueueEvents; workers anywhere take jobs and train them in
// forked processes through the one worker entry. The driver stays the only writer of the store; workers never see it.
import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Device } from '../engine/index.js';
import type { RunResult } from '../train/config.js';
import type { Executor, Slot } from './executor.js';
import { ForkExecutor } from './fork.js';
import { configFor, failedResult, type JobEvent, type TrainJob } from './job.js';
import { parsePayload, payloadOf, PayloadError, PROTOCOL_VERSION } from './payload.js';
import { planSlots } from './slots.js';

/** One queue per device: a job is trained where it says, by a worker that has that device. */
export function queueName(device: Device): string {
  return `headroom-${device}`;
}

/** A queue job is tried this often (its training process or its worker died) before it counts as failed. */
const ATTEMPTS = 3;
/** Finished jobs stay in Redis this long, so a driver that died can still collect results when it resumes. */
const KEEP_SECONDS = 7 * 24 * 3600;
/** How often outstanding jobs' states are read directly, in case an event was missed (a Redis restart). */
const POLL_MS = 3000;

export class QueueUnreachableError extends Error {
  readonly exitCode = 2;
  constructor(url: string, why: string) {
    super(
      `cannot reach Redis at ${redactUrl(url)} (${why}); start it (e.g. 'redis-server') or fix --queue/--redis`,
    );
    this.name = 'QueueUnreachableError';
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * A connection that waits for Redis rather than failing commands while it is restarted (BullMQ's workers require
 * maxRetriesPerRequest: null), after checking once that it answers at all.
 */
export async function connectRedis(url: string, timeoutMs = 5000): Promise<Redis> {
  if (!/^rediss?:\/\//.test(url))
    throw new QueueUnreachableError(url, 'the URL must start with redis:// or rediss://');
  const conn = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  let lastError = '';
  conn.on('error', (e: Error) => {
    lastError = e.message;
  });
  const timer = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new QueueUnreachableError(url, lastError || `no answer in ${timeoutMs} ms`)),
      timeoutMs,
    ).unref(),
  );
  try {
    await Promise.race([conn.connect().then(() => conn.ping()), timer]);
  } catch (e) {
    conn.disconnect();
    throw e instanceof QueueUnreachableError ? e : new QueueUnreachableError(url, (e as Error).message);
  }
  return conn;
}

interface Waiter {
  job: TrainJob;
  onEvent?: (e: JobEvent) => void;
  resolve: (r: RunResult[] | 'cancelled') => void;
  reject: (e: Error) => void;
}

/**
 * The driver's side. `slots` is how many jobs a caller that paces itself (the search driver) keeps in flight; a grid
 * queues all its jobs at once and the workers take them in order.
 */
export class BullMqExecutor implements Executor {
  readonly slots: readonly Slot[];
  readonly #queue: Queue;
  readonly #events: QueueEvents;
  readonly #connections: Redis[];
  readonly #waiters = new Map<string, Waiter>();
  readonly #badResults = new Map<string, number>();
  readonly #poll: NodeJS.Timeout;
  #closed = false;

  private constructor(device: Device, slots: number, queueConn: Redis, eventsConn: Redis) {
    this.slots = Array.from({ length: slots }, () => ({ device, threads: 1 }));
    this.#connections = [queueConn, eventsConn];
    const name = queueName(device);
    this.#queue = new Queue(name, { connection: queueConn });
    this.#events = new QueueEvents(name, { connection: eventsConn });
    this.#events.on('progress', ({ jobId, data }) => {
      const w = this.#waiters.get(jobId);
      if (w && typeof data === 'object') w.onEvent?.(data as unknown as JobEvent);
    });
    this.#events.on('completed', ({ jobId }) => void this.#settle(jobId));
    this.#events.on('failed', ({ jobId }) => void this.#settle(jobId));
    this.#poll = setInterval(() => {
      for (const id of this.#waiters.keys()) void this.#settle(id);
    }, POLL_MS);
  }

  static async open(url: string, opts: { device: Device; slots: number }): Promise<BullMqExecutor> {
    const queueConn = await connectRedis(url);
    const eventsConn = queueConn.duplicate();
    const ex = new BullMqExecutor(opts.device, opts.slots, queueConn, eventsConn);
    await ex.#events.waitUntilReady();
    return ex;
  }

  submit(job: TrainJob, onEvent?: (e: JobEvent) => void): Promise<RunResult[] | 'cancelled'> {
    if (this.#closed) return Promise.resolve('cancelled');
    return new Promise((resolve, reject) => {
      this.#waiters.set(job.id, { job, onEvent, resolve, reject });
      this.#add(job).catch((e: Error) => this.#finish(job.id, () => reject(e)));
    });
  }

  async #add(job: TrainJob): Promise<void> {
    await this.#queue.add('train', payloadOf(job), {
      jobId: job.id,
      attempts: ATTEMPTS,
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    });
    // The id may already be known: finished while its driver was away (collect it), or failed in an earlier session
    // (a new submission means: try again).
    const existing = await Job.fromId(this.#queue, job.id);
    if (existing && (await existing.getState()) === 'failed') await existing.retry('failed');
    await this.#settle(job.id);
  }

  async #settle(id: string): Promise<void> {
    const w = this.#waiters.get(id);
    if (!w || this.#closed) return;
    const j = await Job.fromId(this.#queue, id);
    if (!j) return;
    const state = await j.getState();
    if (state === 'completed') {
      const value: unknown = typeof j.returnvalue === 'string' ? JSON.parse(j.returnvalue) : j.returnvalue;
      if (!Array.isArray(value) || value.length !== w.job.heads.length) {
        // Not one result per head: never record that. Wait for the next poll, then give up on this copy of the job.
        const seen = (this.#badResults.get(id) ?? 0) + 1;
        this.#badResults.set(id, seen);
        if (seen < 3) return;
        const why = `the queue holds no usable result for it (${String(JSON.stringify(value)).slice(0, 40)})`;
        const failed = w.job.heads.map((_, i) => failedResult(configFor(w.job, i), why));
        return this.#finish(id, () => w.resolve(failed));
      }
      const results = value as RunResult[];
      this.#finish(id, () => {
        w.onEvent?.({ type: 'finished', jobId: id, results });
        w.resolve(results);
      });
    } else if (state === 'failed') {
      const why = `failed on its worker: ${j.failedReason}`;
      const results = w.job.heads.map((_, i) => failedResult(configFor(w.job, i), why));
      this.#finish(id, () => w.resolve(results));
    }
  }

  #finish(id: string, settle: () => void): void {
    if (!this.#waiters.has(id)) return;
    this.#waiters.delete(id);
    settle();
  }

  /** Stops waiting (jobs stay queued for workers and for a later run of the same command, which collects them). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    for (const w of this.#waiters.values()) w.resolve('cancelled');
    this.#waiters.clear();
    await this.#events.close();
    await this.#queue.close();
    for (const c of this.#connections) c.disconnect();
  }
}

export interface QueueWorkerOptions {
  url: string;
  device: Device;
  slots: number;
  threads: number;
  /** How long a job's lock lasts without renewal: a worker silent this long is taken for dead and its job requeued. */
  lockMs?: number;
  log?: (line: string) => void;
}

/**
 * The worker's side: takes jobs from its device's queue, `slots` at a time, trains each in a forked process (so this
 * event loop keeps renewing the job's lock during long steps), forwards epoch events, returns the results. Runs until
 * closed; a job whose training process died is thrown back to the queue.
 */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<{ close(): Promise<void> }> {
  const log = opts.log ?? (() => {});
  const conn = await connectRedis(opts.url);
  const executor = new ForkExecutor(planSlots(opts.slots, opts.device, opts.threads));
  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker(
    queueName(opts.device),
    async (queued: Job) => {
      let job: TrainJob;
      try {
        job = parsePayload(queued.data);
      } catch (e) {
        // Malformed or foreign jobs fail at once (no retries); the worker lives on.
        throw new UnrecoverableError((e as PayloadError).message);
      }
      const r = await executor.submit(job, (e) => {
        if (e.type !== 'finished') void queued.updateProgress(e as unknown as object).catch(() => {});
      });
      if (r === 'cancelled') throw new Error('its training process died; the job goes back to the queue');
      if (!Array.isArray(r) || r.length !== job.heads.length)
        throw new Error(`its training process returned no result for each of its ${job.heads.length} heads`);
      return r;
    },
    {
      connection: conn,
      concurrency: opts.slots,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: ATTEMPTS,
    },
  );
  worker.on('failed', (j, err) => log(`job ${j?.id ?? '?'} failed: ${err.message}`));
  worker.on('completed', (j) => log(`job ${j.id} done`));
  worker.on('error', (err) => log(`queue: ${err.message}`));
  await worker.waitUntilReady();
  log(
    `headroom worker (queue protocol ${PROTOCOL_VERSION}) on ${queueName(opts.device)} at ${redactUrl(opts.url)}: ${opts.slots} slot(s), ${opts.threads} thread(s) each`,
  );
  return {
    close: async () => {
      await worker.close(true);
      await executor.close();
      conn.disconnect();
    },
  };
}
