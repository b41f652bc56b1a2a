// The project's record of label exports: what was asked (format, folder, runs, options) and, once done,
// what was written. State and error are read from the export's job, so the two never disagree.
import type { ExportFormat, ExportRecord } from '../../shared/exports.ts';
import type { Database } from '../store/database.ts';

export class ExportNotFoundError extends Error {
  override name = 'ExportNotFoundError';
}

export interface NewExport {
  format: ExportFormat;
  outDir: string;
  clusterRunId: number | null;
  boxRunId: number | null;
  maskRunId: number | null;
  acceptedOnly: boolean;
  copy: boolean;
  overwrite: boolean;
}

interface Row {
  id: number;
  format: ExportFormat;
  out_dir: string;
  cluster_run_id: number | null;
  box_run_id: number | null;
  mask_run_id: number | null;
  accepted_only: number;
  copy: number;
  overwrite: number;
  job_id: number | null;
  images: number | null;
  boxes: number | null;
  masks: number | null;
  created_at: string;
  finished_at: string | null;
  state: ExportRecord['state'] | null;
  error: string | null;
}

const SELECT = 'SELECT e.*, j.state, j.error FROM exports e LEFT JOIN jobs j ON j.id = e.job_id';

export class ExportStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(request: NewExport): ExportRecord {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO exports (format, out_dir, cluster_run_id, box_run_id, mask_run_id, accepted_only, copy, overwrite) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(request.format, request.outDir, request.clusterRunId, request.boxRunId, request.maskRunId, Number(request.acceptedOnly), Number(request.copy), Number(request.overwrite));
    return this.get(Number(lastInsertRowid));
  }

  get(id: number): ExportRecord {
    const row = this.db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as Row | undefined;
    if (!row) throw new ExportNotFoundError(`No export #${id} in this project.`);
    return toRecord(row);
  }

  /** Newest first. */
  list(limit = 200): ExportRecord[] {
    return (this.db.prepare(`${SELECT} ORDER BY e.id DESC LIMIT ?`).all(limit) as unknown as Row[]).map(toRecord);
  }

  setJob(id: number, jobId: number): void {
    this.db.prepare('UPDATE exports SET job_id = ? WHERE id = ?').run(jobId, id);
  }

  /** What a finished export wrote (the runs it resolved included). */
  setResult(id: number, result: { clusterRunId: number | null; boxRunId: number | null; maskRunId: number | null; images: number; boxes: number; masks: number }): void {
    this.db
      .prepare(
        `UPDATE exports SET cluster_run_id = ?, box_run_id = ?, mask_run_id = ?, images = ?, boxes = ?, masks = ?,
         finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
      )
      .run(result.clusterRunId, result.boxRunId, result.maskRunId, result.images, result.boxes, result.masks, id);
  }
}

function toRecord(row: Row): ExportRecord {
  return {
    id: row.id,
    format: row.format,
    outDir: row.out_dir,
    runs: { clusterRunId: row.cluster_run_id, boxRunId: row.box_run_id, maskRunId: row.mask_run_id },
    acceptedOnly: row.accepted_only === 1,
    copy: row.copy === 1,
    overwrite: row.overwrite === 1,
    jobId: row.job_id,
    state: row.state ?? 'queued',
    images: row.images,
    boxes: row.boxes,
    masks: row.masks,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}
