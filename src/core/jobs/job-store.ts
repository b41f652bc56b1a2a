// Jobs persisted in the project store, so progress survives a restart and a killed job can resume.
import type { Job, JobState } from '../../shared/schemas.ts';
import type { Database } from '../store/database.ts';

interface JobRow {
  id: number;
  kind: string;
  spec: string;
  state: JobState;
  phase: string;
  done: number;
  total: number | null;
  rate: number | null;
  eta_seconds: number | null;
  failed_items: number;
  message: string | null;
  error: string | null;
  owner_pid: number | null;
  heartbeat_at: number | null;
  created_at: string;
  updated_at: string;
}

export interface JobProgress {
  phase?: string;
  done?: number;
  total?: number | null;
  rate?: number | null;
  etaSeconds?: number | null;
  failedItems?: number;
  message?: string | null;
}

/** A worker whose heartbeat is older than this is taken to be dead even if its pid was reused. */
const HEARTBEAT_TIMEOUT_MS = 30_000;

export class JobStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(kind: string, spec: unknown): Job {
    const result = this.db
      .prepare("INSERT INTO jobs (kind, spec, state) VALUES (?, ?, 'queued')")
      .run(kind, JSON.stringify(spec));
    return this.get(Number(result.lastInsertRowid));
  }

  get(id: number): Job {
    const row = this.row(id);
    if (!row) throw new JobNotFoundError(id);
    return toJob(row);
  }

  spec(id: number): { kind: string; spec: unknown } {
    const row = this.row(id);
    if (!row) throw new JobNotFoundError(id);
    return { kind: row.kind, spec: JSON.parse(row.spec) as unknown };
  }

  list(limit = 200): Job[] {
    const rows = this.db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(limit) as unknown as JobRow[];
    return rows.map(toJob);
  }

  /** Jobs that should run when a runner starts: queued ones and those a dead process left running. */
  runnable(): Job[] {
    this.recoverOrphans();
    const rows = this.db
      .prepare("SELECT * FROM jobs WHERE state IN ('queued', 'interrupted') ORDER BY id")
      .all() as unknown as JobRow[];
    return rows.map(toJob);
  }

  /** Marks jobs whose owning process is gone as interrupted (they resume from what they committed). */
  recoverOrphans(now = Date.now()): number {
    const rows = this.db.prepare("SELECT * FROM jobs WHERE state = 'running'").all() as unknown as JobRow[];
    let recovered = 0;
    for (const row of rows) {
      const stale = row.heartbeat_at === null || now - row.heartbeat_at > HEARTBEAT_TIMEOUT_MS;
      if (stale || !isAlive(row.owner_pid)) {
        this.setState(row.id, 'interrupted', { message: 'interrupted: the process running it stopped' });
        recovered++;
      }
    }
    return recovered;
  }

  claim(id: number, pid: number): void {
    this.db
      .prepare(
        "UPDATE jobs SET state = 'running', owner_pid = ?, heartbeat_at = ?, error = NULL, " +
          "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
      )
      .run(pid, Date.now(), id);
  }

  heartbeat(id: number, progress: JobProgress): void {
    const sets: string[] = ['heartbeat_at = ?', "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"];
    const values: (string | number | null)[] = [Date.now()];
    const columns: Record<keyof JobProgress, string> = {
      phase: 'phase',
      done: 'done',
      total: 'total',
      rate: 'rate',
      etaSeconds: 'eta_seconds',
      failedItems: 'failed_items',
      message: 'message',
    };
    for (const [key, column] of Object.entries(columns) as [keyof JobProgress, string][]) {
      const value = progress[key];
      if (value !== undefined) {
        sets.push(`${column} = ?`);
        values.push(value);
      }
    }
    this.db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  setState(id: number, state: JobState, extra: { error?: string | null; message?: string | null } = {}): Job {
    this.db
      .prepare(
        'UPDATE jobs SET state = ?, error = COALESCE(?, error), message = COALESCE(?, message), ' +
          "rate = CASE WHEN ? = 'running' THEN rate ELSE NULL END, " +
          "eta_seconds = CASE WHEN ? = 'running' THEN eta_seconds ELSE NULL END, " +
          "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
      )
      .run(state, extra.error ?? null, extra.message ?? null, state, state, id);
    return this.get(id);
  }

  private row(id: number): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as unknown as JobRow | undefined;
  }
}

export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
  constructor(id: number) {
    super(`No job #${id} in this project.`);
  }
}

function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    phase: row.phase,
    done: row.done,
    total: row.total,
    rate: row.rate,
    etaSeconds: row.eta_seconds,
    failedItems: row.failed_items,
    message: row.message,
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
