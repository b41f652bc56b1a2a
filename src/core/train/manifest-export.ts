// Writes the training manifest (trainer/docs/manifest.md) from the store: one line per ok image whose
// file is still there, with the condition of the run's guidance level, and a seeded held-out split.
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { GuidanceLevel } from '../../shared/train.ts';
import { BoxStore } from '../labels/box-store.ts';
import { ClusterStore, defaultClusterName } from '../labels/cluster-store.ts';
import { effectiveAssignments, effectiveClusters } from '../labels/effective-clusters.ts';
import { LabellingStore } from '../labels/labelling-store.ts';
import { MaskStore } from '../labels/mask-store.ts';
import { sampleWithoutReplacement, seededRng } from '../labels/rng.ts';
import { decodeSegmentPng } from '../labels/segment-png.ts';
import type { Project } from '../project/project.ts';
import type { TrainSource } from './train-store.ts';

/** The chosen level cannot be trained from what the store holds; the message says what to compute first. */
export class TrainSourceError extends Error {
  override name = 'TrainSourceError';
}

export interface SourceRequest {
  level: GuidanceLevel;
  clusterRunId?: number | null;
  labellingId?: number | null;
  boxRunId?: number | null;
  maskRunId?: number | null;
}

/** Checks the request against the store; an omitted source is the newest usable one. */
export function resolveSource(project: Project, request: SourceRequest): TrainSource {
  const source: TrainSource = { level: request.level, clusterRunId: null, labellingId: null, boxRunId: null, maskRunId: null };
  const { db } = project;
  if (request.level === 'label') {
    const labellings = new LabellingStore(db);
    source.labellingId = request.labellingId ?? labellings.list().at(-1)?.id ?? null;
    if (source.labellingId === null) throw new TrainSourceError('Label guidance needs ground-truth labels: import them first (selfguide labels import CSV|--from-folders).');
    if (labellings.get(source.labellingId).images === 0) throw new TrainSourceError(`Labelling #${source.labellingId} labels no image.`);
  } else if (request.level === 'cluster') {
    source.clusterRunId = request.clusterRunId ?? newestDone(new ClusterStore(db).list());
    if (source.clusterRunId === null) throw new TrainSourceError('Cluster guidance needs a finished clustering run: compute clusters first (selfguide cluster --k N).');
    requireDone(new ClusterStore(db).get(source.clusterRunId), 'Clustering run', 'selfguide cluster');
  } else if (request.level === 'box') {
    const boxes = new BoxStore(db);
    source.boxRunId = request.boxRunId ?? newestDone(boxes.list().filter((run) => run.boxes > 0));
    if (source.boxRunId === null) throw new TrainSourceError('Box guidance needs LOST boxes: compute boxes first (selfguide boxes), with a clustering run for their clusters.');
    const run = boxes.get(source.boxRunId);
    requireDone(run, 'Box run', 'selfguide boxes');
    if (run.clusterRunId === null) {
      throw new TrainSourceError(`Box run #${run.id} has no clustering run, so its boxes have no cluster: compute boxes with a clustering run (selfguide boxes --cluster-run N).`);
    }
    source.clusterRunId = run.clusterRunId;
  } else if (request.level === 'mask') {
    const masks = new MaskStore(db);
    source.maskRunId = request.maskRunId ?? newestDone(masks.list().filter((run) => run.images > 0));
    if (source.maskRunId === null) throw new TrainSourceError('Mask guidance needs segment masks: compute masks first (selfguide masks).');
    requireDone(masks.get(source.maskRunId), 'Mask run', 'selfguide masks');
  }
  return source;
}

function newestDone(runs: { id: number; state: string }[]): number | null {
  return runs.filter((run) => run.state === 'done').at(-1)?.id ?? null;
}

function requireDone(run: { id: number; state: string }, what: string, command: string): void {
  if (run.state !== 'done') throw new TrainSourceError(`${what} #${run.id} is ${run.state}, not done: let it finish (or run ${command} again) before training on it.`);
}

/** The manifest's header fields and each image's condition fields for one level. */
interface Conditions {
  header: Record<string, unknown>;
  row(imageId: number): Promise<Record<string, unknown>>;
}

/** One-hot length and names of a clustering run's effective clusters (ids 0 … k−1, then those made by splits). */
function clusterNames(project: Project, clusterRunId: number): { k: number; names: string[] } {
  const clusters = effectiveClusters(project.db, clusterRunId);
  const k = Math.max(...clusters.map((cluster) => cluster.id)) + 1;
  const byId = new Map(clusters.map((cluster) => [cluster.id, cluster.name]));
  return { k, names: Array.from({ length: k }, (_, id) => byId.get(id) ?? defaultClusterName(id)) };
}

function conditionsFor(project: Project, source: TrainSource, maskDir: string): Conditions {
  const { db } = project;
  switch (source.level) {
    case 'none':
      return { header: {}, row: async () => ({}) };
    case 'label': {
      const labels = new LabellingStore(db).labels(source.labellingId as number);
      const classNames = [...new Set(labels.values())].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      const index = new Map(classNames.map((name, i) => [name, i]));
      return {
        header: { num_classes: classNames.length, class_names: classNames },
        row: async (imageId) => ({ label: labels.has(imageId) ? index.get(labels.get(imageId) as string) : null }),
      };
    }
    case 'cluster': {
      const { k, names } = clusterNames(project, source.clusterRunId as number);
      // People's moves, merges and splits count; an outlier trains unconditionally.
      const assigned = new Map(effectiveAssignments(db, source.clusterRunId as number).map((row) => [row.imageId, row.cluster]));
      return { header: { num_clusters: k, cluster_names: names }, row: async (imageId) => ({ cluster: assigned.get(imageId) ?? null }) };
    }
    case 'box': {
      const { k, names } = clusterNames(project, source.clusterRunId as number);
      const boxes = new Map(new BoxStore(db).all(source.boxRunId as number).map((image) => [image.imageId, image.effective]));
      return {
        header: { num_clusters: k, cluster_names: names },
        row: async (imageId) => {
          const effective = boxes.get(imageId);
          // A rejected box trains like an unlabeled image: no layout, no cluster.
          if (!effective || effective.status === 'rejected' || effective.box === null) return { box: null, cluster: null };
          return { box: effective.box, cluster: effective.cluster };
        },
      };
    }
    case 'mask': {
      const masks = new MaskStore(db);
      const segments = masks.segments(source.maskRunId as number);
      const files = new Map(masks.maps(source.maskRunId as number).map((map) => [map.imageId, map.file]));
      mkdirSync(maskDir, { recursive: true });
      return {
        header: { num_segments: segments.length, segment_names: segments.map((segment) => segment.name) },
        // The store keeps maps in a colour palette for people; the trainer reads segment ids as grey levels.
        row: async (imageId) => {
          const file = files.get(imageId);
          if (!file) return { mask: null };
          const target = join(maskDir, `${imageId}.png`);
          if (!existsSync(target)) {
            const { map, width, height } = await decodeSegmentPng(await sharp(join(project.root, file)).png().toBuffer());
            await sharp(Buffer.from(map), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(`${target}.tmp`);
            renameSync(`${target}.tmp`, target);
          }
          return { mask: target };
        },
      };
    }
  }
}

export interface ManifestOptions {
  seed: number;
  /** Share of the images held out (split "val"). */
  valShare: number;
  /** Where a mask run's maps are written as grey segment-id PNGs. */
  maskDir: string;
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
}

export interface ManifestSummary {
  /** Lines written (train + val). */
  images: number;
  val: number;
  /** Ok images whose file was gone. */
  missing: number;
  /** Images with the level's condition (the rest train unconditionally). */
  conditioned: number;
}

export class ManifestCancelled extends Error {}

const FLUSH_BYTES = 1 << 20;

/**
 * Writes the manifest to `file` (atomically: a temporary file renamed at the end). Broken images are
 * left out by the store's status; images whose file has gone since the scan are skipped and counted.
 */
export async function writeManifest(project: Project, source: TrainSource, file: string, options: ManifestOptions): Promise<ManifestSummary> {
  const images = project.db
    .prepare(
      `SELECT i.id, f.path || CASE WHEN substr(f.path, -1) = '/' THEN '' ELSE '/' END || i.rel_path AS path
       FROM images i JOIN folders f ON f.id = i.folder_id WHERE i.status = 'ok' ORDER BY i.id`,
    )
    .all() as { id: number; path: string }[];
  if (images.length === 0) throw new TrainSourceError('The project has no ok images to train on: add a folder and scan it first.');
  const conditions = conditionsFor(project, source, options.maskDir);
  const heldOut = new Uint8Array(images.length);
  const valCount = Math.min(Math.floor(images.length * options.valShare), images.length - 1);
  for (const index of sampleWithoutReplacement(seededRng(options.seed), images.length, valCount)) heldOut[index] = 1;

  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, 'w');
  const summary: ManifestSummary = { images: 0, val: 0, missing: 0, conditioned: 0 };
  try {
    let chunk = `${JSON.stringify({ format: 'selfguide-manifest', version: 1, cond: source.level, ...conditions.header })}\n`;
    for (let i = 0; i < images.length; i++) {
      if (options.isCancelled?.()) throw new ManifestCancelled();
      const image = images[i] as { id: number; path: string };
      if (!existsSync(image.path)) {
        summary.missing++;
        continue;
      }
      const fields = await conditions.row(image.id);
      if (Object.values(fields).some((value) => value !== null && value !== undefined)) summary.conditioned++;
      const split = heldOut[i] ? 'val' : 'train';
      if (split === 'val') summary.val++;
      summary.images++;
      chunk += `${JSON.stringify({ path: image.path, ...fields, split, image_id: image.id })}\n`;
      if (chunk.length >= FLUSH_BYTES) {
        writeSync(fd, chunk);
        chunk = '';
        options.onProgress?.(i + 1, images.length);
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  if (summary.images - summary.val === 0) throw new TrainSourceError('No image file of the project could be found: rescan the library (selfguide scan).');
  renameSync(temporary, file);
  options.onProgress?.(images.length, images.length);
  return summary;
}
