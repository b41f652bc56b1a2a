// A k-means scoring worker that does every task except moving rows between the sums, which it
// fails: the one failure after which the sums cannot simply be recomputed by this thread
// (tests/unit/labels-scoring-pool.test.ts).
import { parentPort } from 'node:worker_threads';
import { runPoolTask, type PoolTask } from '../../src/core/labels/scoring-pool.ts';

parentPort?.on('message', (task: PoolTask) => {
  if (task.kind === 'moves') throw new Error('planted failure while moving rows');
  runPoolTask(task).then(() => parentPort?.postMessage({ ok: true }));
});
