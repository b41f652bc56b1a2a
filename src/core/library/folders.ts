// Registering source folders. A folder is stored by its absolute, real path so that the same
// folder reached through a link is not registered twice.
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from '../store/database.ts';

export class FolderError extends Error {
  override name = 'FolderError';
}

export function addFolder(db: Database, path: string): { id: number; path: string } {
  const absolute = resolve(path);
  let real: string;
  try {
    if (!statSync(absolute).isDirectory()) throw new FolderError(`Not a folder: ${absolute}`);
    real = realpathSync(absolute);
  } catch (error) {
    if (error instanceof FolderError) throw error;
    throw new FolderError(`Folder not found or not readable: ${absolute}`);
  }
  db.prepare('INSERT INTO folders (path) VALUES (?) ON CONFLICT (path) DO NOTHING').run(real);
  return db.prepare('SELECT id, path FROM folders WHERE path = ?').get(real) as { id: number; path: string };
}
