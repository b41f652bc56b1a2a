// Registering source folders. A folder is stored by its absolute, real path so that the same
// folder reached through a link is not registered twice, and folders may not overlap: one inside
// (or holding) a registered folder would put the same files in the library twice.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { absolutePath } from '../files/absolute-path.ts';
import type { Database } from '../store/database.ts';

export class FolderError extends Error {
  override name = 'FolderError';
}

type FolderRow = { id: number; path: string };

/**
 * Registers the folder at `path` (an absolute path: a relative one would be resolved against the
 * back end's working directory, which means nothing to a person at a browser, so callers resolve
 * it themselves). Adding a registered folder again returns it; one that overlaps a registered
 * folder is refused.
 */
export function addFolder(db: Database, path: string): FolderRow {
  const absolute = resolve(absolutePath(path, 'folder'));
  let real: string;
  try {
    if (!statSync(absolute).isDirectory()) throw new FolderError(`Not a folder: ${absolute}`);
    real = realpathSync(absolute);
  } catch (error) {
    if (error instanceof FolderError) throw error;
    throw new FolderError(`Folder not found or not readable: ${absolute}`);
  }
  const registered = db.prepare('SELECT id, path FROM folders ORDER BY id').all() as FolderRow[];
  const same = registered.find((folder) => realPathOf(folder.path) === real);
  if (same) return same;
  for (const folder of registered) {
    const existing = realPathOf(folder.path);
    if (isInside(real, existing)) {
      throw new FolderError(
        `${real} is inside the registered folder #${folder.id} ${folder.path}, whose scans already include it; ` +
          'rescan the project instead of adding it again.',
      );
    }
    if (isInside(existing, real)) {
      throw new FolderError(
        `${real} holds the registered folder #${folder.id} ${folder.path}, so its files would be counted twice; ` +
          `add the other folders under ${real} one by one instead (a project's folders cannot be removed yet), ` +
          `or start a new project with ${real}.`,
      );
    }
  }
  db.prepare('INSERT INTO folders (path) VALUES (?)').run(real);
  return db.prepare('SELECT id, path FROM folders WHERE path = ?').get(real) as FolderRow;
}

/** Pairs of registered folders where `inner` lies inside `outer` (projects made before this was refused). */
export function nestedFolders(db: Database): { inner: FolderRow; outer: FolderRow }[] {
  const folders = db.prepare('SELECT id, path FROM folders ORDER BY id').all() as FolderRow[];
  const real = new Map(folders.map((folder) => [folder.id, realPathOf(folder.path)]));
  return folders.flatMap((inner) =>
    folders
      .filter((outer) => outer.id !== inner.id && isInside(real.get(inner.id) as string, real.get(outer.id) as string))
      .map((outer) => ({ inner, outer })),
  );
}

/** Whether `child` lies strictly below `parent` (path components, not string prefixes: /x/ab is not in /x/a). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** A stored folder's real path now (links may have changed since it was registered); the stored path if it is gone. */
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
