// Paged, filtered reads of the library for the views; nothing here loads the whole table.
import type { LibraryQuery } from '../../shared/api.ts';
import type { Folder, ImageDetail, ImageSummary, LibraryCounts } from '../../shared/schemas.ts';
import type { Database } from '../store/database.ts';

interface ImageRow {
  id: number;
  folder_id: number;
  rel_path: string;
  width: number | null;
  height: number | null;
  format: string | null;
  status: 'ok' | 'broken' | 'missing';
  error: string | null;
  duplicate_count: number;
}

const SUMMARY_COLUMNS = 'id, folder_id, rel_path, width, height, format, status, error, duplicate_count';

function where(query: LibraryQuery): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (query.folderId !== null) {
    clauses.push('folder_id = ?');
    params.push(query.folderId);
  }
  if (query.status === 'duplicate') clauses.push('duplicate_count > 1');
  else if (query.status !== 'all') {
    clauses.push('status = ?');
    params.push(query.status);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export function listImages(db: Database, query: LibraryQuery, offset: number, limit: number): { total: number; items: ImageSummary[] } {
  const filter = where(query);
  // Duplicates are listed group by group so identical files sit next to each other in the grid.
  const order = query.status === 'duplicate' ? 'sha256, folder_id, rel_path' : 'folder_id, rel_path';
  const total = (db.prepare(`SELECT count(*) AS n FROM images ${filter.sql}`).get(...filter.params) as { n: number }).n;
  const rows = db
    .prepare(`SELECT ${SUMMARY_COLUMNS} FROM images ${filter.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...filter.params, limit, offset) as unknown as ImageRow[];
  return { total, items: rows.map(toSummary) };
}

export function libraryCounts(db: Database, folderId: number | null): LibraryCounts {
  const scope = folderId === null ? '' : 'WHERE folder_id = ?';
  const params = folderId === null ? [] : [folderId];
  const row = db
    .prepare(
      `SELECT count(*) AS all_, coalesce(sum(status = 'ok'), 0) AS ok, coalesce(sum(status = 'broken'), 0) AS broken,
              coalesce(sum(status = 'missing'), 0) AS missing, coalesce(sum(duplicate_count > 1), 0) AS duplicate
       FROM images ${scope}`,
    )
    .get(...params) as { all_: number; ok: number; broken: number; missing: number; duplicate: number };
  return { all: row.all_, ok: row.ok, broken: row.broken, missing: row.missing, duplicate: row.duplicate };
}

export function listFolders(db: Database): Folder[] {
  const rows = db
    .prepare('SELECT f.id, f.path, (SELECT count(*) FROM images WHERE folder_id = f.id) AS n FROM folders AS f ORDER BY f.id')
    .all() as { id: number; path: string; n: number }[];
  return rows.map((row) => ({ id: row.id, path: row.path, imageCount: row.n }));
}

export function getImage(db: Database, id: number): ImageDetail | null {
  const row = db
    .prepare(
      `SELECT i.*, f.path AS folder_path FROM images AS i JOIN folders AS f ON f.id = i.folder_id WHERE i.id = ?`,
    )
    .get(id) as
    | (ImageRow & { folder_path: string; bytes: number; mtime_ms: number; sha256: string | null; orientation: number | null; scanned_at: string })
    | undefined;
  if (!row) return null;
  const duplicates =
    row.sha256 && row.duplicate_count > 1
      ? (db
          .prepare(
            `SELECT i.id, f.path AS folder_path, i.rel_path FROM images AS i JOIN folders AS f ON f.id = i.folder_id
             WHERE i.sha256 = ? AND i.status = 'ok' AND i.id != ? ORDER BY i.id LIMIT 100`,
          )
          .all(row.sha256, id) as { id: number; folder_path: string; rel_path: string }[])
      : [];
  return {
    ...toSummary(row),
    path: joinPath(row.folder_path, row.rel_path),
    bytes: row.bytes,
    mtimeMs: row.mtime_ms,
    sha256: row.sha256,
    orientation: row.orientation,
    scannedAt: row.scanned_at,
    duplicates: duplicates.map((twin) => ({ id: twin.id, path: joinPath(twin.folder_path, twin.rel_path) })),
  };
}

/** The absolute path of a registered image, or null: the only way a file path leaves the store. */
export function registeredImageFile(db: Database, id: number): { path: string; sha256: string | null; status: string } | null {
  const row = db
    .prepare('SELECT f.path AS folder_path, i.rel_path, i.sha256, i.status FROM images AS i JOIN folders AS f ON f.id = i.folder_id WHERE i.id = ?')
    .get(id) as { folder_path: string; rel_path: string; sha256: string | null; status: string } | undefined;
  return row ? { path: joinPath(row.folder_path, row.rel_path), sha256: row.sha256, status: row.status } : null;
}

function joinPath(folder: string, relPath: string): string {
  return folder.endsWith('/') ? folder + relPath : `${folder}/${relPath}`;
}

function toSummary(row: ImageRow): ImageSummary {
  return {
    id: row.id,
    folderId: row.folder_id,
    relPath: row.rel_path,
    width: row.width,
    height: row.height,
    format: row.format,
    status: row.status,
    error: row.error,
    duplicateCount: row.duplicate_count,
  };
}
