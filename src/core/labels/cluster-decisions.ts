// People's edits of a clustering run, stored as decisions in tables of their own (migration
// "cluster_splits / cluster_merges / cluster_image_decisions" plus cluster_names): rename, merge,
// split, move images, mark outliers. A recompute replaces only the computed assignments, so every
// decision stays and is applied on top (effective-clusters.ts).
import type { ClusterRun } from '../../shared/clusters.ts';
import { type Database, transaction } from '../store/database.ts';
import { ClusterStore } from './cluster-store.ts';
import { effectiveClusters } from './effective-clusters.ts';
import { RunNotDoneError } from './score-run.ts';

/** An edit that names a cluster or image the run does not have, or a merged cluster as a target. */
export class ClusterDecisionError extends Error {
  override name = 'ClusterDecisionError';
}

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** How a split places one image: its new cluster and its squared distance to the sub-centroid. */
export interface SplitPlacement {
  imageId: number;
  cluster: number;
  distance: number;
}

export class ClusterDecisions {
  private readonly db: Database;
  private readonly runs: ClusterStore;

  constructor(db: Database) {
    this.db = db;
    this.runs = new ClusterStore(db);
  }

  /** Names, merges, splits and per-image decisions of the run: what a recompute must not silently replace. */
  count(runId: number): number {
    const tables = ['cluster_names', 'cluster_merges', 'cluster_splits', 'cluster_image_decisions'];
    return tables.reduce((sum, table) => sum + (this.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n, 0);
  }

  rename(runId: number, cluster: number, name: string): void {
    this.requireCluster(runId, cluster);
    this.db
      .prepare(`INSERT INTO cluster_names (run_id, cluster, name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET name = excluded.name, renamed_at = ${NOW}`)
      .run(runId, cluster, name);
  }

  /** The images of `sources` count in `into` from now on (and so do those of clusters merged into a source earlier). */
  merge(runId: number, sources: readonly number[], into: number): void {
    this.requireDone(runId);
    this.requireLive(runId, into);
    const distinct = [...new Set(sources)];
    if (distinct.includes(into)) throw new ClusterDecisionError(`Cluster ${into} cannot be merged into itself.`);
    if (distinct.length === 0) throw new ClusterDecisionError('Name at least one cluster to merge.');
    distinct.forEach((cluster) => this.requireLive(runId, cluster));
    transaction(this.db, () => {
      const insert = this.db.prepare('INSERT INTO cluster_merges (run_id, cluster, into_cluster) VALUES (?, ?, ?)');
      const redirect = this.db.prepare(`UPDATE cluster_merges SET into_cluster = ?, merged_at = ${NOW} WHERE run_id = ? AND into_cluster = ?`);
      for (const cluster of distinct) {
        // Keep every merge pointing at a live cluster, so one lookup resolves it.
        redirect.run(into, runId, cluster);
        insert.run(runId, cluster, into);
      }
    });
  }

  /** Moves images to a cluster; a moved image is no longer an outlier. */
  move(runId: number, imageIds: readonly number[], cluster: number): void {
    this.requireDone(runId);
    this.requireLive(runId, cluster);
    this.requireImages(runId, imageIds);
    transaction(this.db, () => {
      const upsert = this.db.prepare(
        `INSERT INTO cluster_image_decisions (run_id, image_id, cluster) VALUES (?, ?, ?)
         ON CONFLICT DO UPDATE SET cluster = excluded.cluster, distance = NULL, outlier = 0, decided_at = ${NOW}`,
      );
      for (const imageId of imageIds) upsert.run(runId, imageId, cluster);
    });
  }

  /** Marks images as outliers (in no cluster) or takes the mark back. */
  setOutlier(runId: number, imageIds: readonly number[], outlier: boolean): void {
    this.requireDone(runId);
    this.requireImages(runId, imageIds);
    transaction(this.db, () => {
      const upsert = this.db.prepare(
        `INSERT INTO cluster_image_decisions (run_id, image_id, outlier) VALUES (?, ?, ?)
         ON CONFLICT DO UPDATE SET outlier = excluded.outlier, decided_at = ${NOW}`,
      );
      for (const imageId of imageIds) upsert.run(runId, imageId, outlier ? 1 : 0);
      // A row that no longer decides anything is dropped, so the decision count stays honest.
      this.db.prepare('DELETE FROM cluster_image_decisions WHERE run_id = ? AND cluster IS NULL AND outlier = 0').run(runId);
    });
  }

  /** Records the clusters a split made (ids from the first free one up) and places their images; returns the new ids. */
  applySplit(runId: number, from: number, newClusters: number, placements: readonly SplitPlacement[]): number[] {
    return transaction(this.db, () => {
      const run = this.runs.get(runId);
      const { top } = this.db.prepare('SELECT max(cluster) AS top FROM cluster_splits WHERE run_id = ?').get(runId) as { top: number | null };
      const first = Math.max(run.k, (top ?? -1) + 1);
      const ids = Array.from({ length: newClusters }, (_, i) => first + i);
      const record = this.db.prepare('INSERT INTO cluster_splits (run_id, cluster, split_from) VALUES (?, ?, ?)');
      ids.forEach((id) => record.run(runId, id, from));
      const place = this.db.prepare(
        `INSERT INTO cluster_image_decisions (run_id, image_id, cluster, distance) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET cluster = excluded.cluster, distance = excluded.distance, outlier = 0, decided_at = ${NOW}`,
      );
      // Placements name sub-clusters 0 … n; sub-cluster 0 stays in `from` undecided, so a recompute may still move those images.
      for (const { imageId, cluster, distance } of placements) if (cluster > 0) place.run(runId, imageId, ids[cluster - 1] as number, distance);
      return ids;
    });
  }

  requireDone(runId: number): ClusterRun {
    const run = this.runs.get(runId);
    if (run.state !== 'done') throw new RunNotDoneError(`Clustering run #${runId} is ${run.state}; edit it once its job is done.`);
    return run;
  }

  private requireCluster(runId: number, cluster: number): void {
    const clusters = effectiveClusters(this.db, runId);
    if (!clusters.some((info) => info.id === cluster)) {
      throw new ClusterDecisionError(`Run #${runId} has no cluster ${cluster}; its clusters are ${clusters.map((info) => info.id).join(', ')}.`);
    }
  }

  /** A cluster that exists and was not merged away: the only kind images can go to or come from. */
  requireLive(runId: number, cluster: number): void {
    this.requireCluster(runId, cluster);
    const merged = this.db.prepare('SELECT into_cluster FROM cluster_merges WHERE run_id = ? AND cluster = ?').get(runId, cluster) as { into_cluster: number } | undefined;
    if (merged) throw new ClusterDecisionError(`Cluster ${cluster} was merged into cluster ${merged.into_cluster}; use that one.`);
  }

  private requireImages(runId: number, imageIds: readonly number[]): void {
    if (imageIds.length === 0) throw new ClusterDecisionError('Select at least one image.');
    const inRun = this.db.prepare('SELECT 1 FROM cluster_assignments WHERE run_id = ? AND image_id = ?');
    const absent = imageIds.filter((imageId) => !inRun.get(runId, imageId));
    if (absent.length > 0) throw new ClusterDecisionError(`Image${absent.length > 1 ? 's' : ''} #${absent.slice(0, 5).join(', #')} ${absent.length > 1 ? 'are' : 'is'} not in run #${runId}.`);
  }
}
