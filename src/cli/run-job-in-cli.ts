// Runs a job from the CLI: progress on stderr while it runs, Ctrl-C cancels it cleanly (it can be
// resumed later), and the final job decides the exit code.
import type { JobRunner } from '../core/jobs/job-runner.ts';
import type { ApiEvent } from '../shared/api.ts';
import type { Job } from '../shared/schemas.ts';
import { EXIT, progressLine } from './output.ts';

export interface FollowOptions {
  /** The status line of the running job (default: progressLine). */
  line?: (job: Job) => string;
  /** What to run to continue after Ctrl-C (default: the same command). */
  resumeHint?: string;
}

export async function followJob(runner: JobRunner, job: Job, quiet: boolean, options: FollowOptions = {}): Promise<{ job: Job; exitCode: number }> {
  const line = options.line ?? progressLine;
  const live = !quiet && process.stderr.isTTY;
  let lastPrinted = Date.now(); // a short job prints nothing on a non-terminal
  const onEvent = (event: ApiEvent) => {
    if (event.type !== 'job' || event.job.id !== job.id || quiet) return;
    const now = Date.now();
    if (live) process.stderr.write(`\r\x1b[K${line(event.job)}`);
    else if (now - lastPrinted > 2000) {
      process.stderr.write(`${line(event.job)}\n`);
      lastPrinted = now;
    }
  };
  runner.events.on('event', onEvent);
  const onInterrupt = () => {
    process.stderr.write(`\nCancelling… (${options.resumeHint ?? 'run the same command again to resume'})\n`);
    runner.cancel(job.id);
  };
  process.once('SIGINT', onInterrupt);
  const final = await runner.waitFor(job.id);
  process.off('SIGINT', onInterrupt);
  runner.events.off('event', onEvent);
  if (live) process.stderr.write('\r\x1b[K');
  const exitCode = final.state === 'done' ? EXIT.ok : final.state === 'cancelled' ? EXIT.cancelled : EXIT.failed;
  return { job: final, exitCode };
}
