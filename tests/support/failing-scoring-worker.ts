// A k-means scoring worker that fails every task: what the pool must survive (tests/unit/labels-scoring-pool.test.ts).
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  throw new Error('planted worker failure');
});
