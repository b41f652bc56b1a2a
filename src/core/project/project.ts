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
  const db = openDatabase(join(root, PROJECT_DB));
  let schemaVersion: number;
  try {
    schemaVersion = migrate(db);
  } catch (error) {
    db.close();
    throw error;
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
