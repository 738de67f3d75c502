/**
 * A study as stored, read without the search machinery (no engine, no spaces): its config, its trials with their
 * rung results and Δ against the study's softmax-ce baseline, ranked as the search ranks them (src/search/ranking.ts).
 */
import type { Store, StudyRow, TrialRecord, TrialState } from '../store/index.js';
import {
  BASELINE_HEAD,
  baselinesOf,
  isBaselineTrial,
  rankByScore,
  rungDelta,
  studyMargin,
  trialScore,
  type TrialScore,
} from '../search/ranking.js';

export interface LadderRung {
  model?: string;
  dataset?: string;
  epochs?: number;
  trainLimit?: number;
}

/** The fields of a stored study config that the queries read (the search stores `{ config }`). */
export interface StoredStudyConfig {
  space?: string;
  sampler?: string;
  seed?: number;
  trainSeed?: number;
  eta?: number;
  objectives?: string[];
  ladder?: LadderRung[];
  evalLimit?: number;
  tune?: string;
  promotionMargin?: number;
}

export function storedStudyConfig(text: string): StoredStudyConfig {
  try {
    const v = JSON.parse(text) as { config?: unknown };
    const c = v && typeof v === 'object' && v.config && typeof v.config === 'object' ? v.config : v;
    return c && typeof c === 'object' ? (c as StoredStudyConfig) : {};
  } catch {
    return {};
  }
}

export function ladderText(cfg: StoredStudyConfig): string | undefined {
  return cfg.ladder?.map((r) => `${r.model}:${r.trainLimit ?? 'full'}:${r.epochs}:${r.dataset}`).join(',');
}

export function rungName(cfg: StoredStudyConfig, rung: number): string {
  const r = cfg.ladder?.[rung];
  if (!r) return `rung ${rung}`;
  const parts = [r.model, r.dataset, r.epochs !== undefined ? `${r.epochs} ep` : undefined];
  parts.push(r.trainLimit !== undefined ? `${r.trainLimit} train` : 'full train');
  return `rung ${rung} · ${parts.filter((x) => x !== undefined).join(' · ')}`;
}

export interface RungResult {
  rung: number;
  status: string;
  valAcc: number | null;
  speed: number | null;
  seconds: number | null;
  /** softmax-ce at this rung (the study's baseline), null when not trained or failed. */
  baseline: number | null;
  delta: number | null;
  error: string | null;
}

export interface TrialInfo {
  id: number;
  number: number;
  expr: string;
  params: number[] | null;
  state: TrialState;
  rejectReason: string | null;
  /** The reject filter's words, for rejected trials. */
  rejectDetail: string | null;
  seed: number;
  rung: number;
  rungs: RungResult[];
  score: TrialScore | null;
  parents: number[];
  createdAt: string;
  updatedAt: string;
}

export interface StudyInfo {
  row: StudyRow;
  config: StoredStudyConfig;
  /** softmax-ce per rung: undefined not trained, null failed. */
  baselines: Array<number | null | undefined>;
  trials: TrialInfo[];
  /** Trial numbers best first (scored ones; failed and unmeasured left out). */
  ranking: number[];
  states: Record<string, number>;
  lastActivity: string | null;
}

interface MetricsLike {
  rungs?: Record<string, { status?: string; valAcc?: number | null; error?: string }>;
  reject?: string;
  parents?: unknown;
}

export function readStudyInfo(store: Store, row: StudyRow): StudyInfo {
  const config = storedStudyConfig(row.config);
  const records = store.listTrials<MetricsLike, number[]>(row.id) as TrialRecord<MetricsLike, number[]>[];
  const rungRows = store.listRungs<{ status?: string; error?: string }>(row.id);
  const baselineRecord = records.find(isBaselineTrial);
  const ladderLength = Math.max(config.ladder?.length ?? 0, ...rungRows.map((r) => r.rung + 1));
  // From the rung rows, as the report reads them (the trial's metrics hold the same results).
  const baselines = [
    ...baselinesOf(
      Object.fromEntries(
        rungRows
          .filter((r) => r.trialId === baselineRecord?.id)
          .map((r) => [
            String(r.rung),
            { status: r.metrics?.status ?? (r.valAcc !== null ? 'ok' : 'failed'), valAcc: r.valAcc },
          ]),
      ),
      ladderLength,
    ),
  ];
  const byTrial = new Map<number, typeof rungRows>();
  for (const r of rungRows) byTrial.set(r.trialId, [...(byTrial.get(r.trialId) ?? []), r]);
  const trials: TrialInfo[] = records
    .filter((t) => !isBaselineTrial(t))
    .map((t) => {
      const rungs: RungResult[] = (byTrial.get(t.id) ?? []).map((r) => {
        const status = r.metrics?.status ?? (r.valAcc !== null ? 'ok' : 'failed');
        const b = baselines[r.rung] ?? null;
        return {
          rung: r.rung,
          status,
          valAcc: r.valAcc,
          speed: r.speed,
          seconds: r.seconds,
          baseline: b,
          delta: rungDelta({ status, valAcc: r.valAcc }, b),
          error: r.metrics?.error ?? null,
        };
      });
      const parents = Array.isArray(t.metrics?.parents)
        ? (t.metrics.parents as unknown[]).filter((x): x is number => typeof x === 'number')
        : [];
      return {
        id: t.id,
        number: t.number,
        expr: t.expr,
        params: Array.isArray(t.params) ? t.params : null,
        state: t.state,
        rejectReason: t.rejectReason,
        rejectDetail: t.metrics?.reject ?? null,
        seed: t.seed,
        rung: t.rung,
        rungs,
        score:
          rungs.length > 0
            ? trialScore(
                Object.fromEntries(
                  rungs.map((r) => [String(r.rung), { status: r.status, valAcc: r.valAcc }]),
                ),
                baselines,
              )
            : null,
        parents,
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
      };
    });
  const ranking = rankByScore(
    trials.map((t) => ({ number: t.number, score: t.score })),
    studyMargin(config),
  )
    .filter((t) => t.score?.valAcc != null)
    .map((t) => t.number);
  const states: Record<string, number> = {};
  for (const t of trials) states[t.state] = (states[t.state] ?? 0) + 1;
  const lastActivity = records.reduce<string | null>(
    (a, t) => (a === null || t.updatedAt > a ? t.updatedAt : a),
    null,
  );
  return { row, config, baselines, trials, ranking, states, lastActivity };
}

export { BASELINE_HEAD };
