// Splits one cluster of a run by re-clustering its members: k-means (k = 2 by default) on their cls
// features with the run's seed, the largest part keeping the cluster and the others becoming new
// clusters. The outcome is stored as decisions (placements per image), so a recompute keeps it.
// Quick enough to run inline: k-means fits on at most 256·k sampled members, then assigns them all.
import { readFeatures } from '../features/reader.ts';
import type { Project } from '../project/project.ts';
import { ClusterDecisionError, ClusterDecisions } from './cluster-decisions.ts';
import { inContentOrder } from './content-order.ts';
import { effectiveAssignments } from './effective-clusters.ts';
import { clusterImages } from './image-clusters.ts';
import { gatherRows, matrix } from './matrix.ts';

export const SPLIT_DEFAULT_K = 2;

export async function splitCluster(project: Project, runId: number, cluster: number, k = SPLIT_DEFAULT_K): Promise<number[]> {
  const decisions = new ClusterDecisions(project.db);
  const run = decisions.requireDone(runId);
  decisions.requireLive(runId, cluster);
  const members = inContentOrder(
    project.db,
    effectiveAssignments(project.db, runId)
      .filter((assignment) => assignment.cluster === cluster)
      .map((assignment) => assignment.imageId),
  );
  const features = readFeatures(project, run.modelId, members, 'cls');
  const found = members.flatMap((_, i) => (features.found[i] ? [i] : []));
  if (found.length < k) throw new ClusterDecisionError(`Cluster ${cluster} has ${found.length} images with features; splitting it in ${k} needs at least ${k}.`);
  const dim = features.shape[0] as number;
  const rows = gatherRows(matrix(features.data, members.length, dim), found);
  const { seed, restarts, iterations } = run.parameters;
  const result = await clusterImages(rows, { k, seed, restarts, iterations });

  // Sub-cluster ids by size, largest first: the largest stays in `cluster`.
  const sizes = Array.from({ length: k }, (_, part) => result.assignment.filter((assigned) => assigned === part).length);
  const bySize = sizes.map((_, part) => part).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  const rank = new Map(bySize.map((part, position) => [part, position]));
  const placements = found.map((memberIndex, i) => ({
    imageId: members[memberIndex] as number,
    cluster: rank.get(result.assignment[i] as number) as number,
    distance: result.distance[i] as number,
  }));
  return decisions.applySplit(runId, cluster, k - 1, placements);
}
