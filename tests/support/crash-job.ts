// Crashes a running job's process once, the way a segfault in ONNX Runtime or a decoder would, as soon as
// the job reports `atDone` items done.
import type { JobRunner } from '../../src/core/jobs/job-runner.ts';

/** Arms the crash; `crashed()` says whether it happened. */
export function crashJobOnceAt(runner: JobRunner, jobId: number, atDone: number): { crashed: () => boolean } {
  let killed = false;
  runner.events.on('event', (event) => {
    if (killed || event.type !== 'job' || event.job.id !== jobId || event.job.done < atDone || event.job.state !== 'running') return;
    const pid = runner.processOf(jobId);
    if (pid === undefined) return;
    killed = true;
    process.kill(pid, 'SIGSEGV');
  });
  return { crashed: () => killed };
}
