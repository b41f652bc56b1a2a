// The SQLite side of the features: which row of which file holds an image's features for a model,
// computed from which content (sha256) and which decoding, and which images failed and why. An image
// counts as done only for the decoding the index was opened with: switching it computes every image again,
// so one model's features are never a mix of the two.
import { join } from 'node:path';
import type { DecodeMode, FeatureKind } from '../../shared/models.ts';
import { type Database, transaction } from '../store/database.ts';

export interface PendingImage {
  id: number;
  path: string;
  sha256: string | null;
}

export interface FeatureFailure {
  imageId: number;
  error: string;
}

export class FeatureIndex {
  private readonly db: Database;
  private readonly modelId: string;
  private readonly decode: DecodeMode;

  constructor(db: Database, modelId: string, decode: DecodeMode = 'exact') {
    this.db = db;
    this.modelId = modelId;
    this.decode = decode;
  }

  /** Declares the row shape of a kind's file; a model's shapes never change, so a mismatch is an error. */
  ensureFile(kind: FeatureKind, shape: number[]): void {
    const known = this.shape(kind);
    if (known && known.join() !== shape.join()) {
      throw new Error(`features/${this.modelId}.${kind}.f16 holds rows of shape [${known}], not [${shape}]`);
    }
    if (!known) {
      this.db.prepare('INSERT INTO feature_files (model_id, kind, shape) VALUES (?, ?, ?)').run(this.modelId, kind, JSON.stringify(shape));
    }
  }

  shape(kind: FeatureKind): number[] | null {
    const row = this.db.prepare('SELECT shape FROM feature_files WHERE model_id = ? AND kind = ?').get(this.modelId, kind) as
      | { shape: string }
      | undefined;
    return row ? (JSON.parse(row.shape) as number[]) : null;
  }

  /** The first row not yet allocated in a kind's file. */
  nextRow(kind: FeatureKind): number {
    const row = this.db.prepare('SELECT rows FROM feature_files WHERE model_id = ? AND kind = ?').get(this.modelId, kind) as
      | { rows: number }
      | undefined;
    return row?.rows ?? 0;
  }

  countEligible(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM images WHERE status = 'ok'").get() as { n: number }).n;
  }

  countPending(kinds: FeatureKind[]): number {
    const row = this.db.prepare(`SELECT count(*) AS n FROM images i WHERE ${PENDING}`).get(this.modelId, this.decode, JSON.stringify(kinds), kinds.length);
    return (row as { n: number }).n;
  }

  /** Images (in id order, after `afterId`) lacking one of `kinds` for their current content. */
  pendingAfter(afterId: number, kinds: FeatureKind[], limit: number): PendingImage[] {
    const rows = this.db
      .prepare(
        `SELECT i.id, f.path AS root, i.rel_path, i.sha256 FROM images i JOIN folders f ON f.id = i.folder_id
         WHERE ${PENDING} AND i.id > ? ORDER BY i.id LIMIT ?`,
      )
      .all(this.modelId, this.decode, JSON.stringify(kinds), kinds.length, afterId, limit) as {
      id: number;
      root: string;
      rel_path: string;
      sha256: string | null;
    }[];
    return rows.map((row) => ({ id: row.id, path: join(row.root, row.rel_path), sha256: row.sha256 }));
  }

  /** Notes that these images are being decoded and inferred; `commit` (or `settle`) clears them. */
  markInFlight(imageIds: readonly number[]): void {
    const mark = this.db.prepare('INSERT OR IGNORE INTO feature_inflight (model_id, image_id) VALUES (?, ?)');
    transaction(this.db, () => imageIds.forEach((id) => mark.run(this.modelId, id)));
  }

  /** Images a process marked in flight and never committed: it died while they were in it. */
  inFlight(): number[] {
    const rows = this.db.prepare('SELECT image_id FROM feature_inflight WHERE model_id = ? ORDER BY image_id').all(this.modelId) as { image_id: number }[];
    return rows.map((row) => row.image_id);
  }

  /** Clears in-flight marks without recording anything (a decoded batch that a cancel left unused). */
  settle(imageIds: readonly number[]): void {
    transaction(this.db, () => this.unmark(imageIds));
  }

  private unmark(imageIds: readonly number[]): void {
    const clear = this.db.prepare('DELETE FROM feature_inflight WHERE model_id = ? AND image_id = ?');
    for (const id of imageIds) clear.run(this.modelId, id);
  }

  /**
   * Records one batch in one transaction: `done` images got rows firstRow.. (same order) in every
   * kind's file, `failed` ones get their reason; both leave the in-flight set.
   */
  commit(kinds: FeatureKind[], firstRows: Map<FeatureKind, number>, done: PendingImage[], failed: FeatureFailure[]): void {
    transaction(this.db, () => {
      this.unmark([...done.map((image) => image.id), ...failed.map((failure) => failure.imageId)]);
      const index = this.db.prepare(
        'INSERT OR REPLACE INTO image_features (model_id, kind, image_id, row, sha256, decode) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const kind of done.length > 0 ? kinds : []) {
        const first = firstRows.get(kind) as number;
        done.forEach((image, i) => index.run(this.modelId, kind, image.id, first + i, image.sha256, this.decode));
        this.db.prepare('UPDATE feature_files SET rows = ? WHERE model_id = ? AND kind = ?').run(first + done.length, this.modelId, kind);
      }
      const clear = this.db.prepare('DELETE FROM feature_failures WHERE model_id = ? AND image_id = ?');
      for (const image of done) clear.run(this.modelId, image.id);
      const record = this.db.prepare('INSERT OR REPLACE INTO feature_failures (model_id, image_id, error) VALUES (?, ?, ?)');
      for (const failure of failed) record.run(this.modelId, failure.imageId, failure.error);
    });
  }

  failures(): FeatureFailure[] {
    return (
      this.db.prepare('SELECT image_id, error FROM feature_failures WHERE model_id = ? ORDER BY image_id').all(this.modelId) as {
        image_id: number;
        error: string;
      }[]
    ).map((row) => ({ imageId: row.image_id, error: row.error }));
  }

  /** Drops the images' rows of a kind from the index: they count as missing, and the features job extracts them again. */
  forget(kind: FeatureKind, imageIds: readonly number[]): void {
    this.db
      .prepare('DELETE FROM image_features WHERE model_id = ? AND kind = ? AND image_id IN (SELECT value FROM json_each(?))')
      .run(this.modelId, kind, JSON.stringify(imageIds));
  }

  /**
   * Drops from the index every row of a kind at or past `storedRows`, the rows the file really holds (it
   * was truncated or only partly written), and allocates new rows from there: those images count as
   * missing, so the features job extracts them again. Returns how many index rows were dropped.
   */
  forgetPastEnd(kind: FeatureKind, storedRows: number): number {
    return transaction(this.db, () => {
      const dropped = this.db
        .prepare('DELETE FROM image_features WHERE model_id = ? AND kind = ? AND row >= ?')
        .run(this.modelId, kind, storedRows).changes;
      this.db.prepare('UPDATE feature_files SET rows = min(rows, ?) WHERE model_id = ? AND kind = ?').run(storedRows, this.modelId, kind);
      return Number(dropped);
    });
  }

  /** Rows of the given images whose features match their current content; absent ones are missing. */
  rows(kind: FeatureKind, imageIds: readonly number[]): Map<number, number> {
    const found = new Map<number, number>();
    const query = this.db.prepare(
      `SELECT x.image_id, x.row FROM image_features x JOIN images i ON i.id = x.image_id AND i.sha256 IS x.sha256
       WHERE x.model_id = ? AND x.kind = ? AND x.image_id IN (SELECT value FROM json_each(?))`,
    );
    for (let start = 0; start < imageIds.length; start += 1000) {
      const chunk = JSON.stringify(imageIds.slice(start, start + 1000));
      for (const row of query.all(this.modelId, kind, chunk) as { image_id: number; row: number }[]) found.set(row.image_id, row.row);
    }
    return found;
  }
}

/** An ok image lacking at least one requested kind computed from its current content with this decoding. Params: model, decode, kinds (JSON), count. */
const PENDING = `i.status = 'ok' AND (
  SELECT count(*) FROM image_features x
  WHERE x.model_id = ? AND x.image_id = i.id AND x.sha256 IS i.sha256 AND x.decode = ? AND x.kind IN (SELECT value FROM json_each(?))
) < ?`;
