// What each export format holds and which label runs it reads, for the CLI's checks and the app's
// Export dialog (one table, so the two never disagree).
import type { ExportFormat, ExportFormatInfo } from '../../shared/exports.ts';

export const EXPORT_FORMAT_INFO: Record<ExportFormat, ExportFormatInfo> = {
  coco: {
    format: 'coco',
    title: 'COCO JSON',
    files: 'annotations.json',
    includes: 'categories from clusters and segments, one box annotation per kept box, segment masks as compressed RLE',
    uses: ['cluster', 'box', 'mask'],
    requires: null,
  },
  yolo: {
    format: 'yolo',
    title: 'YOLO',
    files: 'labels/<image>.txt, classes.txt, images.txt',
    includes: 'one normalized "class cx cy w h" line per kept box; classes are the clusters',
    uses: ['cluster', 'box'],
    requires: 'box',
  },
  voc: {
    format: 'voc',
    title: 'Pascal VOC XML',
    files: 'Annotations/<image>.xml',
    includes: 'one object per kept box in 1-based inclusive pixels, named after its cluster',
    uses: ['cluster', 'box'],
    requires: 'box',
  },
  imagefolder: {
    format: 'imagefolder',
    title: 'ImageFolder',
    files: '<cluster name>/<image>',
    includes: 'one folder per cluster holding its images as symbolic links or copies (outliers left out)',
    uses: ['cluster'],
    requires: 'cluster',
  },
  csv: {
    format: 'csv',
    title: 'CSV',
    files: 'labels.csv',
    includes: 'one row per image: cluster, distance to the centroid, box and its review status, segment shares',
    uses: ['cluster', 'box', 'mask'],
    requires: null,
  },
};

export interface NamedRuns {
  clusterRunId: number | null;
  boxRunId: number | null;
  maskRunId: number | null;
}

/** The runs with those of kinds the format does not write dropped: they are neither read, counted nor recorded. */
export function runsUsedBy(format: ExportFormat, runs: NamedRuns): NamedRuns {
  const { uses } = EXPORT_FORMAT_INFO[format];
  return {
    clusterRunId: uses.includes('cluster') ? runs.clusterRunId : null,
    boxRunId: uses.includes('box') ? runs.boxRunId : null,
    maskRunId: uses.includes('mask') ? runs.maskRunId : null,
  };
}
