// The API methods of evaluations (src/shared/api.ts "evaluate.*") and the API error codes of their errors.
import type { z } from 'zod';
import type { ApiError, Output, api } from '../../shared/api.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { TrainStore } from '../train/train-store.ts';
import { EvaluationRefused } from './evaluate-job.ts';
import { EvaluationNotFoundError, EvaluationStore } from './evaluation-store.ts';
import { startEvaluation } from './start-evaluation.ts';

type EvaluateMethod = 'evaluate.start' | 'evaluate.list' | 'evaluate.get';
type In<M extends EvaluateMethod> = z.infer<(typeof api)[M]['input']>;
type EvaluateHandlers = { [M in EvaluateMethod]: (input: In<M>) => Output<M> };

export function evaluateHandlers(project: Project, runner: JobRunner): EvaluateHandlers {
  const store = new EvaluationStore(project.db);
  return {
    'evaluate.start': ({ runId, ...parameters }) => startEvaluation(project, runner, runId, parameters),
    'evaluate.list': ({ runId }) => {
      new TrainStore(project.db).get(runId); // an unknown run is not found, not an empty history
      return store.list(runId);
    },
    'evaluate.get': ({ id }) => store.get(id),
  };
}

export function evaluateErrorCode(error: unknown): ApiError['code'] | null {
  if (error instanceof EvaluationNotFoundError) return 'not_found';
  if (error instanceof EvaluationRefused) return 'bad_request';
  return null;
}
