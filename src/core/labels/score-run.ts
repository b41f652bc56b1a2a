// A clustering run against a ground-truth labelling: NMI, AMI, ARI and purity over the images both
// cover, and per cluster its size and majority label.
import type { ClusterScores } from '../../shared/clusters.ts';
import type { Database } from '../store/database.ts';
import { ClusterStore } from './cluster-store.ts';
import { clusteringScores } from './clustering-metrics.ts';
import { type EffectiveAssignment, effectiveAssignments, effectiveClusters } from './effective-clusters.ts';
import { LabellingStore } from './labelling-store.ts';

export class RunNotDoneError extends Error {
  override name = 'RunNotDoneError';
}

export function scoreRun(db: Database, runId: number, labellingId: number): ClusterScores {
  const runs = new ClusterStore(db);
  const run = runs.get(runId);
  if (run.state !== 'done') throw new RunNotDoneError(`Clustering run #${runId} is ${run.state}; only a done run can be scored.`);
  const labels = new LabellingStore(db).labels(labellingId);
  // People's decisions count: a corrected clustering is scored as corrected; outliers are in no cluster.
  const both = effectiveAssignments(db, runId).filter(
    (assignment): assignment is EffectiveAssignment & { cluster: number } => assignment.cluster !== null && labels.has(assignment.imageId),
  );
  const truth = both.map(({ imageId }) => labels.get(imageId) as string);
  const predicted = both.map(({ cluster }) => cluster);

  const votes = new Map(effectiveClusters(db, runId).map((cluster) => [cluster.id, new Map<string, number>()]));
  both.forEach(({ cluster }, i) => {
    const counts = votes.get(cluster) as Map<string, number>;
    counts.set(truth[i] as string, (counts.get(truth[i] as string) ?? 0) + 1);
  });
  const clusters = [...votes].map(([id, counts]) => {
    const [majorityLabel, majorityCount] = [...counts].reduce<[string | null, number]>((best, entry) => (entry[1] > best[1] ? entry : best), [null, 0]);
    return { id, size: [...counts.values()].reduce((a, b) => a + b, 0), majorityLabel, majorityCount };
  });
  return { runId, labellingId, images: both.length, ...clusteringScores(truth, predicted), clusters };
}
