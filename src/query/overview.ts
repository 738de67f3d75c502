/** `headroom ls` and the dashboard's index: every grid and study of a database with its size and state. */
import type { Store } from '../store/index.js';
import { gridLive, Journal, STALL_MS, type GridLive } from './journal.js';
import { readStudyInfo, rungName, type StudyInfo } from './studies.js';

export type GridState = 'running' | 'stopped' | 'complete';
export type StudyState = 'running' | 'interrupted' | 'finished';

export interface GridSummary {
  name: string;
  /** confirm:<study>[:…] grids hold a study's confirmation runs. */
  kind: 'compare' | 'confirm';
  study: string | null;
  counts: GridLive['counts'];
  datasets: string[];
  models: string[];
  /** The dataset · model pairs the grid trains (not every pair of `datasets` × `models` need be one). */
  panels: string[];
  heads: string[];
  seeds: number;
  epochs: number[];
  /** running: runs in flight or queued with recent events; stopped: runs left unfinished (rerun the command). */
  state: GridState;
  lastActivity: string | null;
}

export interface StudySummary {
  name: string;
  space: string;
  sampler: string | null;
  createdAt: string;
  /** Candidates (the built-in baseline is not counted). */
  trials: number;
  states: Record<string, number>;
  /** Candidates with a result at each rung. */
  rungs: { rung: number; label: string; trials: number; baseline: number | null | undefined }[];
  best: { number: number; expr: string; rung: number; valAcc: number | null; delta: number | null } | null;
  confirmGrids: string[];
  /** running: queued or running trials with recent activity; interrupted: such trials but no activity (--resume). */
  state: StudyState;
  lastActivity: string | null;
}

export interface Overview {
  grids: GridSummary[];
  studies: StudySummary[];
}

/** A study's trials are updated when a rung ends; a long rung (minutes on a CNN) is not a stop. */
export const STUDY_IDLE_MS = 15 * 60_000;

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

export function summarizeGrid(live: GridLive, studies: readonly string[], now = Date.now()): GridSummary {
  const cfgs = live.runs.flatMap((r) => (r.config ? [r.config] : []));
  const confirm = /^confirm:(.+?)(?::[^:]*)?$/.exec(live.name);
  const study = confirm
    ? (studies.find((s) => live.name === `confirm:${s}` || live.name.startsWith(`confirm:${s}:`)) ??
      confirm[1]!)
    : null;
  const pending = live.counts.planned + live.counts.running + live.counts.stalled;
  const recent = live.lastActivity !== null && now - Date.parse(live.lastActivity) <= STALL_MS;
  return {
    name: live.name,
    kind: confirm ? 'confirm' : 'compare',
    study,
    counts: live.counts,
    datasets: uniq(cfgs.map((c) => c.dataset)).sort(),
    models: uniq(cfgs.map((c) => c.model)).sort(),
    panels: uniq(cfgs.map((c) => `${c.dataset} · ${c.model}`)).sort(),
    heads: uniq(cfgs.map((c) => c.head)),
    seeds: uniq(cfgs.map((c) => c.seed)).length,
    epochs: uniq(cfgs.map((c) => c.epochs)).sort((a, b) => a - b),
    state: pending === 0 ? 'complete' : recent && live.counts.stalled < pending ? 'running' : 'stopped',
    lastActivity: live.lastActivity,
  };
}

export function summarizeStudy(info: StudyInfo, grids: readonly string[], now = Date.now()): StudySummary {
  const reached = new Map<number, number>();
  for (const t of info.trials) for (const r of t.rungs) reached.set(r.rung, (reached.get(r.rung) ?? 0) + 1);
  const ladder = Math.max(
    info.config.ladder?.length ?? 0,
    info.baselines.length,
    ...[...reached.keys()].map((r) => r + 1),
  );
  const top = info.ranking.length > 0 ? info.trials.find((t) => t.number === info.ranking[0]) : undefined;
  const open = (info.states.queued ?? 0) + (info.states.running ?? 0);
  const recent = info.lastActivity !== null && now - Date.parse(info.lastActivity) <= STUDY_IDLE_MS;
  const name = info.row.name;
  return {
    name,
    space: info.row.space,
    sampler: info.config.sampler ?? null,
    createdAt: info.row.createdAt,
    trials: info.trials.length,
    states: info.states,
    rungs: Array.from({ length: ladder }, (_, r) => ({
      rung: r,
      label: rungName(info.config, r),
      trials: reached.get(r) ?? 0,
      baseline: info.baselines[r],
    })),
    best: top
      ? {
          number: top.number,
          expr: top.expr,
          rung: top.score!.rung,
          valAcc: top.score!.valAcc,
          delta: top.score!.delta,
        }
      : null,
    confirmGrids: grids.filter((g) => g === `confirm:${name}` || g.startsWith(`confirm:${name}:`)),
    state: open === 0 ? 'finished' : recent ? 'running' : 'interrupted',
    lastActivity: info.lastActivity,
  };
}

/** Grid names in the runs table and the journal, in order of first appearance. */
export function gridNames(store: Store, journal: Journal): string[] {
  const fromRuns = (
    store.db.prepare('SELECT grid FROM runs WHERE grid IS NOT NULL GROUP BY grid ORDER BY MIN(id)').all() as {
      grid: string;
    }[]
  ).map((r) => r.grid);
  return uniq([...fromRuns, ...journal.grids()]);
}

export function overview(store: Store, journal: Journal = new Journal(store), now = Date.now()): Overview {
  journal.refresh();
  const studyRows = store.listStudies();
  const names = gridNames(store, journal);
  return {
    grids: names.map((g) =>
      summarizeGrid(
        gridLive(store, journal, g, now),
        studyRows.map((s) => s.name),
        now,
      ),
    ),
    studies: studyRows.map((s) => summarizeStudy(readStudyInfo(store, s), names, now)),
  };
}
