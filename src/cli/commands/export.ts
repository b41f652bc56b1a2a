import { resolve } from 'node:path';
import { ExportSourceError, startExport } from '../../core/export/start-export.ts';
import { ExportStore } from '../../core/export/export-store.ts';
import { JobRunner } from '../../core/jobs/job-runner.ts';
import { openProject } from '../../core/project/project.ts';
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/exports.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { integerOption } from '../options.ts';
import { UsageError, printResult } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

const RUN_OPTION = { cluster: '--cluster-run', box: '--box-run', mask: '--mask-run' } as const;
const RUN_COMMAND = { cluster: 'selfguide cluster', box: 'selfguide boxes', mask: 'selfguide masks' } as const;

export const exportCommand: Command = {
  name: 'export',
  summary: 'export clusters, boxes and segment masks (COCO, YOLO, VOC, ImageFolder, CSV)',
  usage: `selfguide export --format coco|yolo|voc|imagefolder|csv --out DIR [--cluster-run N] [--box-run N] [--mask-run N]
                 [--accepted-only] [--copy] [--overwrite] [--project DIR] [--json]

Writes the project's self-labels with people's decisions applied (renamed, moved or merged clusters,
edited boxes; rejected boxes left out, and with --accepted-only every box not accepted too) into DIR.
Without run options, the newest done run of each kind is used. Formats (docs/export.md):
  coco         annotations.json: categories from clusters and segments, box bboxes, masks as compressed RLE
  yolo         labels/<image>.txt (class cx cy w h, normalized), classes.txt, images.txt
  voc          Annotations/<image>.xml (Pascal VOC, 1-based inclusive pixel boxes)
  imagefolder  one folder per cluster with the images as symbolic links (--copy: copies)
  csv          labels.csv: image, cluster, distance, box, segments
The folder appears whole or not at all; a non-empty DIR is replaced only with --overwrite.

The export is recorded in the project (the app lists it) and runs as a job: progress on stderr, Ctrl-C
cancels it and leaves nothing behind.

Exit codes: 0 done, 1 failed, 2 usage error, 3 project error, 130 cancelled.`,
  options: {
    ...PROJECT_OPTION,
    format: { type: 'string' },
    out: { type: 'string' },
    'cluster-run': { type: 'string' },
    'box-run': { type: 'string' },
    'mask-run': { type: 'string' },
    'accepted-only': { type: 'boolean', default: false },
    copy: { type: 'boolean', default: false },
    overwrite: { type: 'boolean', default: false },
  },
  async run({ values }) {
    const format = values.format as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
    if (typeof values.out !== 'string') throw new UsageError('--out DIR is required');
    const named = {
      cluster: integerOption(values, 'cluster-run', 1, Number.MAX_SAFE_INTEGER),
      box: integerOption(values, 'box-run', 1, Number.MAX_SAFE_INTEGER),
      mask: integerOption(values, 'mask-run', 1, Number.MAX_SAFE_INTEGER),
    };
    const project = openProject(String(values.project));
    try {
      const runner = new JobRunner(project);
      // Only named runs are passed: with none named, the export takes the newest done run of each kind.
      const runs = Object.values(named).some((id) => id !== undefined) ? { clusterRunId: named.cluster ?? null, boxRunId: named.box ?? null, maskRunId: named.mask ?? null } : {};
      let started;
      try {
        started = startExport(project, runner, {
          format,
          outDir: resolve(values.out),
          ...runs,
          acceptedOnly: Boolean(values['accepted-only']),
          copy: Boolean(values.copy),
          overwrite: Boolean(values.overwrite),
        });
      } catch (error) {
        if (!(error instanceof ExportSourceError)) throw error;
        throw new UsageError(`${error.message} (${RUN_OPTION[error.source]}, or ${RUN_COMMAND[error.source]})`);
      }
      const { job, exitCode } = await followJob(runner, started.job, Boolean(values.json), { resumeHint: 'nothing is written; run the same command again to start over' });
      const record = new ExportStore(project.db).get(started.export.id);
      if (job.state === 'failed') throw new Error(job.error ?? 'the export failed');
      printResult(Boolean(values.json), record, () =>
        job.state === 'done'
          ? `Exported ${record.images} images (${record.boxes} boxes, ${record.masks} masks) as ${format} to ${record.outDir}`
          : `Export ${job.state}: nothing was written to ${record.outDir}`,
      );
      return exitCode;
    } finally {
      project.close();
    }
  },
};
