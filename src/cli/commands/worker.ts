import { availableParallelism } from 'node:os';
import { deviceOption, intOption, parseArgs, UsageError } from '../args.js';

const HELP = `usage: headroom worker --redis URL [--device auto|cpu|cuda] [--slots N] [--threads N] [--plugin FILE …]

A long-running training worker for 'compare', 'search' and 'confirm' run with --queue URL, on this or any machine
that reaches the same Redis. It takes jobs from the queue of its device (headroom-cpu or headroom-cuda), trains each
in a forked process (the same worker entry as local runs), sends epoch events, and returns the results; the driver
that submitted them stores them. It never opens a database. Stop it with Ctrl-C; a job it was training goes back to
the queue for another worker.

options:
  --redis URL     redis://[user:password@]host:port[/db] or rediss:// (TLS)                     (required)
  --device D      auto | cpu | cuda: which queue to serve (auto: cuda when libtorch sees a GPU)  [auto]
  --slots N       jobs trained at once; on CUDA, slot i uses GPU i mod #GPUs     [cores on cpu, 1 per GPU]
  --threads N     libtorch threads per slot                                                    [1]
  --lock-ms N     a job whose worker is silent this long is given to another worker            [30000]
  --quiet         no log line per job
  --plugin FILE   load the heads, datasets and models a module defines, for jobs that name them; give the same
                  plugins as the driver (repeatable; or HEADROOM_PLUGINS). A job naming a head this worker does not
                  know fails with 'unknown head'`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs('worker', argv, {
    redis: { type: 'string' },
    device: { type: 'string' },
    slots: { type: 'string' },
    threads: { type: 'string' },
    'lock-ms': { type: 'string' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const cmd = 'worker';
  if (positionals.length > 0)
    throw new UsageError(`worker: unexpected argument '${positionals[0]}'. See 'headroom worker --help'.`);
  if (!values.redis) throw new UsageError("worker: --redis URL is required. See 'headroom worker --help'.");
  if (!/^rediss?:\/\//.test(values.redis))
    throw new UsageError(`worker: --redis must be a redis:// or rediss:// URL, got '${values.redis}'.`);
  const device = deviceOption(cmd, values.device);
  const { cuda } = await import('../../engine/index.js');
  const defaultSlots = device === 'cuda' ? Math.max(1, cuda.deviceCount()) : availableParallelism();
  const slots = intOption(cmd, 'slots', values.slots, defaultSlots, 1);
  const threads = intOption(cmd, 'threads', values.threads, 1, 1);
  const lockMs = intOption(cmd, 'lock-ms', values['lock-ms'], 30_000, 1000);
  const { startQueueWorker } = await import('../../exec/bullmq.js');
  const log = values.quiet ? undefined : (line: string) => console.error(`worker: ${line}`);
  const worker = await startQueueWorker({ url: values.redis, device, slots, threads, lockMs, log });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log?.('stopping; jobs in progress go back to the queue');
  await worker.close();
  return 0;
}
