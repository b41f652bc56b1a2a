// Reads and writes the images table on behalf of the scan.
import type { Database } from '../store/database.ts';

export interface ImageRecord {
  folderId: number;
  relPath: string;
  bytes: number;
  mtimeMs: number;
  status: 'ok' | 'broken';
  error: string | null;
  sha256: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  orientation: number | null;
}

export interface KnownFile {
  id: number;
  bytes: number;
  mtimeMs: number;
  status: string;
  sha256: string | null;
}

export function knownFiles(db: Database, folderId: number): Map<string, KnownFile> {
  const rows = db
    .prepare('SELECT id, rel_path, bytes, mtime_ms, status, sha256 FROM images WHERE folder_id = ?')
    .all(folderId) as { id: number; rel_path: string; bytes: number; mtime_ms: number; status: string; sha256: string | null }[];
  return new Map(
    rows.map((row) => [row.rel_path, { id: row.id, bytes: row.bytes, mtimeMs: row.mtime_ms, status: row.status, sha256: row.sha256 }]),
  );
}

/** An already decoded, valid image with the same content: its facts can be reused without decoding. */
export function decodedTwin(db: Database, sha256: string): Pick<ImageRecord, 'format' | 'width' | 'height' | 'orientation'> | null {
  const row = db
    .prepare("SELECT format, width, height, orientation FROM images WHERE sha256 = ? AND status = 'ok' LIMIT 1")
    .get(sha256) as { format: string; width: number; height: number; orientation: number | null } | undefined;
  return row ?? null;
}

export function upsertImage(db: Database, record: ImageRecord): void {
  db.prepare(
    `INSERT INTO images (folder_id, rel_path, bytes, mtime_ms, status, error, sha256, format, width, height, orientation, scanned_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
     ON CONFLICT (folder_id, rel_path) DO UPDATE SET
       bytes = excluded.bytes, mtime_ms = excluded.mtime_ms, status = excluded.status, error = excluded.error,
       sha256 = excluded.sha256, format = excluded.format, width = excluded.width, height = excluded.height,
       orientation = excluded.orientation, scanned_at = excluded.scanned_at`,
  ).run(
    record.folderId, record.relPath, record.bytes, record.mtimeMs, record.status, record.error, record.sha256,
    record.format, record.width, record.height, record.orientation,
  );
}

export function markMissing(db: Database, id: number): void {
  db.prepare("UPDATE images SET status = 'missing', error = 'file not found at the last scan', duplicate_count = 1 WHERE id = ?").run(id);
}

/** Recounts the identical-file groups, writing only rows whose count changed. */
export function refreshDuplicateCounts(db: Database): void {
  db.exec(`
    UPDATE images SET duplicate_count = target.n FROM (
      SELECT image.id, CASE WHEN image.status = 'ok' THEN groups.n ELSE 1 END AS n
      FROM images AS image
      LEFT JOIN (SELECT sha256, count(*) AS n FROM images WHERE status = 'ok' GROUP BY sha256) AS groups
        ON groups.sha256 = image.sha256
    ) AS target
    WHERE target.id = images.id AND images.duplicate_count IS NOT target.n
  `);
}
