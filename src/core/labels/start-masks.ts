// Starts a segment-mask run (records model, K and k-means parameters, queues the job), or recomputes one.
import type { MaskParameters, MaskRun } from '../../shared/masks.ts';
import type { Job } from '../../shared/schemas.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { Project } from '../project/project.ts';
import { MaskStore } from './mask-store.ts';
import { recomputeRun, submitRun } from './run-job-guard.ts';
import { DEFAULT_SEGMENTS } from './segment-masks.ts';

/** The job kind (handlers.ts) that computes a mask run; its spec is { runId }. */
const MASKS_JOB = { kind: 'masks', label: 'Mask run' };

export interface MasksRequest {
  modelId?: string | null;
  k?: number;
  seed?: number;
  restarts?: number;
  iterations?: number;
  maxTokens?: number;
}

/** 200k tokens of 384 floats is 300 MB: enough for K ≤ 255 (faiss' 256 points per centroid) and fits in memory. */
export const MASK_DEFAULTS: MaskParameters = { seed: 0, restarts: 1, iterations: 30, maxTokens: 200_000 };

export function startMasks(project: Project, runner: JobRunner, request: MasksRequest): { run: MaskRun; job: Job } {
  const model = new ModelRegistry(project).resolve(request.modelId);
  const parameters: MaskParameters = {
    seed: request.seed ?? MASK_DEFAULTS.seed,
    restarts: request.restarts ?? MASK_DEFAULTS.restarts,
    iterations: request.iterations ?? MASK_DEFAULTS.iterations,
    maxTokens: request.maxTokens ?? MASK_DEFAULTS.maxTokens,
  };
  const store = new MaskStore(project.db);
  const created = store.create(model.id, request.k ?? DEFAULT_SEGMENTS, parameters);
  return submitRun(runner, store, MASKS_JOB.kind, created.id);
}

/** Refits the segments and redraws the maps; refused over renamed segments unless `replace` (names are kept). */
export function recomputeMasks(project: Project, runner: JobRunner, runId: number, replace: boolean): { run: MaskRun; job: Job } {
  return recomputeRun(project, runner, new MaskStore(project.db), MASKS_JOB, runId, replace);
}
