import { JobStore } from '../../core/jobs/job-store.ts';
import { libraryCounts, listFolders } from '../../core/library/queries.ts';
import { openProject } from '../../core/project/project.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { EXIT, printResult, progressLine } from '../output.ts';

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the library counts, folders and recent jobs',
  usage: `selfguide status [--project DIR] [--json]`,
  options: { ...PROJECT_OPTION },
  async run({ values }) {
    const project = openProject(String(values.project));
    try {
      const jobs = new JobStore(project.db);
      jobs.recoverOrphans();
      const result = {
        project: project.root,
        schemaVersion: project.schemaVersion,
        counts: libraryCounts(project.db, null),
        folders: listFolders(project.db),
        jobs: jobs.list(10),
      };
      printResult(Boolean(values.json), result, () => {
        const { counts } = result;
        const lines = [
          `Project ${result.project} (schema v${result.schemaVersion})`,
          `Images: ${counts.all} — ${counts.ok} ok, ${counts.broken} broken, ${counts.duplicate} in duplicate groups, ${counts.missing} missing`,
          'Folders:',
          ...result.folders.map((folder) => `  #${folder.id} ${folder.path} (${folder.imageCount} images)`),
          'Recent jobs:',
          ...result.jobs.map((job) => `  #${job.id} ${job.kind} ${job.state} — ${progressLine(job)}${job.error ? ` — ${job.error}` : ''}`),
        ];
        return lines.join('\n');
      });
      return EXIT.ok;
    } finally {
      project.close();
    }
  },
};
