import type { Store } from '../store/index.js';
import type { RejectReason, RungMetrics, TrialMetrics, TrialState } from './trial.js';

/** A trial as the driver reads it back. */
export interface TrialRow {
  id: number;
  number: number;
  expr: string;
  params: number[] | null;
  hash: string | null;
  state: TrialState;
  rejectReason: RejectReason | null;
  /** The rung the trial is queued/running at, or the last rung it finished. */
  rung: number;
  metrics: TrialMetrics | null;
  seed: number;
}

export interface NewTrial {
  number: number;
  expr: string;
  params: number[] | null;
  hash: string | null;
  state: 'queued' | 'rejected';
  rejectReason: RejectReason | null;
  metrics: TrialMetrics | null;
  seed: number;
}

export interface RungRow {
  trialId: number;
  rung: number;
  metrics: RungMetrics;
}

export interface StudyRow {
  id: number;
  name: string;
  space: string;
  config: string;
  createdAt: string;
}

/**
 * What the search needs from the database. The driver is the only writer; every method that changes state is called
 * inside `transaction` where a crash must not leave half of it behind.
 */
export interface SearchStore {
  getStudy(name: string): StudyRow | undefined;
  createStudy(name: string, space: string, config: string): StudyRow;
  updateStudyConfig(id: number, config: string): void;
  listTrials(studyId: number): TrialRow[];
  listRungs(studyId: number): RungRow[];
  addTrial(studyId: number, t: NewTrial): number;
  setTrialState(id: number, state: TrialState, rung: number, metrics?: TrialMetrics | null): void;
  addRung(row: RungRow): void;
  transaction<T>(fn: () => T): T;
  close(): void;
}

/** The SQLite store (src/store) seen through the search's interface. */
export function searchStoreOf(store: Store): SearchStore {
  return {
    getStudy: (name) => store.getStudy(name),
    createStudy: (name, space, config) => store.createStudy(name, space, config),
    updateStudyConfig: (id, config) => store.updateStudyConfig(id, config),
    listTrials: (studyId) =>
      store.listTrials<TrialMetrics, number[], RejectReason>(studyId).map((t) => ({
        id: t.id,
        number: t.number,
        expr: t.expr,
        params: t.params,
        hash: t.hash,
        state: t.state,
        rejectReason: t.rejectReason,
        rung: t.rung,
        metrics: t.metrics,
        seed: t.seed,
      })),
    listRungs: (studyId) =>
      store
        .listRungs<RungMetrics>(studyId)
        .map((r) => ({ trialId: r.trialId, rung: r.rung, metrics: r.metrics })),
    addTrial: (studyId, t) => store.addTrial(studyId, { ...t, rung: 0 }),
    setTrialState: (id, state, rung, metrics) => store.setTrialState(id, state, rung, metrics),
    addRung: (row) => store.addRung(row),
    transaction: (fn) => store.transaction(fn),
    close: () => store.close(),
  };
}
