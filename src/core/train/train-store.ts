// The SQLite side of training runs: what each run trains on (guidance level and its source), its
// parameters, where it is (state, step, checkpoint step, latest loss) and where its files are.
import { GuidanceLevel, TrainParameters, TrainPreset, type TrainRun, type TrainRunState } from '../../shared/train.ts';
import type { Database } from '../store/database.ts';

export class TrainRunNotFoundError extends Error {
  override name = 'TrainRunNotFoundError';
}

interface RunRow {
  id: number;
  level: string;
  cluster_run_id: number | null;
  labelling_id: number | null;
  box_run_id: number | null;
  mask_run_id: number | null;
  preset: string;
  parameters: string;
  state: TrainRunState;
  job_id: number | null;
  job_state: string | null;
  step: number;
  checkpoint_step: number | null;
  loss: number | null;
  images: number | null;
  val_images: number | null;
  missing_images: number;
  skipped_images: number;
  dir: string;
  model_dir: string | null;
  error: string | null;
  created_at: string;
}

export interface TrainSource {
  level: GuidanceLevel;
  clusterRunId: number | null;
  labellingId: number | null;
  boxRunId: number | null;
  maskRunId: number | null;
}

export interface TrainProgress {
  state?: TrainRunState;
  step?: number;
  checkpointStep?: number;
  loss?: number | null;
  images?: number;
  valImages?: number;
  missingImages?: number;
  skippedImages?: number;
  modelDir?: string | null;
  error?: string | null;
  trainerPid?: number | null;
}

const COLUMNS: Record<keyof TrainProgress, string> = {
  state: 'state',
  step: 'step',
  checkpointStep: 'checkpoint_step',
  loss: 'loss',
  images: 'images',
  valImages: 'val_images',
  missingImages: 'missing_images',
  skippedImages: 'skipped_images',
  modelDir: 'model_dir',
  error: 'error',
  trainerPid: 'trainer_pid',
};

/** Folder of a run relative to the project root. */
export function runDir(runId: number): string {
  return `runs/${runId}`;
}

const SELECT = 'SELECT r.*, j.state AS job_state FROM training_runs r LEFT JOIN jobs j ON j.id = r.job_id';

export class TrainStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  create(source: TrainSource, preset: TrainPreset, parameters: TrainParameters): TrainRun {
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO training_runs (level, cluster_run_id, labelling_id, box_run_id, mask_run_id, preset, parameters, state, dir)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', '')`,
      )
      .run(source.level, source.clusterRunId, source.labellingId, source.boxRunId, source.maskRunId, preset, JSON.stringify(parameters));
    const id = Number(lastInsertRowid);
    this.db.prepare('UPDATE training_runs SET dir = ? WHERE id = ?').run(runDir(id), id);
    return this.get(id);
  }

  get(runId: number): TrainRun {
    const row = this.db.prepare(`${SELECT} WHERE r.id = ?`).get(runId) as RunRow | undefined;
    if (!row) throw new TrainRunNotFoundError(`No training run #${runId} in this project (see: selfguide train --list).`);
    return toRun(row);
  }

  /** Newest first. */
  list(): TrainRun[] {
    return (this.db.prepare(`${SELECT} ORDER BY r.id DESC`).all() as unknown as RunRow[]).map(toRun);
  }

  source(runId: number): TrainSource {
    const row = this.db.prepare('SELECT * FROM training_runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw new TrainRunNotFoundError(`No training run #${runId} in this project.`);
    return {
      level: GuidanceLevel.parse(row.level),
      clusterRunId: row.cluster_run_id,
      labellingId: row.labelling_id,
      boxRunId: row.box_run_id,
      maskRunId: row.mask_run_id,
    };
  }

  /** The trainer process a run last started (to stop one left behind by a process that died). */
  trainerPid(runId: number): number | null {
    const row = this.db.prepare('SELECT trainer_pid FROM training_runs WHERE id = ?').get(runId) as { trainer_pid: number | null } | undefined;
    return row?.trainer_pid ?? null;
  }

  setJob(runId: number, jobId: number): void {
    this.db.prepare('UPDATE training_runs SET job_id = ? WHERE id = ?').run(jobId, runId);
  }

  setSteps(runId: number, steps: number): void {
    const parameters = { ...this.get(runId).parameters, steps };
    this.db.prepare('UPDATE training_runs SET parameters = ? WHERE id = ?').run(JSON.stringify(parameters), runId);
  }

  update(runId: number, progress: TrainProgress): void {
    const sets: string[] = [];
    const values: (string | number | null)[] = [];
    for (const [key, column] of Object.entries(COLUMNS) as [keyof TrainProgress, string][]) {
      const value = progress[key];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(value);
    }
    if (sets.length > 0) this.db.prepare(`UPDATE training_runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, runId);
  }
}

/** A run whose job is no longer running but which it left mid-way was interrupted (or its job was cancelled). */
function effectiveState(row: RunRow): TrainRunState {
  if (row.state !== 'training' && row.state !== 'exporting' && row.state !== 'queued') return row.state;
  if (row.job_state === 'interrupted' || row.job_state === 'cancelled' || row.job_state === 'failed') return row.job_state;
  return row.state;
}

function toRun(row: RunRow): TrainRun {
  return {
    id: row.id,
    level: GuidanceLevel.parse(row.level),
    clusterRunId: row.cluster_run_id,
    labellingId: row.labelling_id,
    boxRunId: row.box_run_id,
    maskRunId: row.mask_run_id,
    preset: TrainPreset.parse(row.preset),
    parameters: TrainParameters.parse(JSON.parse(row.parameters)),
    state: effectiveState(row),
    jobId: row.job_id,
    step: row.step,
    checkpointStep: row.checkpoint_step,
    loss: row.loss,
    images: row.images,
    valImages: row.val_images,
    missingImages: row.missing_images,
    skippedImages: row.skipped_images,
    dir: row.dir,
    modelDir: row.model_dir,
    error: row.error,
    createdAt: row.created_at,
  };
}
