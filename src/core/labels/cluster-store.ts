// The SQLite side of clustering runs: the runs themselves, each image's cluster and distance to its
// centroid, and the names people gave clusters (kept apart, so a recompute never overwrites them).
import { type ClusterInfo, type ClusterMember, ClusterParameters, type ClusterRun } from '../../shared/clusters.ts';
import { type Database, transaction } from '../store/database.ts';

export class ClusterRunNotFoundError extends Error {
  override name = 'ClusterRunNotFoundError';
}

interface RunRow {
  id: number;
  model_id: string;
  k: number;
  parameters: string;
  state: ClusterRun['state'];
  job_id: number | null;
  images: number | null;
  inertia: number | null;
  method: ClusterRun['method'];
  centroid_file: string | null;
  created_at: string;
}

export interface RunResult {
  imageIds: readonly number[];
  assignment: Int32Array;
  distance: Float32Array;
  inertia: number;
  method: 'lloyd' | 'mini-batch';
  centroidFile: string;
}

export function defaultClusterName(cluster: number): string {
  return `cluster ${cluster}`;
}

export class ClusterStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(modelId: string, k: number, parameters: ClusterParameters): ClusterRun {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO cluster_runs (model_id, k, parameters, state) VALUES (?, ?, ?, 'pending')")
      .run(modelId, k, JSON.stringify(parameters));
    return this.get(Number(lastInsertRowid));
  }

  get(runId: number): ClusterRun {
    const row = this.db.prepare('SELECT * FROM cluster_runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw new ClusterRunNotFoundError(`No clustering run #${runId} in this project.`);
    return toRun(row);
  }

  list(): ClusterRun[] {
    return (this.db.prepare('SELECT * FROM cluster_runs ORDER BY id').all() as unknown as RunRow[]).map(toRun);
  }

  setJob(runId: number, jobId: number): void {
    this.db.prepare('UPDATE cluster_runs SET job_id = ? WHERE id = ?').run(jobId, runId);
  }

  setState(runId: number, state: ClusterRun['state']): void {
    this.db.prepare('UPDATE cluster_runs SET state = ? WHERE id = ?').run(state, runId);
  }

  /** Replaces the run's assignments and marks it done, in one transaction. */
  saveResult(runId: number, result: RunResult): void {
    transaction(this.db, () => {
      this.db.prepare('DELETE FROM cluster_assignments WHERE run_id = ?').run(runId);
      const insert = this.db.prepare('INSERT INTO cluster_assignments (run_id, image_id, cluster, distance) VALUES (?, ?, ?, ?)');
      result.imageIds.forEach((imageId, i) => insert.run(runId, imageId, result.assignment[i] as number, result.distance[i] as number));
      this.db
        .prepare("UPDATE cluster_runs SET state = 'done', images = ?, inertia = ?, method = ?, centroid_file = ? WHERE id = ?")
        .run(result.imageIds.length, result.inertia, result.method, result.centroidFile, runId);
    });
  }

  /** Every cluster 0 … k−1 with its size (0 for an empty one) and name. */
  clusters(runId: number): ClusterInfo[] {
    const run = this.get(runId);
    const sizes = new Map(
      (this.db.prepare('SELECT cluster, count(*) AS n FROM cluster_assignments WHERE run_id = ? GROUP BY cluster').all(runId) as { cluster: number; n: number }[]).map(
        (row) => [row.cluster, row.n],
      ),
    );
    const names = new Map(
      (this.db.prepare('SELECT cluster, name FROM cluster_names WHERE run_id = ?').all(runId) as { cluster: number; name: string }[]).map((row) => [
        row.cluster,
        row.name,
      ]),
    );
    return Array.from({ length: run.k }, (_, id) => ({
      id,
      name: names.get(id) ?? defaultClusterName(id),
      renamed: names.has(id),
      size: sizes.get(id) ?? 0,
    }));
  }

  /** A page of a cluster's images, nearest to the centroid first. */
  members(runId: number, cluster: number, offset: number, limit: number): { total: number; items: ClusterMember[] } {
    this.get(runId);
    const { n } = this.db.prepare('SELECT count(*) AS n FROM cluster_assignments WHERE run_id = ? AND cluster = ?').get(runId, cluster) as { n: number };
    const items = this.db
      .prepare(
        `SELECT a.image_id AS imageId, i.rel_path AS relPath, a.distance FROM cluster_assignments a JOIN images i ON i.id = a.image_id
         WHERE a.run_id = ? AND a.cluster = ? ORDER BY a.distance, a.image_id LIMIT ? OFFSET ?`,
      )
      .all(runId, cluster, limit, offset) as unknown as ClusterMember[];
    return { total: n, items };
  }

  /** The image ids and clusters of a done run, in image id order. */
  assignments(runId: number): { imageId: number; cluster: number }[] {
    return this.db
      .prepare('SELECT image_id AS imageId, cluster FROM cluster_assignments WHERE run_id = ? ORDER BY image_id')
      .all(runId) as { imageId: number; cluster: number }[];
  }

  rename(runId: number, cluster: number, name: string): void {
    const run = this.get(runId);
    if (!Number.isInteger(cluster) || cluster < 0 || cluster >= run.k) throw new RangeError(`Run #${runId} has clusters 0 to ${run.k - 1}.`);
    this.db
      .prepare("INSERT INTO cluster_names (run_id, cluster, name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET name = excluded.name, renamed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
      .run(runId, cluster, name);
  }
}

function toRun(row: RunRow): ClusterRun {
  return {
    id: row.id,
    modelId: row.model_id,
    k: row.k,
    parameters: ClusterParameters.parse(JSON.parse(row.parameters)),
    state: row.state,
    jobId: row.job_id,
    images: row.images,
    inertia: row.inertia,
    method: row.method,
    centroidFile: row.centroid_file,
    createdAt: row.created_at,
  };
}
