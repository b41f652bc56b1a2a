// A label run is recomputed only while no job is computing it: two jobs writing one run's rows would mix results.
import { JobStateError } from '../jobs/job-runner.ts';
import { JobStore } from '../jobs/job-store.ts';
import type { Database } from '../store/database.ts';

export function ensureRunIdle(db: Database, what: string, jobId: number | null): void {
  if (jobId === null) return;
  const job = new JobStore(db).get(jobId);
  if (job.state === 'queued' || job.state === 'running') {
    throw new JobStateError(`${what} is being computed by job #${jobId} (${job.state}); cancel that job first or wait for it.`);
  }
}
