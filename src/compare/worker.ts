// Child-process entry for grid workers: receives run configs, trains, sends results back. It never touches the
// database: the parent is the only writer, so a killed worker can never leave a half-written run.
import { fit } from '../train/fit.js';
import type { RunConfig, RunResult } from '../train/config.js';
import { reprMetricsFor } from './repr.js';

interface Job {
  id: number;
  cfg: RunConfig;
}

process.on('message', (msg: Job) => {
  void (async () => {
    const result: RunResult = await fit(msg.cfg, {
      afterTraining: msg.cfg.repr ? reprMetricsFor(msg.cfg) : undefined,
    });
    process.send?.({ id: msg.id, result });
  })();
});
process.send?.({ ready: true });
