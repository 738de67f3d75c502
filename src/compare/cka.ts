/**
 * Cross-head linear CKA (Kornblith et al. 2019): how similar two heads' bodies are, as representations, when trained
 * from the same seed on the same data. Each repr run keeps its features on the first test examples (run_features);
 * this module computes CKA for every pair of runs that differ only in the head, stores it (table `cka`), and
 * summarises it per panel as a head × head matrix of mean ± 95% CI over seeds.
 */
import { linearCKAEngine, matrix } from '../metrics/index.js';
import type { RunRecord, Store } from '../store/index.js';
import { summarize } from '../stats/index.js';
import { experimentKey, type RunConfig } from '../train/config.js';
import type { Interval } from './summary.js';

export interface CkaMatrix {
  dataset: string;
  model: string;
  /** The caller's panel name when it passed `panelOf` (the report splits panels by config). */
  panel?: string;
  heads: string[];
  /** cells[i][j]: CKA between heads i and j over the seeds both ran (null on the diagonal and where none). */
  cells: (Interval | null)[][];
}

function pairingKey(r: RunRecord): string {
  return experimentKey(r.config as unknown as RunConfig);
}

function groups(runs: readonly RunRecord[]): RunRecord[][] {
  const by = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (r.status !== 'ok') continue;
    const k = pairingKey(r);
    by.set(k, [...(by.get(k) ?? []), r]);
  }
  return [...by.values()].filter((g) => g.length > 1);
}

/**
 * Computes and stores CKA for every pair among `runs` that shares a pairing key, has features, and has no stored
 * value yet. Returns how many pairs it computed (resumed grids compute only the new pairs).
 */
export function storeCrossHeadCka(store: Store, runs: readonly RunRecord[]): number {
  let computed = 0;
  for (const g of groups(runs)) {
    const withFeatures = g.filter((r) => store.hasFeatures(r.id));
    // Each run's features (2 MB for keras-mlp) are read once per group, not once per pair.
    const loaded = new Map<number, ReturnType<Store['getFeatures']>>();
    const featuresOf = (r: RunRecord) => {
      if (!loaded.has(r.id)) loaded.set(r.id, store.getFeatures(r.id));
      return loaded.get(r.id)!;
    };
    for (let i = 0; i < withFeatures.length; i++)
      for (let j = i + 1; j < withFeatures.length; j++) {
        const a = withFeatures[i]!;
        const b = withFeatures[j]!;
        if (store.getCka(a.id, b.id)) continue;
        const fa = featuresOf(a)!;
        const fb = featuresOf(b)!;
        const n = Math.min(fa.rows, fb.rows);
        let value: number | null;
        try {
          value = linearCKAEngine(
            matrix(fa.data.subarray(0, n * fa.cols), n, fa.cols),
            matrix(fb.data.subarray(0, n * fb.cols), n, fb.cols),
          );
        } catch {
          value = null; // a constant representation (a collapsed body) has no CKA
        }
        store.saveCka({ runA: a.id, runB: b.id, examples: n, value });
        computed++;
      }
  }
  return computed;
}

/** Head × head CKA matrices, one per (dataset, model), from the stored pairs among `runs`. */
export function ckaMatrices(
  store: Store,
  runs: readonly RunRecord[],
  headOrder?: readonly string[],
  panelOf?: (r: RunRecord) => string,
): CkaMatrix[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const pairs = store.listCka(runs.map((r) => r.id));
  const panels = new Map<
    string,
    { dataset: string; model: string; panel?: string; values: Map<string, number[]> }
  >();
  for (const p of pairs) {
    const a = byId.get(p.runA)!;
    const b = byId.get(p.runB)!;
    if (p.value === null || pairingKey(a) !== pairingKey(b)) continue;
    const label = panelOf?.(a);
    const pk = label ?? `${a.dataset}\u0000${a.model}`;
    const panel = panels.get(pk) ?? {
      dataset: a.dataset,
      model: a.model,
      ...(label !== undefined ? { panel: label } : {}),
      values: new Map(),
    };
    panels.set(pk, panel);
    const [h1, h2] = [a.head, b.head].sort();
    const k = `${h1}\u0000${h2}`;
    panel.values.set(k, [...(panel.values.get(k) ?? []), p.value]);
  }
  const out: CkaMatrix[] = [];
  for (const panel of panels.values()) {
    const present = new Set([...panel.values.keys()].flatMap((k) => k.split('\u0000')));
    const heads = [
      ...(headOrder ?? []).filter((h) => present.has(h)),
      ...[...present].filter((h) => !headOrder?.includes(h)).sort(),
    ];
    const cells = heads.map((hi) =>
      heads.map((hj) => {
        if (hi === hj) return null;
        const [h1, h2] = [hi, hj].sort();
        const xs = panel.values.get(`${h1}\u0000${h2}`);
        if (!xs || xs.length === 0) return null;
        const s = summarize(xs);
        return { mean: s.mean, ci: s.n >= 2 ? s.ci : null, n: s.n };
      }),
    );
    out.push({
      dataset: panel.dataset,
      model: panel.model,
      ...(panel.panel !== undefined ? { panel: panel.panel } : {}),
      heads,
      cells,
    });
  }
  return out.sort((x, y) => `${x.dataset}/${x.model}`.localeCompare(`${y.dataset}/${y.model}`));
}

/** A plain-text CKA matrix (means), for the compare and confirm tables. */
export function formatCkaMatrix(m: CkaMatrix): string {
  const w = Math.max(...m.heads.map((h) => h.length), 6);
  const head = ['CKA'.padEnd(w), ...m.heads.map((h) => h.slice(0, 8).padStart(8))].join('  ');
  const lines = m.heads.map((hi, i) =>
    [hi.padEnd(w), ...m.cells[i]!.map((c) => (c ? c.mean.toFixed(3) : '—').padStart(8))].join('  '),
  );
  return [
    `linear CKA between heads, ${m.dataset}/${m.model} (mean over seeds, first test examples):`,
    head,
    ...lines,
  ].join('\n');
}

/** The same matrix as a markdown table (for docs/results). */
export function markdownCkaMatrix(m: CkaMatrix): string {
  const cell = (c: Interval | null) => (c ? `${c.mean.toFixed(3)} (n=${c.n})` : '—');
  return [
    `Linear CKA between heads, ${m.dataset}/${m.model} (mean over seeds; features of the first test examples):`,
    '',
    `| | ${m.heads.join(' | ')} |`,
    `|---|${m.heads.map(() => '---').join('|')}|`,
    ...m.heads.map((h, i) => `| ${h} | ${m.cells[i]!.map(cell).join(' | ')} |`),
  ].join('\n');
}
