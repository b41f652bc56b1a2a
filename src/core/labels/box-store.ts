// The SQLite side of LOST box runs: the runs, one computed row per image (a box or the reason there is
// none), and people's decisions (accept, reject, edited box, reassigned cluster) in a table of their
// own, so a recompute replaces computed rows and never a decision.
import type { BoxDecision, BoxFilter, BoxRun, ComputedBox, ImageBox, PixelBox } from '../../shared/boxes.ts';
import { type Database, transaction } from '../store/database.ts';

export class BoxRunNotFoundError extends Error {
  override name = 'BoxRunNotFoundError';
}

/** The run has people's decisions and the caller did not confirm replacing its computed rows. */
export class DecisionsPresentError extends Error {
  override name = 'DecisionsPresentError';
}

interface RunRow {
  id: number;
  model_id: string;
  cluster_run_id: number | null;
  max_side: number;
  min_side: number;
  state: BoxRun['state'];
  job_id: number | null;
  created_at: string;
}

interface BoxRow {
  imageId: number;
  relPath: string;
  width: number | null;
  height: number | null;
  x0: number | null;
  y0: number | null;
  x1: number | null;
  y1: number | null;
  seed: number | null;
  score: number | null;
  cluster: number | null;
  distance: number | null;
  error: string | null;
  d_status: 'accepted' | 'rejected' | null;
  d_x0: number | null;
  d_y0: number | null;
  d_x1: number | null;
  d_y1: number | null;
  d_cluster: number | null;
  decided_at: string | null;
}

export interface DecisionPatch {
  status?: 'accepted' | 'rejected' | null;
  box?: PixelBox | null;
  cluster?: number | null;
}

const SELECT_BOXES = `
  SELECT i.id AS imageId, i.rel_path AS relPath, i.width, i.height,
         b.x0, b.y0, b.x1, b.y1, b.seed, b.score, COALESCE(m.into_cluster, b.cluster) AS cluster, b.distance, b.error,
         d.status AS d_status, d.x0 AS d_x0, d.y0 AS d_y0, d.x1 AS d_x1, d.y1 AS d_y1,
         COALESCE(md.into_cluster, d.cluster) AS d_cluster, d.decided_at
  FROM images i
  LEFT JOIN boxes b ON b.run_id = :run AND b.image_id = i.id
  LEFT JOIN box_decisions d ON d.run_id = :run AND d.image_id = i.id
  -- a crop's nearest centroid, and the cluster a person gave a box, follow a person's merge of that
  -- cluster, like the images' clusters do
  LEFT JOIN cluster_merges m ON m.run_id = (SELECT cluster_run_id FROM box_runs WHERE id = :run) AND m.cluster = b.cluster
  LEFT JOIN cluster_merges md ON md.run_id = (SELECT cluster_run_id FROM box_runs WHERE id = :run) AND md.cluster = d.cluster
  WHERE (b.image_id IS NOT NULL OR d.image_id IS NOT NULL)`;

const FILTERS: Record<BoxFilter, string> = {
  all: '',
  pending: 'AND b.x0 IS NOT NULL AND d.status IS NULL',
  accepted: "AND d.status = 'accepted'",
  rejected: "AND d.status = 'rejected'",
  edited: 'AND (d.x0 IS NOT NULL OR d.cluster IS NOT NULL)',
  failed: 'AND b.error IS NOT NULL',
};

const box = (x0: number | null, y0: number | null, x1: number | null, y1: number | null): PixelBox | null =>
  x0 === null || y0 === null || x1 === null || y1 === null ? null : [x0, y0, x1, y1];

export class BoxStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(run: { modelId: string; clusterRunId: number | null; maxSide: number; minSide: number }): BoxRun {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO box_runs (model_id, cluster_run_id, max_side, min_side, state) VALUES (?, ?, ?, ?, 'pending')")
      .run(run.modelId, run.clusterRunId, run.maxSide, run.minSide);
    return this.get(Number(lastInsertRowid));
  }

  get(runId: number): BoxRun {
    const row = this.db.prepare('SELECT * FROM box_runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw new BoxRunNotFoundError(`No box run #${runId} in this project.`);
    return this.toRun(row);
  }

  list(): BoxRun[] {
    return (this.db.prepare('SELECT * FROM box_runs ORDER BY id').all() as unknown as RunRow[]).map((row) => this.toRun(row));
  }

  setJob(runId: number, jobId: number): void {
    this.db.prepare('UPDATE box_runs SET job_id = ? WHERE id = ?').run(jobId, runId);
  }

  setState(runId: number, state: BoxRun['state']): void {
    this.db.prepare('UPDATE box_runs SET state = ? WHERE id = ?').run(state, runId);
  }

  /** Ok images the run has not dealt with yet, in id order, after `afterId`. */
  pendingImages(runId: number, afterId: number, limit: number): { id: number; path: string; width: number; height: number }[] {
    return this.db
      .prepare(
        `SELECT i.id, f.path || CASE WHEN substr(f.path, -1) = '/' THEN '' ELSE '/' END || i.rel_path AS path, i.width, i.height
         FROM images i JOIN folders f ON f.id = i.folder_id
         WHERE i.status = 'ok' AND i.id > ? AND NOT EXISTS (SELECT 1 FROM boxes b WHERE b.run_id = ? AND b.image_id = i.id)
         ORDER BY i.id LIMIT ?`,
      )
      .all(afterId, runId, limit) as { id: number; path: string; width: number; height: number }[];
  }

  /** Ok images in scope, and how many of them the run has dealt with. */
  progress(runId: number): { total: number; done: number } {
    return this.db
      .prepare(
        `SELECT count(*) AS total, count(b.image_id) AS done FROM images i
         LEFT JOIN boxes b ON b.run_id = ? AND b.image_id = i.id WHERE i.status = 'ok'`,
      )
      .get(runId) as { total: number; done: number };
  }

  saveBox(runId: number, imageId: number, computed: ComputedBox): void {
    const [x0, y0, x1, y1] = computed.box;
    this.db
      .prepare('INSERT OR REPLACE INTO boxes (run_id, image_id, x0, y0, x1, y1, seed, score, cluster, distance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(runId, imageId, x0, y0, x1, y1, computed.seed, computed.score, computed.cluster, computed.distance);
  }

  saveFailure(runId: number, imageId: number, error: string): void {
    this.db.prepare('INSERT OR REPLACE INTO boxes (run_id, image_id, error) VALUES (?, ?, ?)').run(runId, imageId, error);
  }

  decisionCount(runId: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM box_decisions WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  /**
   * Drops the computed rows so the run's job computes them again. Decisions stay; when there are any,
   * the caller must confirm with `replace` (a UI asks the person first).
   */
  clearComputed(runId: number, replace: boolean): void {
    const decisions = this.decisionCount(this.get(runId).id);
    if (decisions > 0 && !replace) {
      throw new DecisionsPresentError(
        `Box run #${runId} has ${decisions} reviewed image(s). Recomputing replaces its computed boxes (the decisions are kept and ` +
          'applied on top); confirm with replace: true (CLI: --replace).',
      );
    }
    transaction(this.db, () => {
      this.db.prepare('DELETE FROM boxes WHERE run_id = ?').run(runId);
      this.db.prepare("UPDATE box_runs SET state = 'pending' WHERE id = ?").run(runId);
    });
  }

  image(runId: number, imageId: number): ImageBox | null {
    this.get(runId);
    const row = this.db.prepare(`${SELECT_BOXES} AND i.id = :image`).get({ run: runId, image: imageId }) as BoxRow | undefined;
    return row ? toImageBox(runId, row) : null;
  }

  page(runId: number, filter: BoxFilter, clusterId: number | null, offset: number, limit: number): { total: number; items: ImageBox[] } {
    this.get(runId);
    const where = `${FILTERS[filter]} ${clusterId === null ? '' : 'AND COALESCE(md.into_cluster, d.cluster, m.into_cluster, b.cluster) = :cluster'}`;
    const parameters = { run: runId, ...(clusterId === null ? {} : { cluster: clusterId }) };
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM (${SELECT_BOXES} ${where})`).get(parameters) as { n: number };
    const rows = this.db
      .prepare(`${SELECT_BOXES} ${where} ORDER BY i.id LIMIT :limit OFFSET :offset`)
      .all({ ...parameters, limit, offset }) as unknown as BoxRow[];
    return { total: n, items: rows.map((row) => toImageBox(runId, row)) };
  }

  /** Every image of the run with its effective box, in image id order (what exports read). */
  all(runId: number): ImageBox[] {
    return (this.db.prepare(`${SELECT_BOXES} ORDER BY i.id`).all({ run: runId }) as unknown as BoxRow[]).map((row) => toImageBox(runId, row));
  }

  /** Applies a decision patch (undefined: unchanged, null: cleared); a decision left empty is removed. */
  decide(runId: number, imageId: number, patch: DecisionPatch): void {
    const current = this.db.prepare('SELECT * FROM box_decisions WHERE run_id = ? AND image_id = ?').get(runId, imageId) as
      | { status: 'accepted' | 'rejected' | null; x0: number | null; y0: number | null; x1: number | null; y1: number | null; cluster: number | null }
      | undefined;
    const status = patch.status !== undefined ? patch.status : (current?.status ?? null);
    const edited = patch.box !== undefined ? patch.box : box(current?.x0 ?? null, current?.y0 ?? null, current?.x1 ?? null, current?.y1 ?? null);
    const cluster = patch.cluster !== undefined ? patch.cluster : (current?.cluster ?? null);
    if (status === null && edited === null && cluster === null) return this.clearDecision(runId, imageId);
    const [x0, y0, x1, y1] = edited ?? [null, null, null, null];
    this.db
      .prepare(
        `INSERT OR REPLACE INTO box_decisions (run_id, image_id, status, x0, y0, x1, y1, cluster, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      )
      .run(runId, imageId, status, x0, y0, x1, y1, cluster);
  }

  clearDecision(runId: number, imageId: number): void {
    this.db.prepare('DELETE FROM box_decisions WHERE run_id = ? AND image_id = ?').run(runId, imageId);
  }

  private toRun(row: RunRow): BoxRun {
    const counts = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM boxes WHERE run_id = :run AND error IS NULL) AS boxes,
                (SELECT count(*) FROM boxes WHERE run_id = :run AND error IS NOT NULL) AS failed,
                (SELECT count(*) FROM box_decisions WHERE run_id = :run) AS decisions`,
      )
      .get({ run: row.id }) as { boxes: number; failed: number; decisions: number };
    return {
      id: row.id,
      modelId: row.model_id,
      clusterRunId: row.cluster_run_id,
      maxSide: row.max_side,
      minSide: row.min_side,
      state: row.state,
      jobId: row.job_id,
      ...counts,
      createdAt: row.created_at,
    };
  }
}

function toImageBox(runId: number, row: BoxRow): ImageBox {
  const computedBox = box(row.x0, row.y0, row.x1, row.y1);
  const computed: ComputedBox | null = computedBox
    ? { box: computedBox, seed: row.seed as number, score: row.score as number, cluster: row.cluster, distance: row.distance }
    : null;
  const decision: BoxDecision | null =
    row.decided_at === null
      ? null
      : { status: row.d_status, box: box(row.d_x0, row.d_y0, row.d_x1, row.d_y1), cluster: row.d_cluster, decidedAt: row.decided_at };
  return {
    runId,
    imageId: row.imageId,
    relPath: row.relPath,
    width: row.width ?? 0,
    height: row.height ?? 0,
    computed,
    error: row.error,
    decision,
    effective: {
      box: decision?.box ?? computed?.box ?? null,
      cluster: decision?.cluster ?? computed?.cluster ?? null,
      status: decision?.status ?? 'pending',
    },
  };
}
