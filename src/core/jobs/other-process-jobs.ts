// Jobs another process runs on the same project — `selfguide train` in a shell beside an open app or
// `selfguide serve` — change their rows in the store, but no event of theirs reaches this process. The
// app and the server poll for rows that changed and that their own runner does not run, and relay them
// as job events, so the views (Jobs, Train, the header) follow those jobs live too.
import type { Project } from '../project/project.ts';
import type { JobRunner } from './job-runner.ts';
import { JobStore } from './job-store.ts';

/** How often the rows are read: progress is written about once a second too. */
export const OTHER_PROCESS_POLL_MS = 1000;

/** Starts relaying other processes' job changes as `runner`'s events; returns the function that stops it. */
export function relayOtherProcessJobs(project: Project, runner: JobRunner, intervalMs = OTHER_PROCESS_POLL_MS): () => void {
  const store = new JobStore(project.db);
  let since = (project.db.prepare('SELECT max(updated_at) AS at FROM jobs').get() as { at: string | null }).at ?? '';
  const timer = setInterval(() => {
    const changed = project.db.prepare('SELECT id, updated_at FROM jobs WHERE updated_at > ? ORDER BY updated_at').all(since) as { id: number; updated_at: string }[];
    for (const { id, updated_at: at } of changed) {
      since = at;
      if (!runner.handles(id)) runner.relay({ type: 'job', job: store.get(id) });
    }
  }, intervalMs);
  timer.unref(); // never what keeps a process alive
  return () => clearInterval(timer);
}
