// A job's end as the review stores hear it: every final state, not only `done`, so that a run whose
// job failed, was cancelled or was interrupted stops looking pending, and says why.
import type { Job } from '../../../shared/schemas.ts';

const ENDED: ReadonlySet<Job['state']> = new Set(['done', 'failed', 'cancelled', 'interrupted']);

export const jobEnded = (job: Job): boolean => ENDED.has(job.state);

/** What the view's error line says when a run's job ended without finishing it; null when it finished. */
export function unfinishedRunMessage(what: string, runId: number, job: Job): string | null {
  return job.state === 'done' ? null : `${what} run #${runId} ${job.state}: ${job.error ?? job.message ?? 'no reason given'}`;
}
