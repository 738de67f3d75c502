// `bench --population`: rung-0 candidate evaluations per hour when K candidates train as one fused model, against
// K = 1 (the plain fit() path), on real data through the real training code.
import { getHead, listHeads, type Head } from '../heads/index.js';
import { getModel } from '../nn/index.js';
import { fit, loadSplitsFor } from '../train/fit.js';
import { fitPopulation } from '../train/population.js';
import type { RunConfig } from '../train/config.js';
import type { Device } from '../engine/index.js';

export interface PopulationBenchRow {
  k: number;
  /** Wall seconds of one population job (one solo run for K = 1). */
  seconds: number;
  evaluationsPerHour: number;
  /** evaluationsPerHour against K = 1. */
  ratio: number;
  /** Members that ended ok (a check that the fused model trained). */
  ok: number;
}

export interface PopulationBenchOptions {
  device: Device;
  ks: number[];
  model?: string;
  /** The default search ladder's rung 0: keras-mlp on 10,000 MNIST examples for 2 epochs. */
  trainLimit?: number;
  epochs?: number;
  /** Timing rounds per K (best kept). */
  rounds?: number;
  log?: (line: string) => void;
}

/** The registry heads with a linear output layer, cycled through: candidates differ in the head, as in a search. */
function benchHeads(k: number): Head[] {
  const ids = listHeads()
    .map((h) => getHead(h.id))
    .filter((h) => h.outputLayer === 'linear')
    .map((h) => h.id);
  return Array.from({ length: k }, (_, i) => getHead(ids[i % ids.length]!));
}

export async function benchPopulation(opts: PopulationBenchOptions): Promise<PopulationBenchRow[]> {
  const model = opts.model ?? 'keras-mlp';
  const spec = getModel(model);
  const cfg: RunConfig = {
    dataset: 'mnist',
    model,
    head: 'softmax-ce',
    seed: 0,
    epochs: opts.epochs ?? 2,
    batchSize: spec.defaultBatchSize,
    optimizer: { ...spec.defaultOptimizer },
    trainLimit: opts.trainLimit ?? 10_000,
    valFraction: 0.1,
    device: opts.device,
    evalTest: false,
  };
  const data = await loadSplitsFor(cfg);
  await fit({ ...cfg, epochs: 1 }, { data }); // warm-up: allocator, kernels, data upload
  const timeOf = async (k: number): Promise<{ seconds: number; ok: number }> => {
    const heads = benchHeads(k);
    const cfgs = heads.map((h) => ({ ...cfg, head: h.id }));
    const t0 = performance.now();
    const results = k === 1 ? [await fit(cfgs[0]!, { data })] : await fitPopulation(cfgs, heads, { data });
    return {
      seconds: (performance.now() - t0) / 1000,
      ok: results.filter((r) => r.status === 'ok').length,
    };
  };
  // Each K is timed in alternation with K = 1 (solo, pop, solo, pop, …) and each side keeps its best round, so that
  // load from other work on the machine hits both sides alike.
  const rounds = Math.max(1, opts.rounds ?? 3);
  let soloBest = Infinity;
  const rows: PopulationBenchRow[] = [];
  for (const k of opts.ks) {
    let best = Infinity;
    let ok = 0;
    for (let r = 0; r < rounds; r++) {
      soloBest = Math.min(soloBest, (await timeOf(1)).seconds);
      if (k === 1) continue;
      const t = await timeOf(k);
      best = Math.min(best, t.seconds);
      ok = t.ok;
    }
    if (k === 1) {
      best = soloBest;
      ok = 1;
    }
    const evaluationsPerHour = (k * 3600) / best;
    const ratio = evaluationsPerHour / (3600 / soloBest);
    rows.push({ k, seconds: best, evaluationsPerHour, ratio, ok });
    opts.log?.(
      `K=${k}: ${best.toFixed(1)} s, ${Math.round(evaluationsPerHour)} evaluations/h, ${ratio.toFixed(2)}× K=1 (${ok}/${k} ok; K=1 best ${soloBest.toFixed(2)} s)`,
    );
  }
  return rows;
}
