// The job worker proper: opens the project, runs the job, reports events and the final state.
import { parentPort, workerData } from 'node:worker_threads';
import { openProject } from '../project/project.ts';
import { runJob } from './run-job.ts';
import type { WorkerMessage, WorkerRequest } from './worker-protocol.ts';

const { projectRoot, jobId } = workerData as { projectRoot: string; jobId: number };
const port = parentPort;
if (!port) throw new Error('job-worker must run in a worker thread');

const project = openProject(projectRoot);
const post = (message: WorkerMessage) => port.postMessage(message);
const running = runJob(project, jobId, (event) => post({ type: 'event', event }));
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'cancel') running.cancel();
});
const job = await running.done;
project.close();
post({ type: 'finished', job });
port.close();
