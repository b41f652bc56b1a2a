// The API methods of training (src/shared/api.ts "train.*"), kept beside the trainer glue so service.ts
// only spreads them in, and the errors they raise mapped to API error codes.
import type { z } from 'zod';
import type { ApiError, Output, api } from '../../shared/api.ts';
import type { PythonEnvironment } from '../../shared/train.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import type { Project } from '../project/project.ts';
import { TrainSourceError } from './manifest-export.ts';
import { PythonEnvironmentError, checkPythonEnvironment } from './python-env.ts';
import { trainRunDetail } from './run-detail.ts';
import { resumeTraining, startTraining } from './start-training.ts';
import { TrainRunNotFoundError, TrainStore } from './train-store.ts';

type TrainMethod = 'train.environment' | 'train.setPython' | 'train.start' | 'train.runs' | 'train.get' | 'train.cancel' | 'train.resume';
type In<M extends TrainMethod> = z.infer<(typeof api)[M]['input']>;
type TrainHandlers = { [M in TrainMethod]: (input: In<M>) => Promise<Output<M>> | Output<M> };

export function trainHandlers(project: Project, runner: JobRunner): TrainHandlers {
  const runs = new TrainStore(project.db);
  let environment: Promise<PythonEnvironment> | null = null;
  const probe = (refresh: boolean) => {
    if (refresh || !environment) {
      environment = checkPythonEnvironment(project).catch((error: unknown) => {
        environment = null;
        throw error;
      });
    }
    return environment;
  };

  return {
    'train.environment': ({ refresh }) => probe(refresh),
    'train.setPython': ({ path }) => {
      project.settings.set('pythonPath', path);
      return probe(true);
    },
    'train.start': ({ level, clusterRunId, labellingId, boxRunId, maskRunId, preset, ...parameters }) =>
      startTraining(project, runner, { level, clusterRunId, labellingId, boxRunId, maskRunId, preset, parameters }),
    'train.runs': () => runs.list(),
    'train.get': ({ runId, maxPoints, logLines }) => trainRunDetail(project, runId, { maxPoints, logLines }),
    'train.cancel': ({ runId }) => {
      const { jobId } = runs.get(runId);
      if (jobId !== null) runner.cancel(jobId);
      return runs.get(runId);
    },
    'train.resume': ({ runId, steps }) => resumeTraining(project, runner, runId, steps),
  };
}

/** The API error code of an error raised by the methods above; null for any other error. */
export function trainErrorCode(error: unknown): ApiError['code'] | null {
  if (error instanceof TrainRunNotFoundError) return 'not_found';
  if (error instanceof TrainSourceError || error instanceof PythonEnvironmentError) return 'bad_request';
  return null;
}
