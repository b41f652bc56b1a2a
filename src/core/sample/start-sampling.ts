// Starts a generation: checks the request against the model (condition kind, cluster range, mask
// size), draws the seed when it is random, records the generation with every parameter and queues
// the 'sample' job that makes its images.
import { randomInt } from 'node:crypto';
import { defaultSpacing, type Generation, type GenerationParameters, type SampleSettings } from '../../shared/generations.ts';
import type { Job } from '../../shared/schemas.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { normalizeCondition } from './condition-input.ts';
import { DiffusionModelStore } from './diffusion-registry.ts';
import { GenerationStore } from './generation-store.ts';
import type { SampleJobSpec } from './sample-job.ts';

export interface SampleRequest extends SampleSettings {
  modelId: number;
}

export function generationParameters(project: Project, request: SampleRequest): { parameters: GenerationParameters; randomSeed: boolean } {
  const model = new DiffusionModelStore(project).get(request.modelId);
  const { count, w, steps, sampler, spacing = defaultSpacing(sampler) } = request;
  const randomSeed = request.seed === null;
  const seed = request.seed ?? randomInt(0, 2 ** 32);
  const parameters: GenerationParameters = {
    format: 'selfguide-generation',
    version: 1,
    model: { sha256: model.sha256, name: model.name, preset: model.preset, resolution: model.resolution, mode: model.mode },
    count,
    seed,
    w,
    guidance: 'imagen',
    steps,
    sampler,
    spacing,
    condition: normalizeCondition(model, request.condition),
  };
  return { parameters, randomSeed };
}

export function startSampling(project: Project, runner: JobRunner, request: SampleRequest): { generation: Generation; job: Job } {
  const { parameters, randomSeed } = generationParameters(project, request);
  const store = new GenerationStore(project.db);
  const created = store.create(request.modelId, parameters, randomSeed);
  const job = runner.submit('sample', { generationId: created.id } satisfies SampleJobSpec);
  store.setJob(created.id, job.id);
  return { generation: store.get(created.id), job };
}
