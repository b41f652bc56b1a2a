// The order in which k-means, its seeded start and its seeded samples see a project's images: by
// content (sha256), then by id among identical files. Image ids follow the order in which the scan's
// workers finished, so an id order would let the same photos and seed cluster differently in two
// projects; content order makes a seed reproduce its result wherever the photos were imported.
import type { Database } from '../store/database.ts';

/** An ORDER BY over the `images` table aliased `i`. */
export const CONTENT_ORDER = 'i.sha256, i.id';

/** The given image ids in content order. */
export function inContentOrder(db: Database, imageIds: readonly number[]): number[] {
  const rows = db.prepare(`SELECT i.id FROM json_each(?) w JOIN images i ON i.id = w.value ORDER BY ${CONTENT_ORDER}`).all(JSON.stringify(imageIds)) as { id: number }[];
  return rows.map((row) => row.id);
}
