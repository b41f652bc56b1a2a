// The 'boxes' job: one LOST box per ok image (SPEC §3). Each image goes through the encoder at (nearly)
// full resolution, padded to whole patches, for its keys; LOST finds the box, which is mapped back to
// original pixels. With a clustering run, the box crop's cls feature (encoder at the model input size)
// gets the nearest of that run's centroids. One row per image, committed as it is done: resuming skips
// images already dealt with; an image that cannot be read or boxed is recorded with its reason.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ComputedBox } from '../../shared/boxes.ts';
import type { ModelInfo } from '../../shared/models.ts';
import { decodeRgb, normalizationTable, writeNormalizedPlanes } from '../features/preprocess.ts';
import { RecoveringSession, InferenceError } from '../features/recovering-session.ts';
import { resizeBilinearRgb } from '../features/resize-bilinear.ts';
import { DecodeError } from '../ingest/decode.ts';
import { DIED_ON_IMAGE } from '../jobs/died-on-image.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { chooseExecutionProvider } from '../models/execution-provider.ts';
import { INPUT_NAME, openSession } from '../models/onnx-session.ts';
import { ModelRegistry } from '../models/registry.ts';
import { ort } from '../models/runtime.ts';
import type { Project } from '../project/project.ts';
import { BoxInFlight } from './box-inflight.ts';
import { BoxStore } from './box-store.ts';
import { ClusterStore } from './cluster-store.ts';
import { nearestCentroids } from './distance-step.ts';
import { boxToOriginal, cropRgb, lostInput, lostInputSize } from './lost-input.ts';
import { LostError, lost } from './lost.ts';
import { l2NormalizeRows, type Matrix, matrix } from './matrix.ts';
import { readFileSync } from 'node:fs';

export const BoxesSpec = z.object({ runId: z.number().int().positive() });
export type BoxesSpec = z.infer<typeof BoxesSpec>;

const PAGE = 64;

/** A clustering run's k × D centroids (unit-norm space). */
function clusterCentroids(project: Project, clusterRunId: number): Matrix {
  const run = new ClusterStore(project.db).get(clusterRunId);
  if (run.state !== 'done' || !run.centroidFile) throw new Error(`Clustering run #${clusterRunId} is ${run.state}; recompute it before boxing.`);
  const bytes = readFileSync(join(project.root, run.centroidFile));
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  return matrix(data, run.k, data.length / run.k);
}

class BoxEncoder {
  private readonly session: RecoveringSession;
  private readonly model: ModelInfo;
  private readonly table: Float32Array[];
  private readonly sides: { maxSide: number; minSide: number };
  private readonly centroids: Matrix | null;

  constructor(session: RecoveringSession, model: ModelInfo, sides: { maxSide: number; minSide: number }, centroids: Matrix | null) {
    this.session = session;
    this.model = model;
    this.table = normalizationTable(model.preprocessing);
    this.sides = sides;
    this.centroids = centroids;
  }

  async box(rgb: Uint8Array, width: number, height: number): Promise<ComputedBox> {
    const { patchSize } = this.model;
    const size = lostInputSize(width, height, this.sides, patchSize);
    const pixels = new ort.Tensor('float32', lostInput(rgb, width, height, size, this.table), [1, 3, size.paddedHeight, size.paddedWidth]);
    const keys = (await this.session.run({ [INPUT_NAME]: pixels }, ['keys'])).keys as ort.Tensor;
    const [, n, dim] = keys.dims as number[];
    if (n !== size.gridWidth * size.gridHeight) {
      throw new Error(`model ${this.model.id} gave ${n} key rows for a ${size.gridHeight}×${size.gridWidth} patch grid; it needs a dynamic-size export (export-vit)`);
    }
    const result = await lost(matrix(keys.data as Float32Array, n as number, dim as number), {
      gridHeight: size.gridHeight,
      gridWidth: size.gridWidth,
      imageWidth: size.width,
      imageHeight: size.height,
      patchSize,
    });
    const box = boxToOriginal(result.box, size, { width, height });
    const score = n === 1 ? 1 : 1 - (result.degree[result.seed] as number) / ((n as number) - 1);
    const { cluster, distance } = this.centroids ? await this.cluster(rgb, width, box, this.centroids) : { cluster: null, distance: null };
    return { box, seed: result.seed, score, cluster, distance };
  }

  /** The crop's cls feature (SPEC §1 image-level preprocessing) and its nearest centroid. */
  private async cluster(rgb: Uint8Array, width: number, box: ComputedBox['box'], centroids: Matrix): Promise<{ cluster: number; distance: number }> {
    const pre = this.model.preprocessing;
    const crop = cropRgb(rgb, width, box);
    const input = new Float32Array(3 * pre.width * pre.height);
    writeNormalizedPlanes(resizeBilinearRgb(crop.data, crop.width, crop.height, pre.width, pre.height), pre.width, pre.height, this.table, input, 0);
    const cls = (await this.session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [1, 3, pre.height, pre.width]) }, ['cls'])).cls as ort.Tensor;
    const feature = l2NormalizeRows(matrix(cls.data as Float32Array, 1, cls.data.length));
    if (feature.cols !== centroids.cols) throw new Error(`crop features have ${feature.cols} dimensions, the clustering run's centroids ${centroids.cols}`);
    const nearest = await nearestCentroids(feature, centroids);
    return { cluster: nearest.assignment[0] as number, distance: nearest.distance[0] as number };
  }
}

/** The reason an image has no box, when it is the image's fault; null when the job itself should fail. */
function imageFailure(error: unknown): string | null {
  if (error instanceof DecodeError || error instanceof InferenceError) return error.message;
  if (error instanceof LostError) return `no box: ${error.message}`;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found (moved or deleted since the scan)';
  if (code === 'EACCES' || code === 'EISDIR' || code === 'EIO') return `unreadable: ${(error as Error).message}`;
  return null;
}

export async function runBoxes(context: JobContext): Promise<void> {
  const { project } = context;
  const { runId } = BoxesSpec.parse(context.spec);
  const store = new BoxStore(project.db);
  const run = store.get(runId);
  store.setState(runId, 'pending');
  try {
    const registry = new ModelRegistry(project);
    const model = registry.get(run.modelId);
    const centroids = run.clusterRunId === null ? null : clusterCentroids(project, run.clusterRunId);
    const { total, done: already } = store.progress(runId);
    let done = already;
    let failed = 0;
    context.progress({ phase: 'probing execution providers', done, total, message: null, baseline: true });
    const { provider } = await chooseExecutionProvider();
    const session = await RecoveringSession.create(() => openSession(registry.filePath(model.id), provider));
    const encoder = new BoxEncoder(session, model, run, centroids);
    const maxPixels = project.settings.get('maxPixels');
    // The image a dead process left in flight is the first pending one (id order): tried once more, and
    // recorded as failed if the process died on that retry too.
    const inFlight = new BoxInFlight(project.db, runId);
    const left = inFlight.left();
    context.progress({ phase: `LOST boxes (${provider}, longer side ${run.minSide}–${run.maxSide} px)` });
    try {
      for (let lastId = 0; !context.isCancelled(); ) {
        const images = store.pendingImages(runId, lastId, PAGE);
        if (images.length === 0) break;
        for (const image of images) {
          if (context.isCancelled()) break;
          lastId = image.id;
          const retry = left?.imageId === image.id;
          if (retry && left.retried) {
            store.saveFailure(runId, image.id, DIED_ON_IMAGE);
            context.itemFailed();
            failed++;
            context.progress({ done: ++done });
            continue;
          }
          inFlight.mark(image.id, retry);
          try {
            const { data, width, height } = await decodeRgb(await readFile(image.path), maxPixels);
            store.saveBox(runId, image.id, await encoder.box(data, width, height));
          } catch (error) {
            const reason = imageFailure(error);
            if (reason === null) throw error;
            store.saveFailure(runId, image.id, reason);
            context.itemFailed();
            failed++;
          }
          context.progress({ done: ++done });
        }
      }
    } finally {
      inFlight.clear(); // only a dead process leaves its mark behind
      await session.release().catch(() => undefined);
    }
    if (context.isCancelled()) {
      return context.progress({ phase: 'cancelled', message: `box run #${runId}: ${done} of ${total} images done; resume the job to finish` });
    }
    store.setState(runId, 'done');
    const boxed = store.get(runId);
    context.progress({ phase: 'finished', message: `box run #${runId}: ${boxed.boxes} boxes, ${boxed.failed} images failed (${failed} in this pass)` });
  } catch (error) {
    store.setState(runId, 'failed');
    throw error;
  }
}
