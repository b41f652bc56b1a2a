// The 'sample' job: makes a generation's images in chunks of CHUNK, each chunk one sampler run over
// ONNX Runtime (guidance halves in one batched call). Between steps it honours cancel and reports
// progress (steps done over all chunks, with rate and ETA); every PREVIEW_MS it writes the predicted x̂0
// of the chunk as generations/<id>/preview.png. Each finished chunk's PNGs are written (parameters
// embedded) and counted, so a resumed job starts at the first missing chunk. The noise of image i is
// slice i of the seed's stream, so chunking never changes an image.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { JobContext } from '../jobs/job-context.ts';
import { chooseExecutionProvider } from '../models/execution-provider.ts';
import type { Project } from '../project/project.ts';
import { conditionInputs } from './condition-input.ts';
import { type DiffusionModel, loadDiffusionModel } from './diffusion-model.ts';
import { DiffusionModelStore } from './diffusion-registry.ts';
import { generate, samplingSchedule } from './generate.ts';
import { embedParameters } from './generation-png.ts';
import { GenerationStore, generationFile } from './generation-store.ts';
import { gaussianNoise } from './noise.ts';
import { samplesToPngs, samplesToStripPng } from './png.ts';
import { SampleCancelledError } from './sampler.ts';

export const SampleJobSpec = z.object({ generationId: z.number().int().positive() });
export type SampleJobSpec = z.infer<typeof SampleJobSpec>;

/** Images per sampler run (an ONNX batch of 2·CHUNK with guidance). */
export const CHUNK = 8;
const PREVIEW_MS = 400;

function writeAtomically(project: Project, file: string, data: Uint8Array): void {
  const path = join(project.root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

export async function runSampling(context: JobContext): Promise<void> {
  const { project } = context;
  const { generationId } = SampleJobSpec.parse(context.spec);
  const generations = new GenerationStore(project.db);
  const generation = generations.get(generationId);
  const { parameters } = generation;
  const { count, seed, w, sampler, spacing } = parameters;
  const chunks = Math.ceil(count / CHUNK);
  const firstChunk = Math.floor(generation.images / CHUNK);
  generations.update(generationId, { state: 'running', error: null });
  let model: DiffusionModel | null = null;
  let previews: Promise<void> = Promise.resolve(); // preview writes in order, all settled before the job ends
  // Everything that can fail, loading the model included, is inside: the generation records why it failed.
  try {
    if (generation.modelId === null) throw new Error(`the diffusion model of generation #${generationId} was removed; import it again and start a new generation`);
    const models = new DiffusionModelStore(project);
    const info = models.get(generation.modelId);
    context.progress({ phase: 'loading the model', total: null });
    // The provider the features job would use (CUDA, DirectML or CoreML where they work, else CPU).
    const { provider } = await chooseExecutionProvider();
    model = await loadDiffusionModel(models.dir(info.id), { provider });
    const steps = samplingSchedule(model, parameters.steps, spacing).timesteps.length; // model calls per chunk
    context.progress({ done: firstChunk * steps, total: chunks * steps, baseline: true });
    const shape = { channels: info.channels, height: info.resolution, width: info.resolution };
    const noise = gaussianNoise(seed, count * model.imageSize);
    let lastPreview = 0;
    for (let chunk = firstChunk; chunk < chunks; chunk++) {
      const start = chunk * CHUNK;
      const size = Math.min(CHUNK, count - start);
      const images = chunks > 1 ? `images ${start + 1}–${start + size} of ${count}` : `${count} image(s)`;
      context.progress({ phase: `sampling ${images} (${provider})` });
      const samples = await generate(model, {
        count: size,
        steps: parameters.steps,
        w,
        sampler,
        spacing,
        noise: noise.subarray(start * model.imageSize, (start + size) * model.imageSize),
        condition: conditionInputs(info, parameters.condition, size),
        hooks: {
          isCancelled: () => context.isCancelled(),
          onStep: ({ step, total, x0 }) => {
            context.progress({ done: chunk * steps + step });
            const now = Date.now();
            if (now - lastPreview < PREVIEW_MS && step < total) return;
            lastPreview = now;
            const copy = Float32Array.from(x0); // x0 is only valid during this call
            previews = previews.then(async () => {
              writeAtomically(project, generationFile(generationId, 'preview'), await samplesToStripPng(copy, { batch: size, ...shape }));
              generations.update(generationId, { previewStep: chunk * steps + step });
            });
          },
        },
      });
      await previews;
      const pngs = await samplesToPngs(samples, { batch: size, ...shape });
      pngs.forEach((png, i) => writeAtomically(project, generationFile(generationId, start + i), embedParameters(png, { ...parameters, index: start + i })));
      generations.update(generationId, { images: start + size });
    }
    generations.update(generationId, { state: 'done' });
    context.progress({ phase: 'finished', done: chunks * steps, message: `generation #${generationId}: ${count} image(s) on ${provider} in ${join(project.root, dirname(generationFile(generationId, 0)))}` });
  } catch (error) {
    if (error instanceof SampleCancelledError) {
      generations.update(generationId, { state: 'cancelled' });
      context.progress({ phase: 'cancelled', message: `generation #${generationId} cancelled; resume the job to finish it` });
      return;
    }
    generations.update(generationId, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    await previews.catch(() => undefined);
    await model?.close();
  }
}
