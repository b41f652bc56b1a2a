import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { addFolder } from '../../core/library/folders.ts';
import { libraryCounts } from '../../core/library/queries.ts';
import { createProject } from '../../core/project/project.ts';
import type { Command } from '../command.ts';
import { formatDuration, printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

export const SAMPLE_DIR = fileURLToPath(new URL('../../../samples/fashion-mnist-1k', import.meta.url));

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the headless demo on the bundled sample collection',
  usage: `selfguide demo [--out DIR] [--json]

Creates a project in DIR (default ./selfguide-demo), ingests the bundled sample collection
(${SAMPLE_DIR}) and prints a summary. Running it again reuses the project and rescans.`,
  options: { out: { type: 'string', default: 'selfguide-demo' } },
  async run({ values }) {
    const started = performance.now();
    const project = createProject(resolve(String(values.out)));
    try {
      addFolder(project.db, SAMPLE_DIR);
      const runner = new JobRunner(project);
      const { job, exitCode } = await followJob(runner, runner.submit('scan', { folderIds: [] }), Boolean(values.json));
      const counts = libraryCounts(project.db, null);
      const formats = project.db
        .prepare("SELECT format, count(*) AS n FROM images WHERE status = 'ok' GROUP BY format ORDER BY n DESC")
        .all() as { format: string; n: number }[];
      const seconds = (performance.now() - started) / 1000;
      const summary = { project: project.root, scan: job, counts, formats, seconds };
      printResult(Boolean(values.json), summary, () =>
        [
          `selfguide demo — project ${project.root}`,
          `Ingested ${counts.all} images from ${SAMPLE_DIR} in ${formatDuration(seconds)}:`,
          `  ${counts.ok} ok, ${counts.broken} broken, ${counts.duplicate} in duplicate groups, ${counts.missing} missing`,
          `  formats: ${formats.map((row) => `${row.format} ${row.n}`).join(', ')}`,
          `Browse it: npm run serve -- ${join(project.root)}`,
        ].join('\n'),
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
