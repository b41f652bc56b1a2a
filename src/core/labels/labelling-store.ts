// Ground-truth labellings (imported, never used for clustering): a name, where it came from, and a
// label per image. Importing again under the same name replaces that labelling.
import type { Labelling } from '../../shared/clusters.ts';
import { type Database, transaction } from '../store/database.ts';

export class LabellingNotFoundError extends Error {
  override name = 'LabellingNotFoundError';
}

const SELECT = `SELECT l.id, l.name, l.source, count(il.image_id) AS images, count(DISTINCT il.label) AS labels
  FROM labellings l LEFT JOIN image_labels il ON il.labelling_id = l.id`;

export class LabellingStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  save(name: string, source: string, labels: ReadonlyMap<number, string>): Labelling {
    const id = transaction(this.db, () => {
      this.db.prepare('DELETE FROM labellings WHERE name = ?').run(name);
      const { lastInsertRowid } = this.db.prepare('INSERT INTO labellings (name, source) VALUES (?, ?)').run(name, source);
      const insert = this.db.prepare('INSERT INTO image_labels (labelling_id, image_id, label) VALUES (?, ?, ?)');
      for (const [imageId, label] of labels) insert.run(lastInsertRowid, imageId, label);
      return Number(lastInsertRowid);
    });
    return this.get(id);
  }

  get(id: number): Labelling {
    const row = this.db.prepare(`${SELECT} WHERE l.id = ? GROUP BY l.id`).get(id) as Labelling | undefined;
    if (!row) throw new LabellingNotFoundError(`No ground-truth labelling #${id} in this project.`);
    return { ...row };
  }

  list(): Labelling[] {
    return (this.db.prepare(`${SELECT} GROUP BY l.id ORDER BY l.id`).all() as unknown as Labelling[]).map((row) => ({ ...row }));
  }

  /** image id → label. */
  labels(id: number): Map<number, string> {
    this.get(id);
    const rows = this.db.prepare('SELECT image_id, label FROM image_labels WHERE labelling_id = ?').all(id) as { image_id: number; label: string }[];
    return new Map(rows.map((row) => [row.image_id, row.label]));
  }
}
