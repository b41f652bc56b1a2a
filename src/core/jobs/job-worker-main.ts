// The job process proper: opens the project, runs the job, reports events and the final state to the
// JobRunner that forked it. A native crash here (ONNX Runtime, an image decoder) ends this process
// only; the runner fails the job with the reason and goes on.
import { openProject } from '../project/project.ts';
import { runJob } from './run-job.ts';
import type { WorkerMessage, WorkerRequest } from './worker-protocol.ts';

const [projectRoot, jobIdArgument] = process.argv.slice(2);
const jobId = Number(jobIdArgument);
if (!process.send || !projectRoot || !Number.isInteger(jobId)) {
  throw new Error('job-worker must be started by a JobRunner (fork with an IPC channel, project root and job id)');
}
// The runner decides: Ctrl-C in a terminal reaches the whole process group, and the runner answers it
// with a cancel message, which stops the job cleanly.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The runner is gone (killed with its app): die at once, as a killed app's thread would have (exit
// handlers can take seconds). The job stays 'running' under the app's dead pid, so the next runner
// finds it interrupted and resumes it from what was committed.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

const project = openProject(projectRoot);
const post = (message: WorkerMessage) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));
const running = runJob(project, jobId, process.ppid, (event) => void post({ type: 'event', event }));
process.on('message', (request: WorkerRequest) => {
  if (request.type === 'cancel') running.cancel();
});
const job = await running.done;
project.close();
await post({ type: 'finished', job });
process.removeAllListeners('disconnect');
process.disconnect();
