import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FitModel, SideRun, TorchEpochs } from '../../bench/fit-bench.js';
import { describeCandidates, findTorchPython, SYSTEM_PYTHON, type FoundPython } from '../../bench/python.js';
import type { BenchOp } from '../../bench/workloads.js';
import { median } from '../../stats/index.js';
import { intOption, parseArgs, UsageError } from '../args.js';

const HELP = `usage: headroom bench [--quick] [--json] [--threads N] [--device cpu|cuda] [--clock wall|cpu] [--rounds N]
                      [--malloc tuned|default] [--memory [--steps N]] [--fit [--epochs N]]

Trains the Keras MLP and CNN on MNIST-shaped random data (batch 128, the Keras optimizers) in headroom and in PyTorch
(bench/torch_reference.py, kept running), alternating short timing windows — torch, headroom, headroom, torch, … —
with the same threads and OpenBLAS settings, and reports each side's best window. Also times matmul at 1024³ against
torch.mm and the per-call overhead of a tiny op.

PyTorch runs under the first of HEADROOM_PYTHON, ${SYSTEM_PYTHON}, python3 on PATH that can import torch; when none
can and bench runs as root, it installs Debian's python3-torch (apt-get, for ${SYSTEM_PYTHON}). Without PyTorch the
headroom side still runs and the torch column stays empty.

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
  --memory      instead: train keras-mlp for --steps steps (default 5000) and report RSS at start and end
  --fit         instead: time whole epochs of the real training path — fit() with MNIST, keras-mlp and keras-cnn, the
                model's own optimizer and batch size: device upload, shuffled batches, training, then validation and
                test accuracy every epoch — against the same epoch as a plain PyTorch loop (data as device tensors,
                a shuffled permutation per epoch, batches by index_select, softmax-argmax accuracy), both on the exact
                split headroom writes to a temp folder. The sides take turns epoch by epoch (headroom, torch, headroom,
                … or torch first, alternating by model and round); each run starts with 1 warm-up epoch per side
                (discarded), then --epochs timed ones. Reported: the fastest timed epoch per side (the median too with
                --json), ratio = torch s/epoch ÷ headroom s/epoch (> 1: headroom is faster, as in the other rows), the
                last epoch's accuracies as a sanity check, and how much CPU other processes took meanwhile. Sizes
                (train/val/test): keras-mlp 8192/1000/2000 and keras-cnn 1024/250/500 with --quick (about a minute
                on 2 idle cores), else 27000/3000/5000 and 5400/600/1000. --rounds: fit() runs per model (default 1
                with --quick, else 2); --json prints {"fit":{"keras-mlp":{"headroom","torch","ratio","detail"},
                "keras-cnn":{…}},…} in seconds per epoch
  --epochs N    with --fit: timed epochs per run (default 3)
  --population  instead: rung-0 candidate evaluations per hour (keras-mlp, 10,000 MNIST examples, 2 epochs, the real
                fit() path) when K candidates train as one fused model, for K = 1, 8, 32, 128 (1, 8, 32 with --quick),
                and the ratio against K = 1; each K alternates with K = 1 over --rounds runs (default 2, 1 with
                --quick), best kept. --json prints {"population":{"device","rows":[{"k","seconds","evaluationsPerHour",
                "ratio","ok"}]}}`;

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
  fit: { type: 'boolean' },
  epochs: { type: 'string' },
  population: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const REFERENCE = join(ROOT, 'bench', 'torch_reference.py');

function log(json: boolean, msg: string): void {
  if (!json) process.stderr.write(`${msg}\n`);
}

/**
 * A Python that can import torch (see findTorchPython for the order), or why there is none. Debian's python3-torch is
 * the fallback: installed when nothing is found and we may (root); it lands in the system python.
 */
function ensureTorch(json: boolean): { python: FoundPython } | { problem: string } {
  const found = findTorchPython();
  if (found !== null) return { python: found };
  const tried = describeCandidates();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root)
    return {
      problem:
        `PyTorch not found (tried ${tried}); set HEADROOM_PYTHON to a python with torch, or ` +
        `'sudo apt-get install python3-torch', to compare.`,
    };
  log(
    json,
    `bench: no PyTorch (tried ${tried}); installing python3-torch (apt-get) for the PyTorch reference …`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch'], { stdio: 'ignore', env });
  const after = r.status === 0 ? findTorchPython() : null;
  if (after === null)
    return { problem: 'apt-get install python3-torch failed; the PyTorch side is skipped.' };
  return { python: after };
}

/** The PyTorch reference as a child process answering one timing request per line (bench/torch_reference.py --serve). */
class TorchServer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';

  constructor(python: string, threads: number, device: string, warmup: number, clock: string) {
    const args = [
      REFERENCE,
      '--serve',
      `--threads=${threads}`,
      `--device=${device}`,
      `--warmup=${warmup}`,
      `--clock=${clock}`,
    ];
    // process.env already carries the thread and OpenBLAS variables headroom's side runs with.
    this.#child = spawn(python, args, { env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
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
  // --rounds counts timing windows for the default bench, fit() runs per side and model for --fit.
  const rounds = intOption('bench', 'rounds', values.rounds, values.fit ? (quick ? 1 : 2) : quick ? 5 : 6, 1);
  const fitEpochs = intOption('bench', 'epochs', values.epochs, 3, 1);
  if ([values.fit, values.memory, values.population].filter(Boolean).length > 1)
    throw new UsageError('bench: --fit, --memory and --population are separate benches; pick one.');
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

  if (values.population) {
    const { benchPopulation } = await import('../../bench/population.js');
    log(json, `bench --population: keras-mlp rung 0, ${got} threads, ${device}, ${mallocLabel()}`);
    const rows = await benchPopulation({
      device,
      ks: quick ? [1, 8, 32] : [1, 8, 32, 128],
      rounds: values.rounds === undefined ? (quick ? 1 : 2) : rounds,
      log: (line) => log(json, `  ${line}`),
    });
    if (json) console.log(JSON.stringify({ population: { device, threads: got, rows } }));
    else
      for (const r of rows)
        console.log(
          `K=${String(r.k).padEnd(4)} ${Math.round(r.evaluationsPerHour).toString().padStart(8)} evaluations/h  ${r.ratio.toFixed(2)}× K=1  (${r.ok}/${r.k} ok)`,
        );
    return 0;
  }

  if (values.fit) {
    return runFitBench({ json, quick, threads: got, device, clock, rounds, epochs: fitEpochs, coretype });
  }

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

  const torch = ensureTorch(json);
  if ('problem' in torch) log(json, `bench: ${torch.problem}`);
  else log(json, `bench: PyTorch reference under ${torch.python.executable} (${torch.python.source})`);

  const t0 = performance.now();
  // --quick promises < 90 s from the command's start (process.uptime() includes start-up): no new round that would
  // likely end past 80 s.
  const budgetS = quick ? 80 : Infinity;
  const ops: BenchOp[] = ['mlp', 'cnn', 'matmul', 'overhead'];
  const hs: Record<BenchOp, number[]> = { mlp: [], cnn: [], matmul: [], overhead: [] };
  const ts: Record<BenchOp, number[]> = { mlp: [], cnn: [], matmul: [], overhead: [] };
  const server =
    'python' in torch ? new TorchServer(torch.python.command, got, device, plan.warmup, clock) : null;
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

/** CPU time all processes have spent (user, nice, system, irq; summed over cores) since boot, in ms. */
function machineBusyMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

interface FitBenchArgs {
  json: boolean;
  quick: boolean;
  threads: number;
  device: 'cpu' | 'cuda';
  clock: 'wall' | 'cpu';
  rounds: number;
  epochs: number;
  coretype: string;
}

interface FitSide {
  /** The fastest timed epoch in seconds (the headline, as the best window is above); null when the side failed. */
  seconds: number | null;
  median: number | null;
  /** Every timed epoch, in order, over all rounds. */
  all: number[];
  valAcc: number | null;
  testAcc: number | null;
  error?: string;
}

/**
 * Pools a side's runs over every timed epoch of every round. The headline is the fastest epoch: other work on the
 * machine only ever adds time, so the minimum is the steadiest estimate of what the code costs (the median is kept
 * beside it). Accuracies are the last run's.
 */
function pool(runs: SideRun[]): FitSide {
  const failed = runs.find((r) => r.error !== undefined);
  const last = runs[runs.length - 1];
  const acc = (x: number | undefined): number | null => (x === undefined || !Number.isFinite(x) ? null : x);
  const all = runs.flatMap((r) => r.seconds);
  const out: FitSide = {
    seconds: failed === undefined ? best(all, 'min') : null,
    median: failed === undefined ? median(all) : null,
    all,
    valAcc: acc(last?.valAcc),
    testAcc: acc(last?.testAcc),
  };
  if (failed?.error !== undefined) out.error = failed.error;
  return out;
}

/** `bench --fit`: see HELP. Both sides of one model never run at the same time (each would steal the other's cores). */
async function runFitBench(a: FitBenchArgs): Promise<number> {
  const fb = await import('../../bench/fit-bench.js');
  const { writeSplitFiles } = await import('../../bench/fit-data.js');
  const torch = ensureTorch(a.json);
  if ('problem' in torch) log(a.json, `bench: ${torch.problem}`);
  else log(a.json, `bench: PyTorch reference under ${torch.python.executable} (${torch.python.source})`);
  const warmup = 1;
  // Other work on the machine skews whole-epoch times far more than the short windows above (one busy core stalls
  // every parallel region of a 2-thread epoch), so the run reports how much CPU others took meanwhile: the machine's
  // busy time less this process's and the torch children's own.
  const busy0 = machineBusyMs();
  const own0 = process.cpuUsage();
  let childCpuS = 0;
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-fit-'));
  const rows: Array<{
    model: FitModel;
    sizes: { train: number; val: number; test: number };
    h: FitSide;
    t: FitSide;
  }> = [];
  let torchVersion = '';
  log(
    a.json,
    `bench --fit: ${a.threads} threads, ${a.device}, OPENBLAS_CORETYPE=${a.coretype}, ${mallocLabel()}, ` +
      `${a.clock} clock, ${a.rounds} round${a.rounds === 1 ? '' : 's'} × (${warmup} warm-up + ${a.epochs} timed epochs) per side`,
  );
  try {
    for (const [i, model] of fb.FIT_MODELS.entries()) {
      const opts = {
        model,
        sizes: fb.fitSizes(model, a.quick),
        device: a.device,
        threads: a.threads,
        epochs: a.epochs,
        warmup,
        clock: a.clock,
        seed: 0,
      };
      const cfg = fb.fitConfig(opts);
      const data = await fb.loadFitData(cfg, opts.sizes);
      // The PyTorch side reads exactly these arrays (the split fit() gets as deps.data).
      const manifest = writeSplitFiles(join(dir, model), data);
      const sizes = { train: data.train.n, val: data.val.n, test: data.test.n };
      const hs: SideRun[] = [];
      const ts: SideRun[] = [];
      for (let r = 0; r < a.rounds; r++) {
        let te: TorchEpochs | null = null;
        let torchError: string | undefined;
        if (!('problem' in torch)) {
          try {
            const args = {
              python: torch.python.command,
              reference: REFERENCE,
              manifest,
              cfg,
              clock: a.clock,
              dir,
            };
            te = await fb.TorchEpochs.start(args);
            torchVersion = te.torchVersion || torchVersion;
          } catch (e) {
            torchError = e instanceof Error ? e.message : String(e);
          }
        }
        let got: { headroom: SideRun; torch: SideRun | null };
        try {
          // Which side opens the round alternates by model and round, so neither always follows the other.
          const torchFirst = (r + i) % 2 === 0;
          got = await fb.interleavedFit({ cfg, data, warmup, clock: a.clock, torch: te, torchFirst });
        } finally {
          if (te !== null) {
            const c = await te.close();
            childCpuS += c.cpuSeconds;
            torchError ??= c.error;
          }
        }
        hs.push(got.headroom);
        const t = got.torch ?? { seconds: [], valAcc: NaN, testAcc: NaN };
        // The child's own last words say more than "it stopped".
        if (torchError !== undefined && (got.torch === null || t.error !== undefined)) t.error = torchError;
        if (!('problem' in torch)) ts.push(t);
        const s = (x: SideRun | undefined): string =>
          x === undefined
            ? '—'
            : x.error !== undefined
              ? 'failed'
              : `${x.seconds.map((v) => v.toFixed(3)).join(' ')} s`;
        log(
          a.json,
          `  ${model} round ${r + 1}: headroom ${s(hs[hs.length - 1])}, torch ${s(ts[ts.length - 1])}`,
        );
      }
      rows.push({ model, sizes, h: pool(hs), t: pool(ts) });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const otherMs = machineBusyMs() - busy0 - (own.user + own.system) / 1000 - childCpuS * 1000;
  const otherPct = Math.max(0, Math.round((100 * otherMs) / (seconds * 1000 * cpus().length)));
  const busy = otherPct > 10;
  const ratioOf = (row: (typeof rows)[number]): number | null =>
    row.h.seconds === null || row.t.seconds === null ? null : row.t.seconds / row.h.seconds;

  if (a.json) {
    const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e4) / 1e4);
    const side = (f: FitSide) => ({
      best: r4(f.seconds),
      median: r4(f.median),
      epochs: f.all.map(r4),
      val_acc: r4(f.valAcc),
      test_acc: r4(f.testAcc),
      ...(f.error !== undefined ? { error: f.error } : {}),
    });
    const fit: Record<string, unknown> = {};
    for (const row of rows) {
      fit[row.model] = {
        headroom: r4(row.h.seconds),
        torch: r4(row.t.seconds),
        ratio: round3(ratioOf(row)),
        detail: { headroom: side(row.h), torch: side(row.t), sizes: row.sizes },
      };
    }
    console.log(
      JSON.stringify({
        fit,
        unit: 'seconds per epoch (fastest timed epoch)',
        threads: a.threads,
        device: a.device,
        malloc: process.env.MALLOC_MMAP_THRESHOLD_ === undefined ? 'default' : 'tuned',
        ...(torchVersion ? { torch_version: torchVersion } : {}),
        ...('problem' in torch ? { torch_problem: torch.problem } : {}),
        other_cpu_pct: otherPct,
      }),
    );
    return 0;
  }
  const accs = (f: FitSide): string => `${fmt(f.valAcc, 3)}/${fmt(f.testAcc, 3)}`;
  console.log(
    `headroom bench --fit — ${a.threads} thread${a.threads === 1 ? '' : 's'}, ${a.device}, ` +
      `OPENBLAS_CORETYPE=${a.coretype}, ${mallocLabel()}${torchVersion ? `, torch ${torchVersion}` : ''}` +
      `${a.clock === 'cpu' ? ', CPU-time clock' : ''}; fastest of ${rows[0]?.h.all.length ?? 0} timed epochs per side (median in --json), warm-up discarded`,
  );
  console.log(
    `${'model (train/val/test)'.padEnd(30)}${'headroom'.padStart(12)}${'torch'.padStart(10)}${'ratio'.padStart(8)}` +
      `   accuracy val/test: headroom, torch`,
  );
  for (const row of rows) {
    const name = `${row.model} (${row.sizes.train}/${row.sizes.val}/${row.sizes.test})`;
    console.log(
      `${name.padEnd(30)}${`${fmt(row.h.seconds, 3)} s`.padStart(12)}${fmt(row.t.seconds, 3).padStart(10)}` +
        `${fmt(ratioOf(row), 2).padStart(8)}   ${accs(row.h)}, ${accs(row.t)}`,
    );
    if (row.h.error !== undefined) console.log(`  headroom failed: ${row.h.error}`);
    if (row.t.error !== undefined) console.log(`  torch failed: ${row.t.error}`);
  }
  if ('problem' in torch) console.log(`(torch: ${torch.problem})`);
  console.log(
    `(seconds per epoch; ratio = torch ÷ headroom, > 1: headroom is faster; other processes took ${otherPct}% of ` +
      `the CPUs${busy ? ' — a busy machine: these times are unreliable' : ''}; ${seconds.toFixed(1)} s)`,
  );
  return 0;
}
