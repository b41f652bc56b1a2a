import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, openProject } from '../../src/core/project/project.ts';
import { MIGRATIONS, NewerSchemaError, SCHEMA_VERSION, migrate, schemaVersion } from '../../src/core/store/migrations.ts';
import { tempDir } from '../support/temp.ts';

describe('schema migrations', () => {
  const root = tempDir();

  it('creates a new project at the current schema version, in WAL mode with foreign keys', () => {
    const project = createProject(join(root, 'fresh'));
    expect(project.schemaVersion).toBe(SCHEMA_VERSION);
    expect(project.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(project.db.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
    project.close();
  });

  it('migrates an older schema step by step and keeps its data', () => {
    const db = new DatabaseSync(':memory:');
    expect(migrate(db, MIGRATIONS.slice(0, 1))).toBe(1);
    db.prepare("INSERT INTO folders (path) VALUES ('/photos')").run();
    const next = [...MIGRATIONS, 'ALTER TABLE folders ADD COLUMN label TEXT', "UPDATE folders SET label = 'migrated'"];
    expect(migrate(db, next)).toBe(next.length);
    expect(db.prepare('SELECT path, label FROM folders').get()).toEqual({ path: '/photos', label: 'migrated' });
    expect(schemaVersion(db)).toBe(next.length);
  });

  it('rolls a failing migration back and stays at the last good version', () => {
    const db = new DatabaseSync(':memory:');
    migrate(db, MIGRATIONS);
    const broken = [...MIGRATIONS, 'CREATE TABLE extra (x INTEGER); SELECT * FROM no_such_table'];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ n: 0 });
  });

  it('refuses a project written by a newer selfguide, and leaves it untouched', () => {
    const dir = join(root, 'newer');
    createProject(dir).close();
    const raw = new DatabaseSync(join(dir, 'project.sqlite'));
    raw.exec(`UPDATE schema_version SET version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openProject(dir)).toThrow(NewerSchemaError);
    expect(() => openProject(dir)).toThrow(/newer selfguide/);
    const check = new DatabaseSync(join(dir, 'project.sqlite'));
    expect(schemaVersion(check)).toBe(SCHEMA_VERSION + 5);
    check.close();
  });

  it('says how to create a project when the folder is not one', () => {
    expect(() => openProject(join(root, 'nothing-here'))).toThrow(/selfguide init/);
  });
});
