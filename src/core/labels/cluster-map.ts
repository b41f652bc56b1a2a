// The clusters map: a 2-D layout of a model's cls features, computed by the 'cluster-map' job and
// cached on disk per (model, method) under maps/, then shown for any run of that model coloured by
// the run's effective clusters.
//   maps/<model>.<method>.bin: "SGM1", u32 n, i32 image ids[n], f32 positions[n × 2] in [0, 1]²
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ClusterMap, MapMethod } from '../../shared/clusters.ts';
import type { Job } from '../../shared/schemas.ts';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import type { JobContext } from '../jobs/job-context.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { readClsFeatures } from './cluster-job.ts';
import { ClusterStore } from './cluster-store.ts';
import { effectiveAssignments } from './effective-clusters.ts';
import { LayoutCancelled, normalizeLayout, pcaLayout, UMAP_LIMIT, umapLayout } from './embedding-2d.ts';
import { l2NormalizeRows } from './matrix.ts';

const MAGIC = 0x314d4753; // "SGM1" little-endian
/** The map's layouts are seeded with this, so a recomputed map looks the same for the same features. */
export const MAP_SEED = 0;

export const ClusterMapSpec = z.object({ modelId: z.string().min(1), method: z.enum(['umap', 'pca']) });
export type ClusterMapSpec = z.infer<typeof ClusterMapSpec>;

export function mapFile(project: Project, modelId: string, method: MapMethod): string {
  return join(project.root, 'maps', `${modelId}.${method}.bin`);
}

/** UMAP up to UMAP_LIMIT images, PCA above. */
export function mapMethodFor(images: number): MapMethod {
  return images <= UMAP_LIMIT ? 'umap' : 'pca';
}

export function encodeMap(imageIds: readonly number[], positions: Float32Array): Uint8Array {
  const n = imageIds.length;
  const buffer = new ArrayBuffer(8 + n * 4 + n * 8);
  new Uint32Array(buffer, 0, 2).set([MAGIC, n]);
  new Int32Array(buffer, 8, n).set(imageIds);
  new Float32Array(buffer, 8 + n * 4, n * 2).set(positions);
  return new Uint8Array(buffer);
}

export function decodeMap(bytes: Uint8Array): { imageIds: Int32Array; positions: Float32Array } {
  // A copy: a Buffer may be a view into a shared pool (and Buffer#slice does not copy).
  const copy = new Uint8Array(bytes).buffer;
  const [magic, n] = new Uint32Array(copy, 0, 2) as unknown as [number, number];
  if (magic !== MAGIC || copy.byteLength !== 8 + n * 12) throw new Error('Not a selfguide map file (or a truncated one); compute the map again.');
  return { imageIds: new Int32Array(copy, 8, n), positions: new Float32Array(copy, 8 + n * 4, n * 2) };
}

/** The 'cluster-map' job: reads the model's cls features, lays them out, writes the cache file. Rerun whole after an interruption. */
export async function runClusterMap(context: JobContext): Promise<void> {
  const { modelId, method } = ClusterMapSpec.parse(context.spec);
  const total = 1000;
  context.progress({ phase: 'reading features', done: 0, total, message: null });
  const { imageIds, cls } = readClsFeatures(context.project, modelId);
  context.progress({ phase: `${method.toUpperCase()} of ${imageIds.length} images` });
  const options = {
    seed: MAP_SEED,
    onProgress: (fraction: number) => {
      context.progress({ done: Math.round(fraction * total) });
      return !context.isCancelled();
    },
  };
  try {
    const unit = l2NormalizeRows(cls);
    const layout = method === 'umap' ? await umapLayout(unit, options) : await pcaLayout(unit, options);
    if (context.isCancelled()) throw new LayoutCancelled();
    await writeFileAtomic(mapFile(context.project, modelId, method), encodeMap(imageIds, normalizeLayout(layout)));
  } catch (error) {
    if (error instanceof LayoutCancelled) return context.progress({ phase: 'cancelled', message: 'map cancelled; resume the job to compute it' });
    throw error;
  }
  context.progress({ phase: 'finished', done: total, message: `${method.toUpperCase()} map of ${imageIds.length} images (${modelId})` });
}

export function startClusterMap(project: Project, runner: JobRunner, runId: number, method: MapMethod | null): Job {
  const run = new ClusterStore(project.db).get(runId);
  const chosen = method ?? mapMethodFor(run.images ?? 0);
  return runner.submit('cluster-map', { modelId: run.modelId, method: chosen } satisfies ClusterMapSpec);
}

/** The run's images at their cached positions, with effective clusters; null until the map was computed. */
export function clusterMap(project: Project, runId: number, method: MapMethod | null): ClusterMap | null {
  const run = new ClusterStore(project.db).get(runId);
  const chosen = method ?? mapMethodFor(run.images ?? 0);
  const file = mapFile(project, run.modelId, chosen);
  if (!existsSync(file)) return null;
  const { imageIds, positions } = decodeMap(readFileSync(file));
  const at = new Map<number, number>();
  imageIds.forEach((imageId, i) => at.set(imageId, i));
  const out: ClusterMap = { runId, modelId: run.modelId, method: chosen, imageIds: [], x: [], y: [], clusters: [], missing: 0 };
  for (const assignment of effectiveAssignments(project.db, runId)) {
    const i = at.get(assignment.imageId);
    if (i === undefined) {
      out.missing++;
      continue;
    }
    out.imageIds.push(assignment.imageId);
    // Four decimals: a 10,000-pixel-wide map is still exact to the pixel, and the answer stays small.
    out.x.push(Math.round((positions[i * 2] as number) * 1e4) / 1e4);
    out.y.push(Math.round((positions[i * 2 + 1] as number) * 1e4) / 1e4);
    out.clusters.push(assignment.cluster ?? -1);
  }
  return out;
}
