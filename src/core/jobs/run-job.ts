// Runs one job to its end in the current process: claim, heartbeat, handler, final state.
import type { ApiEvent } from '../../shared/api.ts';
import type { Job } from '../../shared/schemas.ts';
import type { Project } from '../project/project.ts';
import { JobContextImpl } from './job-context.ts';
import { JOB_HANDLERS } from './handlers.ts';
import { JobStore } from './job-store.ts';

const HEARTBEAT_MS = 2000;

export interface RunningJob {
  readonly done: Promise<Job>;
  cancel(): void;
}

/**
 * `ownerPid` is the process whose death orphans the job: the app that runs the JobRunner. When it dies
 * the job is interrupted, even if the job's own process lingers a moment before it notices.
 */
export function runJob(project: Project, jobId: number, ownerPid: number, emit: (event: ApiEvent) => void): RunningJob {
  const store = new JobStore(project.db);
  const { kind } = store.spec(jobId);
  const handler = JOB_HANDLERS[kind];
  const context = new JobContextImpl(project, jobId, emit);
  const finish = (job: Job) => {
    emit({ type: 'job', job });
    return job;
  };
  const done = (async () => {
    if (!handler) return finish(store.setState(jobId, 'failed', { error: `unknown job kind "${kind}"` }));
    store.claim(jobId, ownerPid);
    context.flush();
    const heartbeat = setInterval(() => context.flush(), HEARTBEAT_MS);
    try {
      await handler(context);
      context.flush();
      return finish(store.setState(jobId, context.isCancelled() ? 'cancelled' : 'done'));
    } catch (error) {
      context.flush();
      const message = error instanceof Error ? error.message : String(error);
      return finish(store.setState(jobId, 'failed', { error: message }));
    } finally {
      clearInterval(heartbeat);
    }
  })();
  return { done, cancel: () => context.cancel() };
}
