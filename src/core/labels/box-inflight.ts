// The image a boxes job's process is working on, kept in the store so that the next run notices a process
// that died on it (a native crash in the decoder or ONNX Runtime, or a kill). The job does one image at a
// time in id order, so a mark left behind names the image exactly. It is tried once more, marked as a
// retry, since a kill says nothing about the image; a death on the retry makes it the culprit.
import type { Database } from '../store/database.ts';

export interface LeftInFlight {
  imageId: number;
  /** The process died on this image's retry too. */
  retried: boolean;
}

export class BoxInFlight {
  private readonly db: Database;
  private readonly runId: number;

  constructor(db: Database, runId: number) {
    this.db = db;
    this.runId = runId;
  }

  /** The image a dead process left in flight, unless it got its row before the process died. */
  left(): LeftInFlight | null {
    const row = this.db
      .prepare(
        `SELECT m.image_id, m.retry FROM box_inflight m
         WHERE m.run_id = ? AND NOT EXISTS (SELECT 1 FROM boxes b WHERE b.run_id = m.run_id AND b.image_id = m.image_id)`,
      )
      .get(this.runId) as { image_id: number; retry: number } | undefined;
    return row ? { imageId: row.image_id, retried: row.retry === 1 } : null;
  }

  mark(imageId: number, retry: boolean): void {
    this.db.prepare('INSERT OR REPLACE INTO box_inflight (run_id, image_id, retry) VALUES (?, ?, ?)').run(this.runId, imageId, retry ? 1 : 0);
  }

  clear(): void {
    this.db.prepare('DELETE FROM box_inflight WHERE run_id = ?').run(this.runId);
  }
}
