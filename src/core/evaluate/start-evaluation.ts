// Starts an evaluation of a training run: checks that the run has a checkpoint to sample, records the
// evaluation with its parameters and queues the 'evaluate' job.
import type { Job } from '../../shared/schemas.ts';
import type { Evaluation, EvaluationParameters } from '../../shared/evaluations.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { TrainStore } from '../train/train-store.ts';
import { EvaluationRefused, type EvaluateSpec } from './evaluate-job.ts';
import { EvaluationStore } from './evaluation-store.ts';

/** Sized for a minute or two on 2 CPU cores with the tiny preset (docs/training.md "Evaluating a run"). */
export const EVALUATION_DEFAULTS: EvaluationParameters = { samples: 8, steps: 25, w: 2, seed: 0, maxReference: 500, threads: null };

export function startEvaluation(project: Project, runner: JobRunner, runId: number, parameters: Partial<EvaluationParameters> = {}): { evaluation: Evaluation; job: Job } {
  const run = new TrainStore(project.db).get(runId);
  if ((run.checkpointStep ?? 0) < 1) {
    throw new EvaluationRefused(`Run #${runId} has no checkpoint yet (${run.state}); train it first, or wait for its first checkpoint.`);
  }
  const defined = Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined));
  const store = new EvaluationStore(project.db);
  const created = store.create(runId, { ...EVALUATION_DEFAULTS, ...defined });
  const job = runner.submit('evaluate', { evaluationId: created.id } satisfies EvaluateSpec);
  store.setJob(created.id, job.id);
  return { evaluation: store.get(created.id), job };
}
