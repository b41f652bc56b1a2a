// Exports a project's self-labels (clusters, boxes, segment maps) in one of the formats other tools read,
// atomically into an output folder.
import type { Project } from '../project/project.ts';
import { writeCoco } from './coco.ts';
import { writeCsv } from './csv.ts';
import { type ExportRuns, gatherExport } from './export-data.ts';
import { type ImageFolderMode, writeImageFolder } from './imagefolder.ts';
import { writeOutputFolder } from './output-folder.ts';
import { writeVoc } from './voc.ts';
import { writeYolo } from './yolo.ts';

export const EXPORT_FORMATS = ['coco', 'yolo', 'voc', 'imagefolder', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest extends ExportRuns {
  format: ExportFormat;
  out: string;
  /** Replace a non-empty output folder. */
  overwrite?: boolean;
  /** ImageFolder: symbolic links (default) or copies. */
  imageFolderMode?: ImageFolderMode;
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  images: number;
  boxes: number;
  masks: number;
  runs: { clusterRunId: number | null; boxRunId: number | null; maskRunId: number | null };
}

export async function exportLabels(project: Project, request: ExportRequest): Promise<ExportSummary> {
  const data = gatherExport(project, request);
  const writers: Record<ExportFormat, (dir: string) => Promise<void>> = {
    coco: (dir) => writeCoco(data, dir),
    yolo: (dir) => writeYolo(data, dir),
    voc: (dir) => writeVoc(data, dir),
    imagefolder: (dir) => writeImageFolder(data, dir, request.imageFolderMode ?? 'symlink'),
    csv: (dir) => writeCsv(data, dir),
  };
  const out = await writeOutputFolder(request.out, request.overwrite ?? false, writers[request.format]);
  return {
    format: request.format,
    out,
    images: data.images.length,
    boxes: data.images.filter((image) => image.box).length,
    masks: data.images.filter((image) => image.mask).length,
    runs: data.runs,
  };
}
