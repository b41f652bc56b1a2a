import { EXPORT_FORMATS, type ExportFormat, exportLabels } from '../../core/export/export-labels.ts';
import { openProject } from '../../core/project/project.ts';
import { type Command, PROJECT_OPTION } from '../command.ts';
import { latestDoneRun } from '../label-runs.ts';
import { integerOption } from '../options.ts';
import { UsageError, printResult } from '../output.ts';

const NEEDS: Partial<Record<ExportFormat, 'box' | 'cluster'>> = { yolo: 'box', voc: 'box', imagefolder: 'cluster' };

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

Exit codes: 0 done, 1 failed, 2 usage error, 3 project error.`,
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
      const anyNamed = Object.values(named).some((id) => id !== undefined);
      const pick = (kind: 'cluster' | 'box' | 'mask') => named[kind] ?? (anyNamed ? null : latestDoneRun(project, kind));
      const runs = { clusterRunId: pick('cluster'), boxRunId: pick('box'), maskRunId: pick('mask') };
      const needed = NEEDS[format];
      if (needed === 'box' && runs.boxRunId === null) throw new UsageError(`${format} files hold boxes: give --box-run, or compute boxes first (selfguide boxes)`);
      if (needed === 'cluster' && runs.clusterRunId === null) throw new UsageError('imagefolder sorts images by cluster: give --cluster-run, or cluster first (selfguide cluster)');
      const summary = await exportLabels(project, {
        format,
        out: values.out,
        ...runs,
        acceptedBoxesOnly: Boolean(values['accepted-only']),
        overwrite: Boolean(values.overwrite),
        imageFolderMode: values.copy ? 'copy' : 'symlink',
      });
      printResult(Boolean(values.json), summary, () => `Exported ${summary.images} images (${summary.boxes} boxes, ${summary.masks} masks) as ${format} to ${summary.out}`);
      return 0;
    } finally {
      project.close();
    }
  },
};
