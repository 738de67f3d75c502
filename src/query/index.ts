// Read-only questions to a database: what it holds (ls), one run or trial (show), rows to export, and the live state
// of runs in flight (the dashboard). Nothing here writes; every number comes from the store as it was written.
export {
  Journal,
  gridLive,
  STALL_MS,
  type GridLive,
  type LiveRun,
  type LiveState,
  type CurveRecord,
} from './journal.js';
export {
  overview,
  gridNames,
  summarizeGrid,
  summarizeStudy,
  STUDY_IDLE_MS,
  type Overview,
  type GridSummary,
  type StudySummary,
  type GridState,
  type StudyState,
} from './overview.js';
export {
  readStudyInfo,
  storedStudyConfig,
  rungName,
  ladderText,
  type StudyInfo,
  type TrialInfo,
  type RungResult,
  type StoredStudyConfig,
} from './studies.js';
export {
  runDetail,
  trialDetail,
  trialDetailOf,
  parseTrialRef,
  studyCommand,
  shellWord,
  QueryError,
  type RunDetail,
  type TrialDetail,
} from './detail.js';
export {
  exportRuns,
  exportTrials,
  toCsv,
  flatRun,
  flatTrial,
  type RunExport,
  type TrialExport,
  type EpochExport,
  type RungExport,
} from './export.js';
