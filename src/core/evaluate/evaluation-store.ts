// The SQLite side of evaluations: one row per evaluation of a training run, its parameters, state, the
// encoder used and the result the trainer wrote. Files: runs/<run>/eval/<id>/ (result.json, grids/).
import { join } from 'node:path';
import { type Evaluation, EvaluationParameters, EvaluationResult, type EvaluationState } from '../../shared/evaluations.ts';
import type { Database } from '../store/database.ts';
import { runDir } from '../train/train-store.ts';

export class EvaluationNotFoundError extends Error {
  override name = 'EvaluationNotFoundError';
}

interface EvaluationRow {
  id: number;
  run_id: number;
  parameters: string;
  state: Exclude<EvaluationState, 'interrupted'>;
  job_id: number | null;
  job_state: string | null;
  encoder_id: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
}

/** Folder of an evaluation relative to the project root. */
export function evaluationDir(runId: number, evaluationId: number): string {
  return join(runDir(runId), 'eval', String(evaluationId));
}

const SELECT = 'SELECT e.*, j.state AS job_state FROM evaluations e LEFT JOIN jobs j ON j.id = e.job_id';

export class EvaluationStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(runId: number, parameters: EvaluationParameters): Evaluation {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO evaluations (run_id, parameters, state) VALUES (?, ?, 'queued')")
      .run(runId, JSON.stringify(parameters));
    return this.get(Number(lastInsertRowid));
  }

  get(id: number): Evaluation {
    const row = this.db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as EvaluationRow | undefined;
    if (!row) throw new EvaluationNotFoundError(`No evaluation #${id} in this project (see: selfguide evaluate --list RUN).`);
    return toEvaluation(row);
  }

  /** A run's evaluations, newest first. */
  list(runId: number): Evaluation[] {
    return (this.db.prepare(`${SELECT} WHERE e.run_id = ? ORDER BY e.id DESC`).all(runId) as unknown as EvaluationRow[]).map(toEvaluation);
  }

  setJob(id: number, jobId: number): void {
    this.db.prepare('UPDATE evaluations SET job_id = ? WHERE id = ?').run(jobId, id);
  }

  update(id: number, fields: { state: Exclude<EvaluationState, 'interrupted'>; encoderId?: string; result?: EvaluationResult; error?: string | null }): void {
    this.db
      .prepare('UPDATE evaluations SET state = ?, encoder_id = COALESCE(?, encoder_id), result = COALESCE(?, result), error = ? WHERE id = ?')
      .run(fields.state, fields.encoderId ?? null, fields.result ? JSON.stringify(fields.result) : null, fields.error ?? null, id);
  }
}

/** An evaluation whose job stopped before it finished shows the job's state (interrupted, cancelled, failed). */
function effectiveState(row: EvaluationRow): EvaluationState {
  if (row.state !== 'running' && row.state !== 'queued') return row.state;
  if (row.job_state === 'interrupted' || row.job_state === 'cancelled' || row.job_state === 'failed') return row.job_state;
  return row.state;
}

function toEvaluation(row: EvaluationRow): Evaluation {
  return {
    id: row.id,
    runId: row.run_id,
    parameters: EvaluationParameters.parse(JSON.parse(row.parameters)),
    state: effectiveState(row),
    jobId: row.job_id,
    encoderId: row.encoder_id,
    result: row.result === null ? null : EvaluationResult.parse(JSON.parse(row.result)),
    error: row.error,
    dir: evaluationDir(row.run_id, row.id),
    createdAt: row.created_at,
  };
}
