/**
 * `headroom export`: one row per run (with every epoch) or per trial (with every rung), as JSON or CSV. The values are
 * the stored ones, unrounded; CSV puts per-epoch (per-rung) values in numbered columns and nested objects in JSON text.
 */
import type { RunRecord, Store } from '../store/index.js';
import { readStudyInfo, rungName } from './studies.js';

export interface EpochExport {
  epoch: number;
  trainLoss: number | null;
  valAcc: number | null;
  testAcc: number | null;
  seconds: number | null;
}

/** A run as stored, with every epoch it recorded. */
export interface RunExport extends RunRecord {
  epochs: EpochExport[];
}

export interface RungExport {
  rung: number;
  label: string;
  status: string;
  valAcc: number | null;
  speed: number | null;
  seconds: number | null;
  baseline: number | null;
  delta: number | null;
}

export interface TrialExport {
  study: string;
  space: string;
  number: number;
  expr: string;
  params: number[] | null;
  state: string;
  rejectReason: string | null;
  seed: number;
  /** The highest rung with a result, its validation accuracy and Δ against softmax-ce there (the trial's score). */
  rung: number | null;
  valAcc: number | null;
  delta: number | null;
  rank: number | null;
  parents: number[];
  rungs: RungExport[];
}

const finite = (x: number | undefined | null): number | null =>
  typeof x === 'number' && Number.isFinite(x) ? x : null;

export function exportRuns(store: Store, grid?: string): RunExport[] {
  const runs = store.listRuns(grid !== undefined ? { grid } : {});
  const epochs = new Map<number, EpochExport[]>();
  for (const e of store.listEpochsOf(runs.map((r) => r.id))) {
    const list = epochs.get(e.runId) ?? [];
    list.push({
      epoch: e.epoch,
      trainLoss: finite(e.trainLoss),
      valAcc: finite(e.valAcc),
      testAcc: finite(e.testAcc),
      seconds: finite(e.seconds),
    });
    epochs.set(e.runId, list);
  }
  // grid first: the CSV's columns follow the keys, and grid has always led them
  return runs.map(({ grid, ...run }) => ({ grid, ...run, epochs: epochs.get(run.id) ?? [] }));
}

export function exportTrials(store: Store, study: string): TrialExport[] {
  const row = store.getStudy(study);
  if (!row) return [];
  const info = readStudyInfo(store, row);
  return info.trials.map((t) => {
    const rank = info.ranking.indexOf(t.number);
    return {
      study: row.name,
      space: row.space,
      number: t.number,
      expr: t.expr,
      params: t.params,
      state: t.state,
      rejectReason: t.rejectReason,
      seed: t.seed,
      rung: t.score?.rung ?? null,
      valAcc: t.score?.valAcc ?? null,
      delta: t.score?.delta ?? null,
      rank: rank >= 0 ? rank + 1 : null,
      parents: t.parents,
      rungs: t.rungs.map((r) => ({
        rung: r.rung,
        label: rungName(info.config, r.rung),
        status: r.status,
        valAcc: r.valAcc,
        speed: r.speed,
        seconds: r.seconds,
        baseline: r.baseline,
        delta: r.delta,
      })),
    };
  });
}

type Cell = string | number | boolean | null | undefined;

function csvCell(v: Cell | object): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 text: a header row, then one row per record; columns are the union of the records' keys, in order. */
export function toCsv(rows: Record<string, Cell | object>[]): string {
  const cols: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        cols.push(k);
      }
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** A run as one flat CSV row: config and repr as JSON, then val_acc_e1…, train_loss_e1…, seconds_e1… */
export function flatRun(r: RunExport, maxEpochs: number): Record<string, Cell | object> {
  const { epochs, config, repr, ...rest } = r;
  const row: Record<string, Cell | object> = { ...rest, epochsDone: epochs.length, repr, config };
  const at = new Map(epochs.map((e) => [e.epoch, e]));
  for (const [name, pick] of [
    ['val_acc', (e: EpochExport) => e.valAcc],
    ['train_loss', (e: EpochExport) => e.trainLoss],
    ['test_acc', (e: EpochExport) => e.testAcc],
    ['seconds', (e: EpochExport) => e.seconds],
  ] as const) {
    if (name === 'test_acc' && !epochs.some((e) => e.testAcc !== null)) continue;
    for (let i = 1; i <= maxEpochs; i++) row[`${name}_e${i}`] = at.has(i) ? pick(at.get(i)!) : null;
  }
  return row;
}

/** A trial as one flat CSV row: params and parents as JSON, then r0_val_acc, r0_speed, … per rung. */
export function flatTrial(t: TrialExport, rungs: number): Record<string, Cell | object> {
  const { rungs: list, ...rest } = t;
  const row: Record<string, Cell | object> = { ...rest };
  const at = new Map(list.map((r) => [r.rung, r]));
  for (let r = 0; r < rungs; r++) {
    const x = at.get(r);
    row[`r${r}_status`] = x?.status ?? null;
    row[`r${r}_val_acc`] = x?.valAcc ?? null;
    row[`r${r}_speed`] = x?.speed ?? null;
    row[`r${r}_seconds`] = x?.seconds ?? null;
    row[`r${r}_baseline`] = x?.baseline ?? null;
    row[`r${r}_delta`] = x?.delta ?? null;
  }
  return row;
}
