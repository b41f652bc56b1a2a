// The outcome of a clustering run as the CLI shows it (shared by `cluster` and `demo`): the run, its
// cluster sizes, and its scores against a ground-truth labelling when there is one.
import { ClusterStore } from '../core/labels/cluster-store.ts';
import { effectiveClusters } from '../core/labels/effective-clusters.ts';
import { scoreRun } from '../core/labels/score-run.ts';
import type { Project } from '../core/project/project.ts';
import type { ClusterInfo, ClusterRun, ClusterScores } from '../shared/clusters.ts';

export interface ClusterReport {
  run: ClusterRun;
  clusters: ClusterInfo[];
  scores: ClusterScores | null;
}

export function clusterReport(project: Project, runId: number, labellingId: number | null): ClusterReport {
  const store = new ClusterStore(project.db);
  const run = store.get(runId);
  const scores = run.state === 'done' && labellingId !== null ? scoreRun(project.db, runId, labellingId) : null;
  return { run, clusters: run.state === 'done' ? effectiveClusters(project.db, runId) : [], scores };
}

export function formatScores(scores: ClusterScores): string {
  const { nmi, ami, ari, purity } = scores;
  return `NMI ${nmi.toFixed(3)} · AMI ${ami.toFixed(3)} · ARI ${ari.toFixed(3)} · purity ${(100 * purity).toFixed(1)}% (over ${scores.images} images)`;
}

export function formatClusterReport({ run, clusters, scores }: ClusterReport): string[] {
  if (run.state !== 'done') return [`Run #${run.id} (k = ${run.k}, model ${run.modelId}) is ${run.state}.`];
  const majority = new Map(scores?.clusters.map((cluster) => [cluster.id, cluster]) ?? []);
  return [
    `Run #${run.id}: ${run.images} images, k = ${run.k}, model ${run.modelId}, ${run.method}, inertia ${run.inertia?.toFixed(4)}`,
    ...clusters.map((cluster) => {
      const label = majority.get(cluster.id);
      const vote = label?.majorityLabel ? ` — majority "${label.majorityLabel}" (${label.majorityCount}/${label.size})` : '';
      return `  ${cluster.name.padEnd(12)} ${String(cluster.size).padStart(7)}${vote}`;
    }),
    ...(scores ? [`Against ground truth: ${formatScores(scores)}`] : []),
  ];
}
