// The 'features' job: every ok image of the project through the model, in batches, features written
// to features/<model>.<kind>.f16 and indexed per (image, model). Decoding of batch k+1 runs while
// batch k is inferred. Resumable: images already indexed for their current content are skipped.
import { existsSync } from 'node:fs';
import { ort } from '../models/runtime.ts';
import { DecodeMode, type FeatureKind, FeatureKind as FeatureKindSchema } from '../../shared/models.ts';
import { z } from 'zod';
import { DIED_ON_IMAGE } from '../jobs/died-on-image.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { chooseExecutionProvider } from '../models/execution-provider.ts';
import { INPUT_NAME, openSession } from '../models/onnx-session.ts';
import { ModelRegistry } from '../models/registry.ts';
import { BatchDecoder, type DecodedBatch } from './batch-decoder.ts';
import { FeatureFileWriter, featureFilePath, storedRows } from './feature-files.ts';
import { fitsFloat16 } from './float16.ts';
import { BatchQueue, type TakenImages } from './batch-queue.ts';
import { FeatureIndex, type FeatureFailure, type PendingImage } from './feature-index.ts';
import { RecoveringSession } from './recovering-session.ts';

export const FeaturesSpec = z.object({
  modelId: z.string(),
  batchSize: z.number().int().min(1).max(1024).default(16),
  /** Kinds besides cls (always stored); patches and keys are N× larger. */
  extraKinds: z.array(FeatureKindSchema).default([]),
  /** 'fast': JPEG shrink-on-load, not the reference pixels (preprocess.ts); switching recomputes every image. */
  decode: DecodeMode.default('exact'),
});
export type FeaturesSpec = z.input<typeof FeaturesSpec>;

export async function runFeatures(context: JobContext): Promise<void> {
  const { project } = context;
  const spec = FeaturesSpec.parse(context.spec);
  const registry = new ModelRegistry(project);
  const model = registry.get(spec.modelId);
  const kinds: FeatureKind[] = ['cls', ...spec.extraKinds.filter((kind) => kind !== 'cls')];
  const index = new FeatureIndex(project.db, model.id, spec.decode);
  for (const kind of kinds) {
    index.ensureFile(kind, model.outputs[kind]);
    // Rows the index has but the file lacks (truncated, partly written) are not features: extract them again.
    index.forgetPastEnd(kind, storedRows(featureFilePath(project, model.id, kind), size(model.outputs[kind])));
  }

  const total = index.countEligible();
  let done = total - index.countPending(kinds);
  if (done === total) {
    // Nothing to extract: the model is not needed (its file may even be gone).
    context.progress({ phase: 'finished', done, total, message: `model ${model.id}: ${done} of ${total} images have features, nothing to extract` });
    return;
  }
  const modelFile = registry.filePath(model.id);
  if (!existsSync(modelFile)) throw new Error(missingModelFile(model.id, model.sha256, modelFile));
  context.progress({ phase: 'probing execution providers', done, total, message: null, baseline: true });
  const { provider } = await chooseExecutionProvider();
  // Decoding of the next batch shares the cores with inference: ORT must not busy-wait on them.
  const session = await RecoveringSession.create(() => openSession(modelFile, provider, { spinning: false }));
  const writers = new Map(kinds.map((kind) => [kind, new FeatureFileWriter(featureFilePath(project, model.id, kind), size(model.outputs[kind]))]));
  const decoder = new BatchDecoder(model.preprocessing, spec.batchSize, project.settings.get('maxPixels'), spec.decode);
  const { width, height } = model.preprocessing;
  const decoding = spec.decode === 'fast' ? ', fast decode' : '';
  context.progress({ phase: `extracting (${provider}${decoding})`, message: `model ${model.id} on ${provider}${decoding}` });

  // What a dead process left in flight (a native crash in a decoder or ONNX Runtime, or a kill): a
  // single image is the culprit and is recorded; several are taken one at a time (batch-queue.ts), so a
  // crash among them leaves one behind for the next run (the runner restarts a crashed job by itself).
  const queue = new BatchQueue(index, kinds, spec.batchSize);
  let failed = 0;
  if (queue.culprit !== null) {
    index.commit(kinds, new Map(), [], [{ imageId: queue.culprit, error: DIED_ON_IMAGE }]);
    context.itemFailed();
    failed++;
    done++;
  }
  const decodeNext = (): InFlight | null => {
    const taken = queue.take();
    return taken && { ...taken, decoded: decoder.decode(taken.images) };
  };

  let next = decodeNext();
  try {
    while (next && !context.isCancelled()) {
      const { alone, decoded } = next;
      const batch = await decoded;
      next = alone ? null : decodeNext(); // overlaps with the inference below, unless this one must be alone
      const failures = [...batch.failed];
      const outputs = await infer(session, batch, kinds, width, height).catch((error: unknown) => {
        // Failed twice, once on a fresh session: the batch's images are recorded as failed, the job goes on.
        failures.push(...batch.ready.map((image) => ({ imageId: image.id, error: String(error instanceof Error ? error.message : error) })));
        return null;
      });
      const stored = outputs && storable(batch.ready, outputs, kinds, failures);
      const ready = stored ? stored.ready : [];
      const firstRows = new Map(kinds.map((kind) => [kind, index.nextRow(kind)]));
      // Disk errors here are the project's, not the images': they fail the job.
      if (stored) for (const kind of kinds) writers.get(kind)?.writeRows(firstRows.get(kind) as number, stored.outputs[kind] as Float32Array);
      index.commit(kinds, firstRows, ready, failures);
      failures.forEach(() => context.itemFailed());
      failed += failures.length;
      done += batch.images.length;
      context.progress({ done });
      if (alone) next = decodeNext();
    }
  } finally {
    // A batch decoded for nothing (cancel, or a failure above) was never inferred: not a suspect.
    if (next) {
      await next.decoded.catch(() => undefined);
      index.settle(next.images.map((image) => image.id));
    }
    writers.forEach((writer) => writer.close());
    await session.release().catch(() => undefined);
  }
  const restarts = session.restarts > 0 ? `; session recreated ${session.restarts}×` : '';
  context.progress({
    phase: context.isCancelled() ? 'cancelled' : 'finished',
    message: `model ${model.id} on ${provider}${decoding}: ${done - failed} of ${total} images have features, ${failed} failed${restarts}`,
  });
}

/** Says which file is gone and how to put it back, instead of ONNX Runtime's "Load model … failed". */
export function missingModelFile(modelId: string, sha256: string, path: string): string {
  return (
    `The file of model "${modelId}" is missing: ${path}. Import the model's .onnx file again (selfguide models import FILE --id ${modelId}, ` +
    `or selfguide models download ${modelId} for a pinned one) or copy it (sha256 ${sha256.slice(0, 12)}…) back to that path, then run ` +
    'the features job again; the features already extracted are kept.'
  );
}

async function infer(
  session: RecoveringSession,
  batch: DecodedBatch,
  kinds: FeatureKind[],
  width: number,
  height: number,
): Promise<Record<string, Float32Array> | null> {
  if (batch.ready.length === 0) return null;
  const pixels = new ort.Tensor('float32', batch.pixels, [batch.ready.length, 3, height, width]);
  const outputs = await session.run({ [INPUT_NAME]: pixels }, kinds);
  return Object.fromEntries(kinds.map((kind) => [kind, outputs[kind]?.data as Float32Array]));
}

export const UNSTORABLE =
  'the model gave values that float16 storage cannot hold for this image (NaN, ±∞ or beyond ±65504), so nothing of it ' +
  'was stored (k-means, LOST and the masks would fail on such values); the model needs checking: a float16 export, for one, can overflow.';

/**
 * The batch's images whose outputs float16 storage can hold, with their rows packed in order; the
 * others are added to `failures`, so that no later step reads NaN or ±∞ as features.
 */
function storable(
  ready: PendingImage[],
  outputs: Record<string, Float32Array>,
  kinds: FeatureKind[],
  failures: FeatureFailure[],
): { ready: PendingImage[]; outputs: Record<string, Float32Array> } {
  const rowSize = (kind: FeatureKind) => (outputs[kind] as Float32Array).length / ready.length;
  const fits = ready.map((_, i) => kinds.every((kind) => fitsFloat16(outputs[kind] as Float32Array, i * rowSize(kind), (i + 1) * rowSize(kind))));
  if (fits.every(Boolean)) return { ready, outputs };
  ready.forEach((image, i) => {
    if (!fits[i]) failures.push({ imageId: image.id, error: UNSTORABLE });
  });
  const packed = Object.fromEntries(
    kinds.map((kind) => {
      const [values, size] = [outputs[kind] as Float32Array, rowSize(kind)];
      let to = 0;
      fits.forEach((fit, i) => {
        if (fit) values.copyWithin(size * to++, size * i, size * (i + 1));
      });
      return [kind, values.subarray(0, size * to)];
    }),
  );
  return { ready: ready.filter((_, i) => fits[i]), outputs: packed };
}

/** A batch on its way: marked in flight when it was taken, decoding. */
interface InFlight extends TakenImages {
  decoded: Promise<DecodedBatch>;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
