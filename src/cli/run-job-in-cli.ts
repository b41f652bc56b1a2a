// Runs a job from the CLI: progress on stderr while it runs, Ctrl-C cancels it cleanly (saying what the
// command can do next), and the final job decides the exit code.
import type { JobRunner } from '../core/jobs/job-runner.ts';
import type { ApiEvent } from '../shared/api.ts';
import type { Job } from '../shared/schemas.ts';
import { EXIT, progressLine } from './output.ts';

export interface FollowOptions {
  /** The status line of the running job (default: progressLine). */
  line?: (job: Job) => string;
  /**
   * After Ctrl-C, what the cancel keeps and how to continue, if at all ("run the same command again to
   * resume" only where that is true). None: just "Cancelling…".
   */
  resumeHint?: string;
}

/** The hint of commands that continue where they stopped when run again (scan, features, model download). */
export const RUN_AGAIN_TO_RESUME = 'run the same command again to resume';

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
    process.stderr.write(`\nCancelling…${options.resumeHint ? ` (${options.resumeHint})` : ''}\n`);
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
