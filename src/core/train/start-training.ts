// Starts a training run (records it with its source and parameters, queues the 'train' job) and
// resumes one: a stopped run continues from its checkpoint; a finished one trains longer with more steps.
import type { Job } from '../../shared/schemas.ts';
import type { TrainParameters, TrainPreset, TrainRun } from '../../shared/train.ts';
import { JobStateError, type JobRunner } from '../jobs/job-runner.ts';
import { JobNotFoundError, JobStore } from '../jobs/job-store.ts';
import type { Project } from '../project/project.ts';
import { type SourceRequest, resolveSource } from './manifest-export.ts';
import type { TrainSpec } from './train-job.ts';
import { TrainStore } from './train-store.ts';

export interface TrainRequest extends SourceRequest {
  preset?: TrainPreset;
  parameters?: Partial<TrainParameters>;
}

/** SPEC §5 where it speaks (32 px, batch 64); previews every 500 steps so a first grid comes early. */
export const TRAIN_DEFAULTS: TrainParameters = {
  steps: 10_000,
  batchSize: 64,
  resolution: 32,
  channels: 3,
  seed: 0,
  valShare: 0.05,
  logEvery: 10,
  checkpointEvery: 1000,
  previewEvery: 500,
  previewSteps: 50,
  workers: null,
  threads: null,
  processes: 1,
};

export function startTraining(project: Project, runner: JobRunner, request: TrainRequest): { run: TrainRun; job: Job } {
  const source = resolveSource(project, request);
  const defined = Object.fromEntries(Object.entries(request.parameters ?? {}).filter(([, value]) => value !== undefined));
  const parameters: TrainParameters = { ...TRAIN_DEFAULTS, ...defined };
  if (parameters.batchSize % parameters.processes !== 0) {
    throw new RangeError(`The batch (${parameters.batchSize}) must divide evenly between the ${parameters.processes} training processes.`);
  }
  const store = new TrainStore(project.db);
  const created = store.create(source, request.preset ?? 'tiny', parameters);
  const job = runner.submit('train', { runId: created.id } satisfies TrainSpec);
  store.setJob(created.id, job.id);
  return { run: store.get(created.id), job };
}

/**
 * Continues a run: a cancelled, failed or interrupted one from its latest checkpoint; a finished one
 * only with a larger `steps` (then it trains on and is exported again).
 */
export function resumeTraining(project: Project, runner: JobRunner, runId: number, steps?: number): { run: TrainRun; job: Job } {
  const store = new TrainStore(project.db);
  const jobs = new JobStore(project.db);
  jobs.recoverOrphans(); // a job left 'running' by a process that died is interrupted, hence resumable
  let run = store.get(runId);
  const current = run.jobId === null ? null : safeJob(jobs, run.jobId);
  if (current && (current.state === 'running' || current.state === 'queued')) {
    if (steps !== undefined && steps !== run.parameters.steps) throw new JobStateError(`Run #${runId} is ${current.state}; cancel it before changing its steps.`);
    return { run, job: current };
  }
  if (steps !== undefined) {
    if (steps < (run.checkpointStep ?? 0)) throw new RangeError(`Run #${runId} already has a checkpoint at step ${run.checkpointStep}; --steps must be at least that.`);
    store.setSteps(runId, steps);
    run = store.get(runId);
  }
  if (run.state === 'done' && (run.checkpointStep ?? 0) >= run.parameters.steps) {
    throw new JobStateError(`Run #${runId} is done (${run.parameters.steps} steps). To train longer, resume it with more steps (--steps N).`);
  }
  store.update(runId, { state: 'queued' });
  if (current && current.state !== 'done') return { run: store.get(runId), job: runner.resume(current.id) };
  const job = runner.submit('train', { runId } satisfies TrainSpec);
  store.setJob(runId, job.id);
  return { run: store.get(runId), job };
}

function safeJob(jobs: JobStore, id: number): Job | null {
  try {
    return jobs.get(id);
  } catch (error) {
    if (error instanceof JobNotFoundError) return null;
    throw error;
  }
}
