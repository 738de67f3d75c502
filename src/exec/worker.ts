// The only child-process entry for training: runs one job per message and sends events and results back. It never
// opens the database (the parent's recorder is the only writer), so a killed worker leaves nothing half written.
import type { RunResult } from '../train/config.js';
import type { JobEvent, TrainJob } from './job.js';
import { runJob } from './run-job.js';
// This process's composition root: jobs may name search candidates, which the search compiles.
import '../search/candidate-head.js';
import { loadPlugins, PLUGINS_ENV, pluginsFromEnv } from '../api/plugins.js';

export type ToWorker = { type: 'job'; job: TrainJob };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; jobId: string; event: JobEvent }
  | { type: 'done'; jobId: string; results: RunResult[] };

function send(msg: FromWorker): void {
  // The parent may have died while this ran; then there is nobody to tell.
  if (process.connected) process.send?.(msg);
}

if (process.send) {
  // Jobs may name heads, datasets and models that plugins define: the parent's plugins (inherited through the
  // environment) load before this worker says it is ready. The parent loaded them already, so a failure here is rare;
  // it is one line on stderr and the parent sees a worker that died before 'ready'.
  try {
    await loadPlugins(pluginsFromEnv(), PLUGINS_ENV);
  } catch (e) {
    process.stderr.write(`headroom worker ${process.pid}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  const parentPid = process.ppid;
  // Training is synchronous, so 'disconnect' is only seen between jobs. Every few dozen steps the worker checks that
  // it has not been re-parented (its parent was killed) and stops, instead of training on for nobody.
  const exitIfOrphaned = () => {
    if (process.ppid !== parentPid) process.exit(0);
  };
  process.on('message', (msg: ToWorker) => {
    if (msg.type !== 'job') return;
    const { job } = msg;
    void runJob(job, {
      checkpoint: exitIfOrphaned,
      onEvent: (event) => {
        if (event.type !== 'finished') send({ type: 'event', jobId: job.id, event });
      },
    }).then((results) => send({ type: 'done', jobId: job.id, results }));
  });
  // Ctrl-C reaches the whole process group; the parent decides what happens to running jobs (they are cancelled and
  // run again on resume), so a worker must not die on its own first.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}
