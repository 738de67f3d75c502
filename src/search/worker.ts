// Child-process entry for search workers: trains one trial-rung (or one confirmation run) per message and sends the
// result back. It never opens the database: the driver is the only writer, so a killed worker leaves nothing half
// written. One libtorch thread (HEADROOM_THREADS, set by the parent) per worker; one worker per core.
import { handle, type WorkerReply, type WorkerRequest } from './run-job.js';

if (process.send) {
  process.on('message', (msg: WorkerRequest) => {
    void handle(msg).then((result) => {
      // The driver may have died while this ran; then there is nobody to tell.
      if (process.connected) process.send?.({ type: 'result', id: msg.id, result } satisfies WorkerReply);
    });
  });
  // Ctrl-C reaches the whole process group; the driver decides what happens to running trials (it re-queues them),
  // so a worker must not die on its own and have its trial recorded as failed.
  process.on('SIGINT', () => {});
  // The driver died (or closed the channel): stop at once rather than finish work nobody will record.
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' } satisfies WorkerReply);
}
