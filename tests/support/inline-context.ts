// A job context that runs a handler in the test's own thread: progress is recorded, and the cancel
// flag flips after `cancelAfter` reports of `done` (to interrupt a job at a known point).
import type { JobContext } from '../../src/core/jobs/job-context.ts';
import type { Project } from '../../src/core/project/project.ts';

export interface InlineContext extends JobContext {
  /** Every `done` value reported, in order. */
  readonly dones: number[];
  failedItems: number;
}

export function inlineContext(project: Project, spec: unknown, cancelAfter = Infinity): InlineContext {
  const dones: number[] = [];
  const context: InlineContext = {
    jobId: 0,
    project,
    spec,
    dones,
    failedItems: 0,
    isCancelled: () => dones.length >= cancelAfter,
    progress: (update) => {
      if (update.done !== undefined) dones.push(update.done);
    },
    itemFailed: () => {
      context.failedItems++;
    },
    libraryChanged: () => undefined,
  };
  return context;
}
