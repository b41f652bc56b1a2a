// A project is a folder: project.sqlite plus derived files (thumbs/, features/, ...). Source images
// stay where they are and are never modified.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type Database, openDatabase } from '../store/database.ts';
import { migrate } from '../store/migrations.ts';
import { Settings } from './settings.ts';

export const PROJECT_DB = 'project.sqlite';

export class ProjectError extends Error {
  override name = 'ProjectError';
}

/** SQLite's primary result codes for a damaged file (extended codes carry them in the low byte). */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * A project.sqlite that SQLite cannot read ("database disk image is malformed", "file is not a
 * database") as a ProjectError naming the file and what to do; null for any other error.
 * `walBytes`: the size of project.sqlite-wal before the file was opened (opening creates an empty one).
 */
function damagedStoreError(file: string, error: unknown, walBytes: number): ProjectError | null {
  const code = (error as { errcode?: unknown }).errcode;
  if (typeof code !== 'number' || ![SQLITE_CORRUPT, SQLITE_NOTADB].includes(code & 0xff)) return null;
  // A WAL holds recent changes of this very file; replayed onto a restored copy it would damage that too.
  const wal =
    walBytes > 0
      ? ` ${basename(file)}-wal beside it (${walBytes.toLocaleString('en-US')} bytes) holds the last changes of the damaged file: move it aside too, with ${basename(file)}-shm.`
      : '';
  return new ProjectError(
    `${file} is damaged (${(error as Error).message}). selfguide keeps no backup of it: close every selfguide using this project, ` +
      `move ${PROJECT_DB} aside and put back a copy from a backup of the project folder.${wal} ` +
      'Without a backup, start a new project with selfguide init and scan the folders again (your images are untouched).',
  );
}

export interface Project {
  readonly root: string;
  readonly name: string;
  readonly db: Database;
  readonly schemaVersion: number;
  readonly settings: Settings;
  readonly thumbsDir: string;
  close(): void;
}

export function isProject(dir: string): boolean {
  return existsSync(join(dir, PROJECT_DB));
}

/** Creates the project folder (if needed) and its store. Opening an existing project is not an error. */
export function createProject(dir: string): Project {
  const root = resolve(dir);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new ProjectError(`${root} exists and is not a folder; choose another path for the project.`);
  }
  mkdirSync(root, { recursive: true });
  return connect(root);
}

export function openProject(dir: string): Project {
  const root = resolve(dir);
  if (!isProject(root)) {
    throw new ProjectError(`${root} is not a selfguide project (no ${PROJECT_DB}). Create one with: selfguide init ${dir}`);
  }
  return connect(root);
}

function connect(root: string): Project {
  const file = join(root, PROJECT_DB);
  const walBytes = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
  let db: Database;
  let schemaVersion: number;
  try {
    db = openDatabase(file);
  } catch (error) {
    throw damagedStoreError(file, error, walBytes) ?? error;
  }
  try {
    schemaVersion = migrate(db);
  } catch (error) {
    db.close();
    throw damagedStoreError(file, error, walBytes) ?? error;
  }
  const thumbsDir = join(root, 'thumbs');
  mkdirSync(thumbsDir, { recursive: true });
  return {
    root,
    name: basename(root),
    db,
    schemaVersion,
    settings: new Settings(db),
    thumbsDir,
    close: () => db.close(),
  };
}
