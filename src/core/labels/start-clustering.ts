// Starts a clustering run (records model, k, parameters and queues the job that computes it), or
// computes an existing run again.
import type { ClusterParameters, ClusterRun } from '../../shared/clusters.ts';
import type { Job } from '../../shared/schemas.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { Project } from '../project/project.ts';
import { DecisionsPresentError } from './box-store.ts';
import { ClusterDecisions } from './cluster-decisions.ts';
import { ClusterStore } from './cluster-store.ts';
import type { ClusterSpec } from './cluster-job.ts';
import { ensureRunIdle } from './run-job-guard.ts';

export interface ClusterRequest {
  modelId?: string | null;
  k: number;
  seed?: number;
  restarts?: number;
  iterations?: number;
}

/** SPEC §2: 30 iterations; restarts keep the lowest inertia. */
export const CLUSTER_DEFAULTS: ClusterParameters = { seed: 0, restarts: 3, iterations: 30 };

export function startClustering(project: Project, runner: JobRunner, request: ClusterRequest): { run: ClusterRun; job: Job } {
  const model = new ModelRegistry(project).resolve(request.modelId);
  const store = new ClusterStore(project.db);
  const parameters: ClusterParameters = {
    seed: request.seed ?? CLUSTER_DEFAULTS.seed,
    restarts: request.restarts ?? CLUSTER_DEFAULTS.restarts,
    iterations: request.iterations ?? CLUSTER_DEFAULTS.iterations,
  };
  const created = store.create(model.id, request.k, parameters);
  return { run: store.get(created.id), job: submit(runner, store, created.id) };
}

/**
 * Reruns a run's job (same model, k, parameters) to replace its computed assignments, e.g. after new
 * features. People's decisions are kept and applied on top, but since what they were made on changes,
 * a run with decisions is recomputed only when the caller confirms with `replace`.
 */
export function recomputeClustering(project: Project, runner: JobRunner, runId: number, replace: boolean): { run: ClusterRun; job: Job } {
  const store = new ClusterStore(project.db);
  ensureRunIdle(project.db, `Clustering run #${runId}`, store.get(runId).jobId);
  const decisions = new ClusterDecisions(project.db).count(runId);
  if (decisions > 0 && !replace) {
    throw new DecisionsPresentError(
      `Clustering run #${runId} has ${decisions} decision${decisions === 1 ? '' : 's'} (names, merges, splits, moved images, outliers). ` +
        'Recomputing replaces the computed clusters under them (the decisions are kept and applied on top); confirm with replace: true (CLI: --replace).',
    );
  }
  return { run: store.get(runId), job: submit(runner, store, runId) };
}

function submit(runner: JobRunner, store: ClusterStore, runId: number): Job {
  const job = runner.submit('cluster', { runId } satisfies ClusterSpec);
  store.setJob(runId, job.id);
  return job;
}
