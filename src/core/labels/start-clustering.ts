// Starts a clustering run: records it (model, k, parameters) and queues the job that computes it.
import type { ClusterParameters, ClusterRun } from '../../shared/clusters.ts';
import type { Job } from '../../shared/schemas.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { Project } from '../project/project.ts';
import { ClusterStore } from './cluster-store.ts';
import type { ClusterSpec } from './cluster-job.ts';

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
  const job = runner.submit('cluster', { runId: created.id } satisfies ClusterSpec);
  store.setJob(created.id, job.id);
  return { run: store.get(created.id), job };
}
