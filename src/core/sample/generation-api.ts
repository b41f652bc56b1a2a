// The API methods of diffusion models and generations (src/shared/api.ts), kept beside the sampler so
// service.ts only spreads them in, and the errors they raise mapped to API error codes.
import { absolutePath } from '../files/absolute-path.ts';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiError, Output } from '../../shared/api.ts';
import type { Generation, MaskSource, SampleCondition } from '../../shared/generations.ts';
import { JobStateError, type JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { ConditionError } from './condition-input.ts';
import { DiffusionModelNotFoundError, DiffusionModelStore, registerDiffusionModel } from './diffusion-registry.ts';
import { GenerationPngError, parseParametersText, readParameters } from './generation-png.ts';
import { GENERATIONS_DIR, GenerationNotFoundError, GenerationStore, generationFile } from './generation-store.ts';
import { DiffusionModelError } from './model-spec.ts';
import { maskConditionOfImage } from './mask-png.ts';
import { type SampleRequest, startSampling } from './start-sampling.ts';

type GenerationMethod =
  | 'diffusionModels.list'
  | 'diffusionModels.import'
  | 'diffusionModels.remove'
  | 'generate.start'
  | 'generate.paramsFromPng'
  | 'generations.list'
  | 'generations.get'
  | 'generations.remove';

interface ParamsFromPngInput {
  path?: string;
  text?: string;
  generationId?: number;
  index: number;
}

export function generationHandlers(project: Project, runner: JobRunner) {
  const models = new DiffusionModelStore(project);
  const generations = new GenerationStore(project.db);

  async function paramsFromPng({ path, text, generationId, index }: ParamsFromPngInput): Promise<Output<'generate.paramsFromPng'>> {
    if (text !== undefined) return parseParametersText(text);
    if (generationId !== undefined) {
      const generation = generations.get(generationId);
      if (index >= generation.images) throw new GenerationNotFoundError(`Generation #${generationId} has no image ${index} (it has ${generation.images}).`);
      return readParameters(await readFile(join(project.root, generationFile(generationId, index))), `image ${index} of generation #${generationId}`);
    }
    const bytes = await readFile(path as string).catch((error: NodeJS.ErrnoException) => {
      throw new GenerationPngError(error.code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${error.message}`);
    });
    return readParameters(bytes, path);
  }

  /** The row goes first: PNGs left by a failed delete are never served (only recorded generations are). */
  async function remove({ id }: { id: number }): Promise<Generation> {
    const generation = generations.get(id);
    if (generation.state === 'queued' || generation.state === 'running') {
      throw new JobStateError(`Generation #${id} is ${generation.state}; cancel it before deleting it.`);
    }
    generations.delete(id);
    await rm(join(project.root, GENERATIONS_DIR, String(id)), { recursive: true, force: true });
    return generation;
  }

  return {
    'diffusionModels.list': () => models.list(),
    'diffusionModels.import': ({ path, name, clusterRunId }: { path: string; name: string | null; clusterRunId: number | null }) =>
      registerDiffusionModel(project, absolutePath(path, 'model folder'), { name, clusterRunId }),
    'diffusionModels.remove': ({ id }: { id: number }) => models.remove(id),
    'generate.start': async ({ condition, maskOf, ...settings }: Omit<SampleRequest, 'condition'> & { condition?: SampleCondition; maskOf?: MaskSource }) =>
      startSampling(project, runner, { ...settings, condition: maskOf ? await maskConditionOfImage(project, maskOf.runId, maskOf.imageId) : (condition as SampleCondition) }),
    'generate.paramsFromPng': paramsFromPng,
    'generations.list': ({ limit }: { limit: number }) => generations.list(limit),
    'generations.get': ({ id }: { id: number }) => generations.get(id),
    'generations.remove': remove,
  } satisfies Record<GenerationMethod, unknown>;
}

/** The API error code of an error raised by the methods above; null for any other error. */
export function generationErrorCode(error: unknown): ApiError['code'] | null {
  if (error instanceof DiffusionModelNotFoundError || error instanceof GenerationNotFoundError) return 'not_found';
  if (error instanceof DiffusionModelError || error instanceof ConditionError || error instanceof GenerationPngError) return 'bad_request';
  return null;
}
