// The history of generations: one row per sampling request (its full parameters, the seed drawn when
// it was random), its state, and how many of its PNGs under generations/<id>/ are written.
import { join } from 'node:path';
import { type Generation, GenerationParameters } from '../../shared/generations.ts';
import type { Database } from '../store/database.ts';

export class GenerationNotFoundError extends Error {
  override name = 'GenerationNotFoundError';
}

interface Row {
  id: number;
  job_state: string | null;
  model_id: number | null;
  parameters: string;
  random_seed: number;
  state: Generation['state'];
  job_id: number | null;
  images: number;
  preview_step: number | null;
  error: string | null;
  created_at: string;
}

const SELECT = 'SELECT g.*, j.state AS job_state FROM generations g LEFT JOIN jobs j ON j.id = g.job_id';

export const GENERATIONS_DIR = 'generations';

/** Relative to the project root. */
export function generationFile(id: number, file: number | 'preview'): string {
  return join(GENERATIONS_DIR, String(id), file === 'preview' ? 'preview.png' : `${String(file).padStart(3, '0')}.png`);
}

export class GenerationStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(modelId: number, parameters: GenerationParameters, randomSeed: boolean): Generation {
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO generations (model_id, parameters, random_seed, state) VALUES (?, ?, ?, 'queued')")
      .run(modelId, JSON.stringify(GenerationParameters.parse(parameters)), randomSeed ? 1 : 0);
    return this.get(Number(lastInsertRowid));
  }

  get(id: number): Generation {
    const row = this.db.prepare(`${SELECT} WHERE g.id = ?`).get(id) as Row | undefined;
    if (!row) throw new GenerationNotFoundError(`No generation #${id} in this project.`);
    return toGeneration(row);
  }

  /** Newest first. */
  list(limit: number): Generation[] {
    return (this.db.prepare(`${SELECT} ORDER BY g.id DESC LIMIT ?`).all(limit) as unknown as Row[]).map(toGeneration);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM generations WHERE id = ?').run(id);
  }

  setJob(id: number, jobId: number): void {
    this.db.prepare('UPDATE generations SET job_id = ? WHERE id = ?').run(jobId, id);
  }

  update(id: number, fields: { state?: Generation['state']; images?: number; previewStep?: number; error?: string | null }): void {
    const { state, images, previewStep, error } = fields;
    this.db
      .prepare(
        `UPDATE generations SET state = coalesce(?, state), images = coalesce(?, images), preview_step = coalesce(?, preview_step),
         error = CASE WHEN ? THEN ? ELSE error END WHERE id = ?`,
      )
      .run(state ?? null, images ?? null, previewStep ?? null, error !== undefined ? 1 : 0, error ?? null, id);
  }
}

/** A job cancelled while queued, or interrupted by a crash, never ran the handler that updates the row. */
function effectiveState(row: Row): Generation['state'] {
  if (row.state !== 'queued' && row.state !== 'running') return row.state;
  if (row.job_state === 'failed') return 'failed';
  if (row.job_state === 'cancelled' || row.job_state === 'interrupted') return 'cancelled';
  return row.state;
}

function toGeneration(row: Row): Generation {
  return {
    id: row.id,
    modelId: row.model_id,
    state: effectiveState(row),
    jobId: row.job_id,
    parameters: GenerationParameters.parse(JSON.parse(row.parameters)),
    randomSeed: row.random_seed === 1,
    images: row.images,
    previewStep: row.preview_step,
    error: row.error,
    createdAt: row.created_at,
  };
}
