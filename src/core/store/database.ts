// Opens a project's SQLite file with the settings every connection needs.
import { DatabaseSync } from 'node:sqlite';

export type Database = DatabaseSync;

export function openDatabase(file: string): Database {
  const db = new DatabaseSync(file, { enableForeignKeyConstraints: true });
  // WAL: readers never block the writer, and a crash mid-write loses only the uncommitted transaction.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  // Several connections (server thread, job workers) share the file; wait instead of failing on a lock.
  db.exec('PRAGMA busy_timeout = 10000');
  return db;
}

/** Runs `work` in one transaction: all of it is committed, or none of it. */
export function transaction<T>(db: Database, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
