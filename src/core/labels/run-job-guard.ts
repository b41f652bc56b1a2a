// Starting and recomputing label runs (boxes, masks) the same way: a run's job is queued and recorded on
// the run; a recompute clears the computed rows (the store refuses over people's decisions unless
// `replace`) and only while no job is computing the run, since two jobs writing one run would mix results.
import type { Job } from '../../shared/schemas.ts';
import { JobStateError, type JobRunner } from '../jobs/job-runner.ts';
import { JobStore } from '../jobs/job-store.ts';
import type { Project } from '../project/project.ts';
import type { Database } from '../store/database.ts';

export interface LabelRunStore<Run extends { jobId: number | null }> {
  get(runId: number): Run;
  setJob(runId: number, jobId: number): void;
  clearComputed(runId: number, replace: boolean): void;
}

export function ensureRunIdle(db: Database, what: string, jobId: number | null): void {
  if (jobId === null) return;
  const job = new JobStore(db).get(jobId);
  if (job.state === 'queued' || job.state === 'running') {
    throw new JobStateError(`${what} is being computed by job #${jobId} (${job.state}); cancel that job first or wait for it.`);
  }
}

/** Queues the job of kind `kind` ({ runId } spec) for a run and records it on the run. */
export function submitRun<Run extends { jobId: number | null }>(runner: JobRunner, store: LabelRunStore<Run>, kind: string, runId: number): { run: Run; job: Job } {
  const job = runner.submit(kind, { runId });
  store.setJob(runId, job.id);
  return { run: store.get(runId), job };
}

export function recomputeRun<Run extends { jobId: number | null }>(
  project: Project,
  runner: JobRunner,
  store: LabelRunStore<Run>,
  job: { kind: string; label: string },
  runId: number,
  replace: boolean,
): { run: Run; job: Job } {
  ensureRunIdle(project.db, `${job.label} #${runId}`, store.get(runId).jobId);
  store.clearComputed(runId, replace);
  return submitRun(runner, store, job.kind, runId);
}
