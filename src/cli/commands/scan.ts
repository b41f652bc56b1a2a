import { resolve } from 'node:path';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { JobStore } from '../../core/jobs/job-store.ts';
import { addFolder } from '../../core/library/folders.ts';
import { libraryCounts } from '../../core/library/queries.ts';
import { openProject } from '../../core/project/project.ts';
import { transaction } from '../../core/store/database.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { printResult } from '../output.ts';
import { RUN_AGAIN_TO_RESUME, followJob } from '../run-job-in-cli.ts';

export const scanCommand: Command = {
  name: 'scan',
  summary: 'add folders and scan them for images (incremental)',
  usage: `selfguide scan [--project DIR] [FOLDER ...] [--quiet] [--json]

Adds each FOLDER to the project (if given) and scans every folder of the project: new or changed
files are decoded, validated and thumbnailed; unchanged ones are skipped; vanished ones are marked
missing. An interrupted or cancelled scan is resumed. Ctrl-C cancels; run again to resume.
A FOLDER inside a folder of the project, or holding one, is refused (its files would be counted twice).

Exit codes: 0 done, 1 the scan failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: { ...PROJECT_OPTION, quiet: { type: 'boolean', short: 'q', default: false } },
  async run({ values, positionals }) {
    const project = openProject(String(values.project));
    try {
      // Relative folders are the shell's; all of them are registered, or none when one is refused.
      transaction(project.db, () => positionals.forEach((folder) => addFolder(project.db, resolve(folder))));
      const runner = new JobRunner(project);
      const store = new JobStore(project.db);
      store.recoverOrphans();
      const unfinished = store.list().find((job) => job.kind === 'scan' && ['interrupted', 'cancelled', 'queued'].includes(job.state));
      const job = unfinished && positionals.length === 0 ? runner.resume(unfinished.id) : runner.submit('scan', { folderIds: [] });
      if (unfinished && job.id === unfinished.id && !values.quiet) process.stderr.write(`Resuming scan job #${job.id}.\n`);
      const { job: final, exitCode } = await followJob(runner, job, Boolean(values.quiet || values.json), { resumeHint: RUN_AGAIN_TO_RESUME });
      const counts = libraryCounts(project.db, null);
      printResult(Boolean(values.json), { job: final, counts }, () =>
        [
          `Scan ${final.state}: ${final.done.toLocaleString('en')} file(s) decoded or checked, ${final.failedItems} broken.`,
          final.error ? `Error: ${final.error}` : null,
          final.message ? `Note: ${final.message}` : null,
          `Library: ${counts.all} images — ${counts.ok} ok, ${counts.broken} broken, ${counts.duplicate} in duplicate groups, ${counts.missing} missing.`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
