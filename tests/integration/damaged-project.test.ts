// A project.sqlite SQLite cannot read is a project error (exit 3) that names the file and what to do.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, openProject } from '../../src/core/project/project.ts';
import { selfguide, selfguideJson } from '../support/cli.ts';
import { tempDir } from '../support/temp.ts';

describe('a damaged project.sqlite', () => {
  const root = tempDir();

  /** A real project with some rows, closed cleanly. */
  function project(name: string): string {
    const dir = join(root, name);
    const made = createProject(dir);
    const insert = made.db.prepare('INSERT INTO folders (path) VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run(`/photos/${name}/${i}/${'x'.repeat(100)}`);
    made.close();
    return dir;
  }

  it('exits 3 naming the file and the fix when it is not a database at all', () => {
    const dir = project('garbage');
    writeFileSync(join(dir, 'project.sqlite'), randomBytes(200_000));
    for (const command of ['status', 'scan']) {
      const result = selfguide([command, '--project', dir]);
      expect(result.code, command).toBe(3);
      expect(result.stderr).toContain(`selfguide ${command}: ${join(dir, 'project.sqlite')} is damaged (file is not a database).`);
      expect(result.stderr).toContain('put back a copy from a backup of the project folder');
      expect(result.stderr).not.toContain('-wal'); // there is none
    }
    const json = selfguideJson<{ error: { kind: string; message: string } }>(['status', '--project', dir]);
    expect(json.code).toBe(3);
    expect(json.json.error).toMatchObject({ kind: 'project' });
    expect(json.json.error.message).toContain('selfguide keeps no backup of it');
  });

  it('exits 3 when the file is truncated', () => {
    const dir = project('truncated');
    const file = join(dir, 'project.sqlite');
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const result = selfguide(['status', '--project', dir]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`${file} is damaged (database disk image is malformed).`);
  });

  it('refuses to serve it, the same way', () => {
    const dir = project('serve');
    writeFileSync(join(dir, 'project.sqlite'), randomBytes(50_000));
    const result = selfguide(['serve', dir], 30_000);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`selfguide serve: ${join(dir, 'project.sqlite')} is damaged`);
  });

  it('says that a write-ahead log beside it belongs to the damaged file', () => {
    // A copy taken while the project is open carries the changes not yet checkpointed in project.sqlite-wal.
    createProject(join(root, 'open')).close(); // the schema checkpointed into project.sqlite
    const source = openProject(join(root, 'open'));
    source.db.exec('PRAGMA wal_autocheckpoint = 0');
    source.db.prepare('INSERT INTO folders (path) VALUES (?)').run('/photos/open');
    const dir = join(root, 'copied');
    mkdirSync(dir);
    for (const name of ['project.sqlite', 'project.sqlite-wal']) copyFileSync(join(source.root, name), join(dir, name));
    source.close();
    expect(statSync(join(dir, 'project.sqlite-wal')).size).toBeGreaterThan(0);
    writeFileSync(join(dir, 'project.sqlite'), randomBytes(100_000));
    const result = selfguide(['status', '--project', dir]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/project\.sqlite-wal beside it \([\d,]+ bytes\) holds the last changes of the damaged file: move it aside too/);
    expect(existsSync(join(dir, 'project.sqlite-wal'))).toBe(true);
    expect(readFileSync(join(dir, 'project.sqlite')).length).toBe(100_000); // nothing was rewritten
  });
});
