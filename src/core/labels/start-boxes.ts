// Starts a LOST box run (records model, input size and clustering run, queues the job), or recomputes one.
import type { BoxRun } from '../../shared/boxes.ts';
import type { Job } from '../../shared/schemas.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { Project } from '../project/project.ts';
import { BoxStore } from './box-store.ts';
import { ClusterStore } from './cluster-store.ts';
import { recomputeRun, submitRun } from './run-job-guard.ts';
import { RunNotDoneError } from './score-run.ts';

/** The job kind (handlers.ts) that computes a box run; its spec is { runId }. */
const BOXES_JOB = { kind: 'boxes', label: 'Box run' };

export interface BoxesRequest {
  modelId?: string | null;
  clusterRunId?: number | null;
  maxSide?: number;
  minSide?: number;
}

export function startBoxes(project: Project, runner: JobRunner, request: BoxesRequest): { run: BoxRun; job: Job } {
  const clusterRunId = request.clusterRunId ?? null;
  const clusterRun = clusterRunId === null ? null : new ClusterStore(project.db).get(clusterRunId);
  if (clusterRun && clusterRun.state !== 'done') throw new RunNotDoneError(`Clustering run #${clusterRun.id} is ${clusterRun.state}; boxes need a done run's centroids.`);
  const model = new ModelRegistry(project).resolve(request.modelId ?? clusterRun?.modelId);
  if (clusterRun && clusterRun.modelId !== model.id) {
    throw new RangeError(`Clustering run #${clusterRun.id} clusters features of "${clusterRun.modelId}", not "${model.id}": box crops must be encoded by the same model.`);
  }
  const maxSide = request.maxSide ?? project.settings.get('lostMaxSide');
  // Images smaller than the model's input are upsampled to it, so they still span the grid it was trained on.
  const minSide = Math.min(request.minSide ?? Math.max(model.preprocessing.width, model.preprocessing.height), maxSide);
  const store = new BoxStore(project.db);
  const created = store.create({ modelId: model.id, clusterRunId, maxSide, minSide });
  return submitRun(runner, store, BOXES_JOB.kind, created.id);
}

/** Computes a run's boxes again; refused over people's decisions unless `replace` (they are kept either way). */
export function recomputeBoxes(project: Project, runner: JobRunner, runId: number, replace: boolean): { run: BoxRun; job: Job } {
  return recomputeRun(project, runner, new BoxStore(project.db), BOXES_JOB, runId, replace);
}
