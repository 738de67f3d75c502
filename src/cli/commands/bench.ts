import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchOp } from '../../bench/workloads.js';
import { intOption, parseArgs, UsageError } from '../args.js';

const HELP = `usage: headroom bench [--quick] [--json] [--threads N] [--device cpu|cuda] [--clock wall|cpu] [--rounds N]
                      [--malloc tuned|default] [--memory [--steps N]]

Trains the Keras MLP and CNN on MNIST-shaped random data (batch 128, the Keras optimizers) in headroom and in PyTorch
(bench/torch_reference.py under /usr/bin/python3, kept running), alternating short timing windows — torch, headroom,
headroom, torch, … — with the same threads and OpenBLAS settings, and reports each side's best window. Also times
matmul at 1024³ against torch.mm and the per-call overhead of a tiny op.

  --quick       5 short rounds (under 90 s)
  --json        print one JSON line: {"mlp":{"headroom","torch","ratio"},"cnn":{…},"matmul":{…},"op_overhead_us":…}
  --threads N   intra-op threads for both sides (default: HEADROOM_THREADS, else all cores)
  --device D    cpu (default) or cuda
  --malloc M    tuned (default) or default: tuned runs both sides with MALLOC_MMAP_THRESHOLD_=32 MiB and
                MALLOC_TRIM_THRESHOLD_=256 MiB (glibc otherwise mmaps, trims and re-faults large tensor buffers every step,
                which makes the CNN 2–3× slower on both sides and its timing bimodal); default keeps glibc's settings
  --clock C     wall (default) or cpu: time windows by process CPU time instead (both sides; with --threads 1 this is
                steadier on a machine shared with other work)
  --rounds N    timing windows per side and workload (default 5 with --quick, else 6)
  --memory      instead: train keras-mlp for --steps steps (default 5000) and report RSS at start and end`;

const OPTIONS = {
  quick: { type: 'boolean' },
  json: { type: 'boolean' },
  threads: { type: 'string' },
  device: { type: 'string' },
  clock: { type: 'string' },
  malloc: { type: 'string' },
  rounds: { type: 'string' },
  memory: { type: 'boolean' },
  steps: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PYTHON = '/usr/bin/python3';
const REFERENCE = join(ROOT, 'bench', 'torch_reference.py');

function log(json: boolean, msg: string): void {
  if (!json) process.stderr.write(`${msg}\n`);
}

function hasTorch(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Debian's python3-torch is the reference; install it when missing and we may (root). */
function ensureTorch(json: boolean): string | null {
  if (hasTorch()) return null;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root)
    return `PyTorch not found for ${PYTHON}; install it with 'sudo apt-get install python3-torch' to compare.`;
  log(json, 'bench: installing python3-torch (apt-get) for the PyTorch reference …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch'], { stdio: 'ignore', env });
  if (r.status !== 0 || !hasTorch())
    return 'apt-get install python3-torch failed; the PyTorch side is skipped.';
  return null;
}

/** The PyTorch reference as a child process answering one timing request per line (bench/torch_reference.py --serve). */
class TorchServer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(threads: number, device: string, warmup: number, clock: string) {
    const args = [
      REFERENCE,
      '--serve',
      `--threads=${threads}`,
      `--device=${device}`,
      `--warmup=${warmup}`,
      `--clock=${clock}`,
    ];
    // process.env already carries the thread and OpenBLAS variables headroom's side runs with.
    this.#child = spawn(PYTHON, args, { env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-4000);
    });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  async #next(): Promise<Record<string, unknown>> {
    const r = await this.#lines.next();
    if (r.done === true) {
      const why = this.#stderr.trim().split('\n').slice(-1)[0] || 'it exited';
      throw new Error(`bench: the PyTorch reference stopped: ${why}`);
    }
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async ready(): Promise<{ torch_version: string; threads: number }> {
    const r = await this.#next();
    return { torch_version: String(r.torch_version), threads: Number(r.threads) };
  }

  async request(op: BenchOp, n: number): Promise<number> {
    this.#child.stdin.write(`${JSON.stringify({ op, n })}\n`);
    const r = await this.#next();
    if (typeof r.error === 'string')
      throw new Error(`bench: the PyTorch reference failed on ${op}: ${r.error}`);
    return Number(r.value);
  }

  close(): void {
    this.#child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
  }
}

function best(xs: number[], pick: 'max' | 'min'): number | null {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  return pick === 'max' ? Math.max(...v) : Math.min(...v);
}

const round3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);
const ratio = (h: number | null, t: number | null): number | null =>
  h === null || t === null ? null : h / t;

function fmt(x: number | null, digits = 0): string {
  return x === null
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** glibc malloc settings for --malloc tuned; read by glibc at process start, so they need a fresh process. */
const TUNED_MALLOC: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20),
};

/**
 * Re-runs this same command in a child node process with the tuned allocator settings (the torch reference inherits
 * them), unless the user set either variable or this is that child. Returns the child's exit code, or null to go on.
 */
function reexecWithMalloc(): number | null {
  if (process.env.HEADROOM_BENCH_REEXEC === '1') return null;
  if (Object.keys(TUNED_MALLOC).some((k) => process.env[k] !== undefined)) return null;
  const args = [...process.execArgv, process.argv[1], ...process.argv.slice(2)];
  const env = { ...process.env, ...TUNED_MALLOC, HEADROOM_BENCH_REEXEC: '1' };
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', env });
  if (r.error !== undefined) throw r.error;
  return r.status ?? 1;
}

function mallocLabel(): string {
  const v = (k: string): string => {
    const x = process.env[k];
    return x === undefined ? 'default' : `${Math.round(Number(x) / 2 ** 20)} MiB`;
  };
  return `malloc mmap/trim thresholds ${v('MALLOC_MMAP_THRESHOLD_')}/${v('MALLOC_TRIM_THRESHOLD_')}`;
}

/** Thread settings both sides must share; they have to be in the environment before libtorch/OpenBLAS load. */
function setThreadEnv(threads: number): void {
  process.env.OMP_NUM_THREADS = String(threads);
  process.env.OPENBLAS_NUM_THREADS = String(threads);
  process.env.MKL_NUM_THREADS = String(threads);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs('bench', argv, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const json = values.json ?? false;
  const quick = values.quick ?? false;
  const envThreads = process.env.HEADROOM_THREADS;
  const threads = intOption('bench', 'threads', values.threads ?? envThreads, availableParallelism(), 1);
  const device = values.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda')
    throw new UsageError(`bench: --device must be cpu or cuda, got '${device}'.`);
  const malloc = values.malloc ?? 'tuned';
  if (malloc !== 'tuned' && malloc !== 'default')
    throw new UsageError(`bench: --malloc must be tuned or default, got '${malloc}'.`);
  if (malloc === 'tuned') {
    const code = reexecWithMalloc();
    if (code !== null) return code;
  }
  const clock = values.clock ?? 'wall';
  if (clock !== 'wall' && clock !== 'cpu')
    throw new UsageError(`bench: --clock must be wall or cpu, got '${clock}'.`);
  const rounds = intOption('bench', 'rounds', values.rounds, quick ? 5 : 6, 1);
  const memSteps = intOption('bench', 'steps', values.steps, 5000, 1);

  setThreadEnv(threads);
  // Loading the engine sets OPENBLAS_CORETYPE when the CPU needs it; the torch child inherits the same value.
  const engine = await import('../../engine/index.js');
  const w = await import('../../bench/workloads.js');
  if (device === 'cuda' && !engine.cuda.isAvailable())
    throw new UsageError('bench: --device cuda, but this libtorch sees no CUDA device.');

  const plan = { device, clock, threads, batch: 128, warmup: 3, seed: 0 } as const;
  // Steps (or reps, or calls) per timing window; short windows alternated between the sides, best window wins.
  const windows: Record<BenchOp, number> = quick
    ? { mlp: 80, cnn: 12, matmul: 8, overhead: 20000 }
    : { mlp: 150, cnn: 20, matmul: 20, overhead: 100000 };
  const got = w.configure(plan);
  const coretype = process.env.OPENBLAS_CORETYPE ?? '(auto)';

  if (values.memory) {
    log(
      json,
      `bench --memory: keras-mlp, ${memSteps} steps, batch 128, ${got} threads, ${device}, ${mallocLabel()}`,
    );
    const m = w.memoryCheck(plan, memSteps, (i, rss) => log(json, `  step ${i}: RSS ${rss.toFixed(1)} MB`));
    const flat = Math.abs(m.growthPct) <= 5;
    const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
    if (json) {
      console.log(JSON.stringify({ memory: { ...m, flat } }));
    } else {
      console.log(
        `RSS: start ${m.rssStartMb.toFixed(1)} MB, at 10% ${m.rssWarmMb.toFixed(1)} MB, halfway ${m.rssMidMb.toFixed(1)} MB, ` +
          `after ${m.steps} steps ${m.rssEndMb.toFixed(1)} MB, highest sample ${m.rssMaxMb.toFixed(1)} MB`,
      );
      console.log(
        `second half: ${pct(m.growthPct)} (${flat ? 'flat' : 'NOT flat'} within 5%); from 10%: ${pct(m.growthFromWarmPct)}`,
      );
      console.log(`live tensors: ${m.liveTensorsWarm} at 10%, ${m.liveTensorsEnd} at the end`);
      console.log(`throughput: ${fmt(m.examplesPerSecond)} examples/s`);
    }
    return 0;
  }

  const torchProblem = ensureTorch(json);
  if (torchProblem !== null) log(json, `bench: ${torchProblem}`);

  const t0 = performance.now();
  // --quick promises < 90 s from the command's start (process.uptime() includes start-up): no new round that would
  // likely end past 80 s.
  const budgetS = quick ? 80 : Infinity;
  const ops: BenchOp[] = ['mlp', 'cnn', 'matmul', 'overhead'];
  const hs: Record<BenchOp, number[]> = { mlp: [], cnn: [], matmul: [], overhead: [] };
  const ts: Record<BenchOp, number[]> = { mlp: [], cnn: [], matmul: [], overhead: [] };
  const server = torchProblem === null ? new TorchServer(got, device, plan.warmup, clock) : null;
  const hb = new w.HeadroomBench(plan);
  let torchVersion = '';
  let done = 0;
  try {
    if (server !== null) torchVersion = (await server.ready()).torch_version;
    log(
      json,
      `bench: ${got} threads, ${device}, OPENBLAS_CORETYPE=${coretype}, ${mallocLabel()}, ${clock} clock, ` +
        `${rounds} rounds, alternating sides`,
    );
    for (let r = 0; r < rounds; r++) {
      const perRound = (performance.now() - t0) / 1000 / Math.max(1, r);
      if (r > 0 && process.uptime() + perRound > budgetS) break;
      for (const op of ops) {
        // Alternate which side goes first so neither always runs right after the other's cache or thermal state.
        const torchFirst = r % 2 === 0;
        if (torchFirst && server !== null) ts[op].push(await server.request(op, windows[op]));
        hs[op].push(hb.request(op, windows[op]));
        if (!torchFirst && server !== null) ts[op].push(await server.request(op, windows[op]));
      }
      done++;
      log(
        json,
        `  round ${r + 1}: mlp ${fmt(hs.mlp[r])} vs ${fmt(ts.mlp[r] ?? null)} ex/s, ` +
          `cnn ${fmt(hs.cnn[r])} vs ${fmt(ts.cnn[r] ?? null)} ex/s`,
      );
    }
  } finally {
    server?.close();
    hb.dispose();
  }

  const row = (k: BenchOp, pick: 'max' | 'min') => {
    const h = best(hs[k], pick);
    const t = best(ts[k], pick);
    return { headroom: h, torch: t, ratio: ratio(h, t) };
  };
  const mlp = row('mlp', 'max');
  const cnn = row('cnn', 'max');
  const mm = row('matmul', 'max');
  const oh = row('overhead', 'min');
  const seconds = (performance.now() - t0) / 1000;

  if (json) {
    const r3 = (o: { headroom: number | null; torch: number | null; ratio: number | null }) => ({
      headroom: round3(o.headroom),
      torch: round3(o.torch),
      ratio: round3(o.ratio),
    });
    console.log(
      JSON.stringify({
        mlp: r3(mlp),
        cnn: r3(cnn),
        matmul: r3(mm),
        op_overhead_us: round3(oh.headroom),
        torch_op_overhead_us: round3(oh.torch),
        threads: got,
        device,
        malloc: process.env.MALLOC_MMAP_THRESHOLD_ === undefined ? 'default' : 'tuned',
      }),
    );
    return 0;
  }
  const line = (
    name: string,
    unit: string,
    o: { headroom: number | null; torch: number | null; ratio: number | null },
    d = 0,
  ) =>
    `${name.padEnd(16)}${`${fmt(o.headroom, d)} ${unit}`.padStart(18)}${fmt(o.torch, d).padStart(12)}${fmt(o.ratio, 2).padStart(8)}`;
  console.log(
    `headroom bench — ${got} thread${got === 1 ? '' : 's'}, ${device}, OPENBLAS_CORETYPE=${coretype}, ${mallocLabel()}` +
      `${torchVersion ? `, torch ${torchVersion}` : ''}${clock === 'cpu' ? ', CPU-time clock' : ''}; best of ${done} window${done === 1 ? '' : 's'} per side`,
  );
  console.log(`${''.padEnd(16)}${'headroom'.padStart(18)}${'torch'.padStart(12)}${'ratio'.padStart(8)}`);
  console.log(line('keras-mlp', 'ex/s', mlp));
  console.log(line('keras-cnn', 'ex/s', cnn));
  console.log(line('matmul 1024³', 'GFLOP/s', mm, 1));
  console.log(
    `${'op overhead'.padEnd(16)}${`${fmt(oh.headroom, 2)} µs`.padStart(18)}${fmt(oh.torch, 2).padStart(12)}   (tiny add; torch from Python)`,
  );
  console.log(`(${seconds.toFixed(1)} s)`);
  return 0;
}
