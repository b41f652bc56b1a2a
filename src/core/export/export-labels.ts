// Exports a project's self-labels (clusters, boxes, segment maps) in one of the formats other tools read,
// atomically into an output folder.
import type { ExportFormat } from '../../shared/exports.ts';
import type { Project } from '../project/project.ts';
import { writeCoco } from './coco.ts';
import { writeCsv } from './csv.ts';
import { type ExportRuns, clusterRunOf, gatherExport } from './export-data.ts';
import { runsUsedBy } from './export-formats.ts';
import { type ImageFolderMode, writeImageFolder } from './imagefolder.ts';
import { writeOutputFolder } from './output-folder.ts';
import { writeVoc } from './voc.ts';
import { writeYolo } from './yolo.ts';

export interface ExportRequest extends ExportRuns {
  format: ExportFormat;
  out: string;
  /** Replace a non-empty output folder. */
  overwrite?: boolean;
  /** ImageFolder: symbolic links (default) or copies. */
  imageFolderMode?: ImageFolderMode;
  /**
   * Told how many images are written (done = 0 first, then after each image). It may throw to stop the
   * export (a cancel): nothing is left behind then, as after any failure.
   */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  /** images the files hold: all, or for ImageFolder those in a cluster, for YOLO and VOC those with a kept box */
  images: number;
  boxes: number;
  masks: number;
  runs: { clusterRunId: number | null; boxRunId: number | null; maskRunId: number | null };
}

/** The request with only the runs its format writes (every format reads clusters). */
function usedRuns(project: Project, request: ExportRequest): ExportRequest {
  const runs = { clusterRunId: clusterRunOf(project, request), boxRunId: request.boxRunId ?? null, maskRunId: request.maskRunId ?? null };
  return { ...request, ...runsUsedBy(request.format, runs) };
}

export async function exportLabels(project: Project, asked: ExportRequest): Promise<ExportSummary> {
  const request = usedRuns(project, asked);
  const data = gatherExport(project, request);
  const total = data.images.length;
  let done = 0;
  const report = request.onProgress ?? (() => {});
  const imageDone = () => report(++done, total);
  // each returns how many images it wrote
  const writers: Record<ExportFormat, (dir: string) => Promise<number>> = {
    coco: (dir) => writeCoco(data, dir, imageDone),
    yolo: (dir) => writeYolo(data, dir, imageDone),
    voc: (dir) => writeVoc(data, dir, imageDone),
    imagefolder: (dir) => writeImageFolder(data, dir, request.imageFolderMode ?? 'symlink', imageDone),
    csv: (dir) => writeCsv(data, dir, imageDone),
  };
  let images = 0;
  const out = await writeOutputFolder(request.out, request.overwrite ?? false, async (dir) => {
    report(0, total);
    images = await writers[request.format](dir);
  });
  return {
    format: request.format,
    out,
    images,
    boxes: data.images.filter((image) => image.box).length,
    masks: data.images.filter((image) => image.mask).length,
    runs: data.runs,
  };
}
