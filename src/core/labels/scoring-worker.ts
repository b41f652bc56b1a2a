// Worker entry of the k-means scoring pool (scoring-pool.ts): scores chunks of each task it is sent
// until the shared counter runs out, then answers.
import { parentPort } from 'node:worker_threads';
import { runPoolTask, type PoolReply, type PoolTask } from './scoring-pool.ts';

parentPort?.on('message', (task: PoolTask) => {
  runPoolTask(task).then(
    () => parentPort?.postMessage({ ok: true } satisfies PoolReply),
    (error: unknown) => parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) } satisfies PoolReply),
  );
});
