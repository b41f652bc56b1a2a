// The effective clustering of a run: its computed assignments with people's decisions on top (moved or
// split-off images, merged clusters, outliers). Every consumer of cluster assignments (the API, scores,
// exports, training manifests) reads through this file, never cluster_assignments directly.
import type { ClusterInfo, ClusterMember } from '../../shared/clusters.ts';
import type { Database } from '../store/database.ts';
import { ClusterStore, defaultClusterName } from './cluster-store.ts';

/**
 * One row per image of the run. Precedence: a per-image decision's cluster over the computed one, then
 * a merge of that cluster; an outlier keeps its cluster here and is left out of every cluster's members.
 */
const EFFECTIVE = `
  effective AS (
    SELECT a.image_id,
           a.cluster AS computed_cluster,
           COALESCE(m.into_cluster, d.cluster, a.cluster) AS cluster,
           COALESCE(d.distance, a.distance) AS distance,
           COALESCE(d.outlier, 0) AS outlier,
           (d.image_id IS NOT NULL OR m.cluster IS NOT NULL) AS decided
    FROM cluster_assignments a
    LEFT JOIN cluster_image_decisions d ON d.run_id = a.run_id AND d.image_id = a.image_id
    LEFT JOIN cluster_merges m ON m.run_id = a.run_id AND m.cluster = COALESCE(d.cluster, a.cluster)
    WHERE a.run_id = :run
  )`;

export interface EffectiveAssignment {
  imageId: number;
  /** The cluster the image counts in; null when a person marked it an outlier. */
  cluster: number | null;
  /** What k-means gave it, before any decision. */
  computedCluster: number;
  /** Squared distance to its centroid (to the sub-centroid after a split). */
  distance: number;
  decided: boolean;
}

interface EffectiveRow {
  imageId: number;
  cluster: number;
  computedCluster: number;
  distance: number;
  outlier: number;
  decided: number;
}

/** THE effective assignment of every image of a run, in image id order. */
export function effectiveAssignments(db: Database, runId: number): EffectiveAssignment[] {
  new ClusterStore(db).get(runId);
  const rows = db
    .prepare(
      `WITH ${EFFECTIVE} SELECT image_id AS imageId, cluster, computed_cluster AS computedCluster, distance, outlier, decided
       FROM effective ORDER BY image_id`,
    )
    .all({ run: runId }) as unknown as EffectiveRow[];
  return rows.map((row) => ({
    imageId: row.imageId,
    cluster: row.outlier ? null : row.cluster,
    computedCluster: row.computedCluster,
    distance: row.distance,
    decided: row.decided === 1,
  }));
}

/** Every cluster of the run (0 … k−1, then those made by splits) with its effective size and name. */
export function effectiveClusters(db: Database, runId: number): ClusterInfo[] {
  const run = new ClusterStore(db).get(runId);
  const sizes = new Map(
    (db.prepare(`WITH ${EFFECTIVE} SELECT cluster, count(*) AS n FROM effective WHERE outlier = 0 GROUP BY cluster`).all({ run: runId }) as {
      cluster: number;
      n: number;
    }[]).map((row) => [row.cluster, row.n]),
  );
  const byCluster = <T>(sql: string, value: (row: Record<string, unknown>) => T) =>
    new Map((db.prepare(sql).all(runId) as Record<string, unknown>[]).map((row) => [row.cluster as number, value(row)]));
  const names = byCluster('SELECT cluster, name FROM cluster_names WHERE run_id = ?', (row) => row.name as string);
  const merges = byCluster('SELECT cluster, into_cluster FROM cluster_merges WHERE run_id = ?', (row) => row.into_cluster as number);
  const splits = byCluster('SELECT cluster, split_from FROM cluster_splits WHERE run_id = ? ORDER BY cluster', (row) => row.split_from as number);
  const ids = [...Array.from({ length: run.k }, (_, id) => id), ...splits.keys()];
  return ids.map((id) => ({
    id,
    name: names.get(id) ?? defaultClusterName(id),
    renamed: names.has(id),
    size: sizes.get(id) ?? 0,
    mergedInto: merges.get(id) ?? null,
    splitFrom: splits.get(id) ?? null,
  }));
}

export function outlierCount(db: Database, runId: number): number {
  return (db.prepare(`WITH ${EFFECTIVE} SELECT count(*) AS n FROM effective WHERE outlier = 1`).get({ run: runId }) as { n: number }).n;
}

const MEMBER_COLUMNS = `e.image_id AS imageId, i.rel_path AS relPath, e.distance, CASE WHEN e.outlier = 1 THEN NULL ELSE e.cluster END AS cluster, e.decided`;

function toMember(row: Record<string, unknown>): ClusterMember {
  return { ...(row as unknown as ClusterMember), decided: row.decided === 1 };
}

/** A page of a cluster's effective members (cluster null: the outliers), nearest to the centroid first. */
export function effectiveMembers(db: Database, runId: number, cluster: number | null, offset: number, limit: number): { total: number; items: ClusterMember[] } {
  new ClusterStore(db).get(runId);
  const where = cluster === null ? 'e.outlier = 1' : 'e.outlier = 0 AND e.cluster = :cluster';
  const params: Record<string, number> = cluster === null ? { run: runId } : { run: runId, cluster };
  const { n } = db.prepare(`WITH ${EFFECTIVE} SELECT count(*) AS n FROM effective e WHERE ${where}`).get(params) as { n: number };
  const items = db
    .prepare(
      `WITH ${EFFECTIVE} SELECT ${MEMBER_COLUMNS} FROM effective e JOIN images i ON i.id = e.image_id
       WHERE ${where} ORDER BY e.distance, e.image_id LIMIT :limit OFFSET :offset`,
    )
    .all({ ...params, limit, offset }) as Record<string, unknown>[];
  return { total: n, items: items.map(toMember) };
}

/** The listed images of the run with their effective cluster, in the order given (ids not in the run are left out). */
export function effectiveMembersById(db: Database, runId: number, imageIds: readonly number[]): ClusterMember[] {
  new ClusterStore(db).get(runId);
  const wanted = JSON.stringify(imageIds);
  const rows = db
    .prepare(
      `WITH ${EFFECTIVE} SELECT ${MEMBER_COLUMNS}, w.key AS position
       FROM json_each(:ids) w JOIN effective e ON e.image_id = w.value JOIN images i ON i.id = e.image_id ORDER BY w.key`,
    )
    .all({ run: runId, ids: wanted }) as Record<string, unknown>[];
  return rows.map(({ position: _position, ...row }) => toMember(row));
}
