// The SQLite side of clustering runs: the runs themselves and what k-means computed (each image's
// cluster and distance to its centroid). People's decisions live apart (cluster-decisions.ts); read
// assignments through effective-clusters.ts, which combines both.
import { ClusterParameters, type ClusterRun } from '../../shared/clusters.ts';
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
