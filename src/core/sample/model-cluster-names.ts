// The names of a diffusion model's clusters as the project has them now: a cluster a person renamed in
// the Clusters view (of the clustering run the model was trained on) goes by that name, the others by
// model.json's. The Generate view applies the same rule to what clusters.summary answers.
import { ClusterRunNotFoundError } from '../labels/cluster-store.ts';
import { effectiveClusters } from '../labels/effective-clusters.ts';
import type { Project } from '../project/project.ts';
import type { DiffusionModelInfo } from '../../shared/generations.ts';

export function modelClusterNames(project: Project, model: DiffusionModelInfo): string[] {
  const renamed = new Map<number, string>();
  try {
    if (model.clusterRunId !== null) for (const cluster of effectiveClusters(project.db, model.clusterRunId)) if (cluster.renamed) renamed.set(cluster.id, cluster.name);
  } catch (error) {
    if (!(error instanceof ClusterRunNotFoundError)) throw error; // the run was deleted since: model.json's names stand
  }
  return Array.from({ length: model.vectorDim }, (_, i) => renamed.get(i) ?? model.names[i] ?? `cluster ${i}`);
}
