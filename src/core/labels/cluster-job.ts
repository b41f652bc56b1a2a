// The 'cluster' job: k-means (SPEC §2) over the cls features of every ok image that has them for the
// run's model; centroids go to labels/clusters-<run>.f32, assignments to the store in one transaction.
// Resumable in the simple sense: k-means is fast, so a run interrupted or failed is recomputed whole.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { JobContext } from '../jobs/job-context.ts';
import { readFeatures } from '../features/reader.ts';
import type { Project } from '../project/project.ts';
import { ClusterStore } from './cluster-store.ts';
import { CONTENT_ORDER } from './content-order.ts';
import { clusterImages } from './image-clusters.ts';
import { type Matrix, matrix } from './matrix.ts';

export const ClusterSpec = z.object({ runId: z.number().int().positive() });
export type ClusterSpec = z.infer<typeof ClusterSpec>;

class Cancelled extends Error {}

export function centroidFile(runId: number): string {
  return join('labels', `clusters-${runId}.f32`);
}

/** Ok images with cls features of the model, in content order. */
function imagesWithFeatures(project: Project, modelId: string): number[] {
  const rows = project.db
    .prepare(
      `SELECT i.id FROM images i JOIN image_features f ON f.image_id = i.id AND f.model_id = ? AND f.kind = 'cls'
       WHERE i.status = 'ok' ORDER BY ${CONTENT_ORDER}`,
    )
    .all(modelId) as { id: number }[];
  return rows.map((row) => row.id);
}

/** The cls features of every ok image that has them for the model (current content only), in content order. */
export function readClsFeatures(project: Project, modelId: string): { imageIds: number[]; cls: Matrix; damaged: number } {
  const candidates = imagesWithFeatures(project, modelId);
  const features = readFeatures(project, modelId, candidates, 'cls');
  // An index row for outdated content is not "found": those images wait for the features job.
  const imageIds = candidates.filter((_, i) => features.found[i]);
  const dim = features.shape[0] as number;
  const rows = imageIds.length === candidates.length ? features.data : gatherFound(features.data, features.found, dim);
  return { imageIds, cls: matrix(rows, imageIds.length, dim), damaged: features.damaged.length };
}

export async function runClustering(context: JobContext): Promise<void> {
  const { project } = context;
  const { runId } = ClusterSpec.parse(context.spec);
  const store = new ClusterStore(project.db);
  const run = store.get(runId);
  store.setState(runId, 'pending');
  const { seed, restarts, iterations } = run.parameters;
  const total = restarts * iterations;
  try {
    context.progress({ phase: 'reading features', done: 0, total, message: null });
    const { imageIds, cls, damaged } = readClsFeatures(project, run.modelId);
    if (imageIds.length < run.k) throw new Error(`k = ${run.k} needs at least ${run.k} images with features of ${run.modelId}; found ${imageIds.length}.`);
    context.progress({ phase: `k-means (k = ${run.k}, ${imageIds.length} images)` });
    const result = await clusterImages(cls, {
      k: run.k,
      seed,
      restarts,
      iterations,
      onProgress: ({ restart, step }) => {
        if (context.isCancelled()) throw new Cancelled();
        context.progress({ done: Math.min(total, restart * iterations + step) });
      },
    });
    const file = centroidFile(runId);
    mkdirSync(dirname(join(project.root, file)), { recursive: true });
    writeFileSync(join(project.root, file), result.centroids.data);
    store.saveResult(runId, { imageIds, ...result, centroidFile: file });
    context.progress({
      phase: 'finished',
      done: total,
      message: `run #${runId}: ${imageIds.length} images in ${run.k} clusters (${result.method}, inertia ${result.inertia.toFixed(4)})${damagedNote(damaged, run.modelId)}`,
    });
  } catch (error) {
    if (error instanceof Cancelled) return context.progress({ phase: 'cancelled', message: `run #${runId} cancelled; run it again to recompute` });
    store.setState(runId, 'failed');
    throw error;
  }
}

function damagedNote(damaged: number, modelId: string): string {
  if (damaged === 0) return '';
  return `; ${damaged} images left out, whose stored features were damaged (not finite numbers, or cut off the end of a file): run selfguide features --model ${modelId} to extract them again, then cluster again`;
}

function gatherFound(data: Float32Array, found: boolean[], dim: number): Float32Array {
  const out = new Float32Array(found.filter(Boolean).length * dim);
  let at = 0;
  found.forEach((ok, i) => {
    if (!ok) return;
    out.set(data.subarray(i * dim, (i + 1) * dim), at * dim);
    at++;
  });
  return out;
}
