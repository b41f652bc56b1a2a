// Runs a scan job through the real job runner (in its worker thread) and returns the final job.
import { JobRunner } from '../../src/core/jobs/job-runner.ts';
import { addFolder } from '../../src/core/library/folders.ts';
import type { Project } from '../../src/core/project/project.ts';
import type { ApiEvent } from '../../src/shared/api.ts';
import type { Job } from '../../src/shared/schemas.ts';

export async function scanFolders(project: Project, folders: string[] = []): Promise<{ job: Job; events: ApiEvent[] }> {
  for (const folder of folders) addFolder(project.db, folder);
  const runner = new JobRunner(project);
  const events: ApiEvent[] = [];
  runner.events.on('event', (event) => events.push(event));
  const job = runner.submit('scan', { folderIds: [] });
  return { job: await runner.waitFor(job.id), events };
}

export interface Row {
  rel_path: string;
  status: string;
  error: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  sha256: string | null;
  duplicate_count: number;
  scanned_at: string;
}

export function rows(project: Project): Map<string, Row> {
  const all = project.db.prepare('SELECT * FROM images ORDER BY rel_path').all() as unknown as Row[];
  return new Map(all.map((row) => [row.rel_path, row]));
}
