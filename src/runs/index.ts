// What compare, confirm and the demo share: a plan of jobs, the one loop that runs them, and the single recorder.
export { executionOrder, pending, planJobs } from './plan.js';
export { runJobs, type RunsProgress, type RunJobsOptions } from './run.js';
export { Recorder, machineDescription, type EventSink } from './recorder.js';
