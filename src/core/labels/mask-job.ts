// The 'masks' job (SPEC §4): k-means over the L2-normalized patch tokens of (a seeded sample of) the
// collection gives K segments that mean the same thing in every image; then each image's tokens become
// a segment map at the image's size, stored as a palette PNG under masks/<run>/ with its histogram.
// Resumable: the fitted centroids are kept (labels/segments-<run>.f32) and images with a map are skipped.
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readFeatures } from '../features/reader.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { ModelRegistry } from '../models/registry.ts';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import type { Project } from '../project/project.ts';
import type { ModelInfo } from '../../shared/models.ts';
import type { MaskRun } from '../../shared/masks.ts';
import { CONTENT_ORDER } from './content-order.ts';
import { type Matrix, matrix } from './matrix.ts';
import { maskFile, MaskStore, segmentCentroidFile } from './mask-store.ts';
import { sampleWithoutReplacement, seededRng } from './rng.ts';
import { fitSegments, segmentMap } from './segment-masks.ts';
import { encodeSegmentPng } from './segment-png.ts';

export const MasksSpec = z.object({ runId: z.number().int().positive() });
export type MasksSpec = z.infer<typeof MasksSpec>;

const PAGE = 32;

class Cancelled extends Error {}

interface MaskImage {
  id: number;
  width: number;
  height: number;
  hasMap: boolean;
}

/** Ok images with patch features of the model, in content order, and whether the run already has their map. */
function imagesWithPatches(project: Project, modelId: string, runId: number): MaskImage[] {
  return (
    project.db
      .prepare(
        `SELECT i.id, i.width, i.height, EXISTS (SELECT 1 FROM image_masks m WHERE m.run_id = ? AND m.image_id = i.id) AS hasMap
         FROM images i JOIN image_features f ON f.image_id = i.id AND f.model_id = ? AND f.kind = 'patches'
         WHERE i.status = 'ok' ORDER BY ${CONTENT_ORDER}`,
      )
      .all(runId, modelId) as { id: number; width: number; height: number; hasMap: number }[]
  ).map((row) => ({ ...row, hasMap: row.hasMap === 1 }));
}

/** Fits the run's segments on whole images' tokens, at most maxTokens of them (a seeded sample of images). */
async function fitRunSegments(context: JobContext, run: MaskRun, images: MaskImage[], tokensPerImage: number): Promise<Matrix> {
  const { project } = context;
  const { seed, restarts, iterations, maxTokens } = run.parameters;
  const fit = Math.max(1, Math.min(images.length, Math.floor(maxTokens / tokensPerImage)));
  const chosen = fit === images.length ? images.map((image) => image.id) : Array.from(sampleWithoutReplacement(seededRng(seed), images.length, fit), (i) => images[i]!.id);
  context.progress({ phase: `reading patch tokens of ${chosen.length} images` });
  const features = readFeatures(project, run.modelId, chosen, 'patches');
  const dim = features.shape[1] as number;
  const rows = features.found.filter(Boolean).length * tokensPerImage;
  if (rows < run.k) throw new Error(`K = ${run.k} segments need at least ${run.k} patch tokens; found ${rows}. Run: selfguide features --model ${run.modelId} --with-patches`);
  const tokens = new Float32Array(rows * dim);
  let at = 0;
  features.found.forEach((found, i) => {
    if (!found) return;
    const size = tokensPerImage * dim;
    tokens.set(features.data.subarray(i * size, (i + 1) * size), at);
    at += size;
  });
  context.progress({ phase: `k-means over ${rows} patch tokens (K = ${run.k})` });
  const result = await fitSegments(matrix(tokens, rows, dim), {
    k: run.k,
    seed,
    restarts,
    iterations,
    onProgress: () => {
      if (context.isCancelled()) throw new Cancelled();
    },
  });
  const file = segmentCentroidFile(run.id);
  // A fresh fit invalidates maps drawn with earlier centroids.
  await rm(join(project.root, 'masks', String(run.id)), { recursive: true, force: true });
  await writeFileAtomic(join(project.root, file), new Uint8Array(result.centroids.data.buffer, result.centroids.data.byteOffset, result.centroids.data.byteLength));
  new MaskStore(project.db).setCentroids(run.id, file);
  return result.centroids;
}

function storedCentroids(project: Project, run: MaskRun): Matrix | null {
  if (!run.centroidFile || !existsSync(join(project.root, run.centroidFile))) return null;
  const bytes = readFileSync(join(project.root, run.centroidFile));
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return matrix(data, run.k, data.length / run.k);
}

function patchGrid(model: ModelInfo, tokens: number): { gridHeight: number; gridWidth: number } {
  const { width, height } = model.preprocessing;
  const [gridHeight, gridWidth] = [Math.floor(height / model.patchSize), Math.floor(width / model.patchSize)];
  if (gridHeight * gridWidth !== tokens) throw new Error(`model ${model.id}: ${tokens} patch tokens do not fill its ${gridHeight}×${gridWidth} patch grid`);
  return { gridHeight, gridWidth };
}

export async function runMasks(context: JobContext): Promise<void> {
  const { project } = context;
  const { runId } = MasksSpec.parse(context.spec);
  const store = new MaskStore(project.db);
  const run = store.get(runId);
  store.setState(runId, 'pending');
  try {
    const model = new ModelRegistry(project).get(run.modelId);
    const images = imagesWithPatches(project, model.id, runId);
    if (images.length === 0) throw new Error(`No image has patch features of model "${model.id}". Run: selfguide features --model ${model.id} --with-patches`);
    const tokensPerImage = model.outputs.patches[0] as number;
    const grid = patchGrid(model, tokensPerImage);
    const total = images.length;
    let done = images.filter((image) => image.hasMap).length;
    context.progress({ phase: 'segments', done, total, message: null, baseline: true });
    const centroids = storedCentroids(project, run) ?? (await fitRunSegments(context, run, images, tokensPerImage));
    const pending = images.filter((image) => !image.hasMap);
    let stale = 0;
    context.progress({ phase: `segment maps (K = ${run.k})` });
    for (let start = 0; start < pending.length && !context.isCancelled(); start += PAGE) {
      const page = pending.slice(start, start + PAGE);
      const features = readFeatures(project, model.id, page.map((image) => image.id), 'patches');
      const size = tokensPerImage * centroids.cols;
      for (const [i, image] of page.entries()) {
        if (context.isCancelled()) break;
        // Features of outdated content, or damaged ones: the image waits for the features job.
        if (features.found[i]) await drawMap(project, run.id, image, matrix(features.data.slice(i * size, (i + 1) * size), tokensPerImage, centroids.cols), centroids, grid, run.k);
        else stale++;
        context.progress({ done: ++done });
      }
    }
    if (context.isCancelled()) return context.progress({ phase: 'cancelled', message: `mask run #${runId}: ${done} of ${total} images done; resume the job to finish` });
    store.setState(runId, 'done');
    const staleNote = stale > 0 ? `; ${stale} images skipped (features outdated or damaged: run selfguide features --with-patches)` : '';
    context.progress({ phase: 'finished', message: `mask run #${runId}: ${store.get(runId).images} segment maps, K = ${run.k}${staleNote}` });
  } catch (error) {
    if (error instanceof Cancelled) return context.progress({ phase: 'cancelled', message: `mask run #${runId} cancelled while fitting; resume the job to fit again` });
    store.setState(runId, 'failed');
    throw error;
  }
}

async function drawMap(
  project: Project,
  runId: number,
  image: MaskImage,
  tokens: Matrix,
  centroids: Matrix,
  grid: { gridHeight: number; gridWidth: number },
  k: number,
): Promise<void> {
  const map = await segmentMap(tokens, centroids, { ...grid, width: image.width, height: image.height });
  const histogram = new Array<number>(k).fill(0);
  for (const id of map) histogram[id]!++;
  const file = maskFile(runId, image.id);
  await writeFileAtomic(join(project.root, file), await encodeSegmentPng(map, image.width, image.height));
  new MaskStore(project.db).saveMask(runId, image.id, { file, width: image.width, height: image.height, histogram });
}
