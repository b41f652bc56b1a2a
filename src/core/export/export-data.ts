// What an export writes, gathered once for every format: the images that some chosen run labels, each
// with its cluster (name included, as people renamed it), its effective LOST box (people's decisions
// applied, rejected boxes left out) and its segment map, plus the class lists those labels use.
import { join } from 'node:path';
import type { Project } from '../project/project.ts';
import { BoxStore } from '../labels/box-store.ts';
import { ClusterStore } from '../labels/cluster-store.ts';
import { effectiveAssignments, effectiveClusters } from '../labels/effective-clusters.ts';
import { MaskStore } from '../labels/mask-store.ts';

export interface ExportRuns {
  clusterRunId?: number | null;
  boxRunId?: number | null;
  maskRunId?: number | null;
  /** Only boxes a person accepted (default: every box not rejected). */
  acceptedBoxesOnly?: boolean;
}

export interface ExportClass {
  id: number;
  name: string;
}

export interface ExportImage {
  id: number;
  /** Unique path of the image inside an export (its path in its folder, prefixed by the folder when two folders share one). */
  name: string;
  /** The source file. */
  path: string;
  width: number;
  height: number;
  cluster: { id: number; name: string; distance: number } | null;
  /** [x0, y0, x1, y1] in pixels (x1, y1 exclusive) and the class it counts as (a cluster id, or 0 without clusters). */
  box: { box: [number, number, number, number]; classId: number; status: 'pending' | 'accepted' } | null;
  /** Absolute path of the segment map PNG and its pixel count per segment. */
  mask: { file: string; histogram: number[] } | null;
}

export interface ExportData {
  images: ExportImage[];
  /** Classes of boxes and images: the clustering run's clusters, or one class "object" without one. */
  clusters: ExportClass[];
  /** Classes of segment-map pixels; empty without a mask run. */
  segments: ExportClass[];
  runs: { clusterRunId: number | null; boxRunId: number | null; maskRunId: number | null };
}

/** Called by a format writer once per image of ExportData.images, when it is written (or skipped). */
export type ImageDone = () => void;

export class ExportError extends Error {
  override name = 'ExportError';
}

const ONE_CLASS: ExportClass[] = [{ id: 0, name: 'object' }];

interface ImageRow {
  id: number;
  folderId: number;
  folderPath: string;
  relPath: string;
  width: number;
  height: number;
}

/** The clustering run an export reads: the one named, else the box run's own (boxes are classed by it). */
export function clusterRunOf(project: Project, runs: Pick<ExportRuns, 'clusterRunId' | 'boxRunId'>): number | null {
  return runs.clusterRunId ?? (runs.boxRunId ? new BoxStore(project.db).get(runs.boxRunId).clusterRunId : null);
}

export function gatherExport(project: Project, runs: ExportRuns): ExportData {
  const { db } = project;
  const boxRun = runs.boxRunId ? new BoxStore(db).get(runs.boxRunId) : null;
  const clusterRunId = clusterRunOf(project, runs);
  const maskRunId = runs.maskRunId ?? null;
  if (clusterRunId === null && boxRun === null && maskRunId === null) throw new ExportError('Nothing to export: name a clustering run, a box run or a mask run.');
  for (const [what, state] of [
    ['Clustering run', clusterRunId && new ClusterStore(db).get(clusterRunId).state],
    ['Box run', boxRun?.state],
    ['Mask run', maskRunId && new MaskStore(db).get(maskRunId).state],
  ] as const) {
    if (state && state !== 'done') throw new ExportError(`${what} is ${state}; export it once its job is done.`);
  }

  // People's edits of the clustering (moves, merges, outliers, names) count: the effective clustering.
  const clusters = clusterRunId ? effectiveClusters(db, clusterRunId).map(({ id, name }) => ({ id, name })) : ONE_CLASS;
  const names = new Map(clusters.map((c) => [c.id, c.name]));
  const clusterOf = new Map<number, { id: number; name: string; distance: number }>();
  for (const row of clusterRunId ? effectiveAssignments(db, clusterRunId) : []) {
    if (row.cluster !== null) clusterOf.set(row.imageId, { id: row.cluster, name: names.get(row.cluster) ?? String(row.cluster), distance: row.distance });
  }
  // A box's own cluster counts only when it comes from the clustering run being exported.
  const boxClusters = boxRun !== null && boxRun.clusterRunId === clusterRunId;
  const boxOf = new Map<number, ExportImage['box']>();
  for (const item of boxRun ? new BoxStore(db).all(boxRun.id) : []) {
    const { box, cluster, status } = item.effective;
    if (!box || status === 'rejected' || (runs.acceptedBoxesOnly && status !== 'accepted')) continue;
    const classId = (boxClusters ? cluster : null) ?? clusterOf.get(item.imageId)?.id ?? 0;
    boxOf.set(item.imageId, { box, classId, status });
  }
  const maskStore = new MaskStore(db);
  const segments = maskRunId ? maskStore.segments(maskRunId).map(({ id, name }) => ({ id, name })) : [];
  const maskOf = new Map((maskRunId ? maskStore.maps(maskRunId) : []).map((map) => [map.imageId, { file: join(project.root, map.file), histogram: map.histogram }]));

  const labelled = new Set([...clusterOf.keys(), ...boxOf.keys(), ...maskOf.keys()]);
  const rows = (
    db
      .prepare(
        `SELECT i.id, i.folder_id AS folderId, f.path AS folderPath, i.rel_path AS relPath, i.width, i.height
         FROM images i JOIN folders f ON f.id = i.folder_id WHERE i.status = 'ok' ORDER BY i.id`,
      )
      .all() as unknown as ImageRow[]
  ).filter((row) => labelled.has(row.id));
  const shared = sharedRelPaths(rows);
  const images = rows.map((row) => ({
    id: row.id,
    name: shared.has(row.relPath) ? `folder-${row.folderId}/${row.relPath}` : row.relPath,
    path: join(row.folderPath, row.relPath),
    width: row.width,
    height: row.height,
    cluster: clusterOf.get(row.id) ?? null,
    box: boxOf.get(row.id) ?? null,
    mask: maskOf.get(row.id) ?? null,
  }));
  return { images, clusters, segments, runs: { clusterRunId, boxRunId: boxRun?.id ?? null, maskRunId } };
}

function sharedRelPaths(rows: ImageRow[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const { relPath } of rows) (seen.has(relPath) ? shared : seen).add(relPath);
  return shared;
}
