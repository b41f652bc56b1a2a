// The 'features' job: every ok image of the project through the model, in batches, features written
// to features/<model>.<kind>.f16 and indexed per (image, model). Decoding of batch k+1 runs while
// batch k is inferred. Resumable: images already indexed for their current content are skipped.
import { ort } from '../models/runtime.ts';
import { type FeatureKind, FeatureKind as FeatureKindSchema } from '../../shared/models.ts';
import { z } from 'zod';
import type { JobContext } from '../jobs/job-context.ts';
import { chooseExecutionProvider } from '../models/execution-provider.ts';
import { INPUT_NAME, openSession } from '../models/onnx-session.ts';
import { ModelRegistry } from '../models/registry.ts';
import { BatchDecoder, type DecodedBatch } from './batch-decoder.ts';
import { FeatureFileWriter, featureFilePath } from './feature-files.ts';
import { FeatureIndex, type PendingImage } from './feature-index.ts';
import { RecoveringSession } from './recovering-session.ts';

export const FeaturesSpec = z.object({
  modelId: z.string(),
  batchSize: z.number().int().min(1).max(1024).default(16),
  /** Kinds besides cls (always stored); patches and keys are N× larger. */
  extraKinds: z.array(FeatureKindSchema).default([]),
});
export type FeaturesSpec = z.input<typeof FeaturesSpec>;

export async function runFeatures(context: JobContext): Promise<void> {
  const { project } = context;
  const spec = FeaturesSpec.parse(context.spec);
  const registry = new ModelRegistry(project);
  const model = registry.get(spec.modelId);
  const kinds: FeatureKind[] = ['cls', ...spec.extraKinds.filter((kind) => kind !== 'cls')];
  const index = new FeatureIndex(project.db, model.id);
  for (const kind of kinds) index.ensureFile(kind, model.outputs[kind]);

  const total = index.countEligible();
  let done = total - index.countPending(kinds);
  context.progress({ phase: 'probing execution providers', done, total, message: null });
  const { provider } = await chooseExecutionProvider();
  // Decoding of the next batch shares the cores with inference: ORT must not busy-wait on them.
  const session = await RecoveringSession.create(() => openSession(registry.filePath(model.id), provider, { spinning: false }));
  const writers = new Map(kinds.map((kind) => [kind, new FeatureFileWriter(featureFilePath(project, model.id, kind), size(model.outputs[kind]))]));
  const decoder = new BatchDecoder(model.preprocessing, spec.batchSize, project.settings.get('maxPixels'));
  const { width, height } = model.preprocessing;
  context.progress({ phase: `extracting (${provider})`, message: `model ${model.id} on ${provider}` });

  let lastId = 0;
  const decodeNext = (): Promise<DecodedBatch> | null => {
    const images = index.pendingAfter(lastId, kinds, spec.batchSize);
    if (images.length === 0) return null;
    lastId = (images[images.length - 1] as PendingImage).id;
    return decoder.decode(images);
  };

  let failed = 0;
  let next = decodeNext();
  try {
    while (next && !context.isCancelled()) {
      const batch = await next;
      next = decodeNext(); // overlaps with the inference below
      const failures = [...batch.failed];
      const outputs = await infer(session, batch, kinds, width, height).catch((error: unknown) => {
        // Failed twice, once on a fresh session: the batch's images are recorded as failed, the job goes on.
        failures.push(...batch.ready.map((image) => ({ imageId: image.id, error: String(error instanceof Error ? error.message : error) })));
        return null;
      });
      const ready = outputs ? batch.ready : [];
      const firstRows = new Map(kinds.map((kind) => [kind, index.nextRow(kind)]));
      // Disk errors here are the project's, not the images': they fail the job.
      if (outputs) for (const kind of kinds) writers.get(kind)?.writeRows(firstRows.get(kind) as number, outputs[kind] as Float32Array);
      index.commit(kinds, firstRows, ready, failures);
      failures.forEach(() => context.itemFailed());
      failed += failures.length;
      done += batch.images.length;
      context.progress({ done });
    }
  } finally {
    await next?.catch(() => undefined);
    writers.forEach((writer) => writer.close());
    await session.release().catch(() => undefined);
  }
  const restarts = session.restarts > 0 ? `; session recreated ${session.restarts}×` : '';
  context.progress({
    phase: context.isCancelled() ? 'cancelled' : 'finished',
    message: `model ${model.id} on ${provider}: ${done - failed} of ${total} images have features, ${failed} failed${restarts}`,
  });
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

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
