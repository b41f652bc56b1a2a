// The 'evaluate' job: runs the trainer's `evaluate` command on a finished training run as a child process
// (stdin held open, JSON-line progress, SIGTERM on cancel, the stderr tail on failure), then records the
// result.json it wrote. The metrics are computed in Python only (trainer/selfguide_trainer/eval/metrics).
// Resumable in the simple sense: an evaluation is short, so an interrupted one runs again whole.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type Evaluation, EvaluationResult } from '../../shared/evaluations.ts';
import type { TrainRun } from '../../shared/train.ts';
import type { JobContext } from '../jobs/job-context.ts';
import { ClusterStore } from '../labels/cluster-store.ts';
import { effectiveClusters } from '../labels/effective-clusters.ts';
import { ModelRegistry } from '../models/registry.ts';
import type { Project } from '../project/project.ts';
import { PythonEnvironmentError, checkPythonEnvironment } from '../train/python-env.ts';
import { runPaths } from '../train/run-files.ts';
import type { TrainerEvent } from '../train/trainer-events.ts';
import { type TrainerExit, runTrainerProcess } from '../train/trainer-process.ts';
import { TrainStore } from '../train/train-store.ts';
import { consistencyClusterMap } from './cluster-map.ts';
import { EvaluationStore } from './evaluation-store.ts';

export const EvaluateSpec = z.object({ evaluationId: z.number().int().positive() });
export type EvaluateSpec = z.infer<typeof EvaluateSpec>;

/** Nothing to checkpoint: a cancelled evaluation only has to stop. */
const CANCEL_GRACE_MS = 5000;
const FAILURE_LOG_LINES = 12;

export class EvaluationRefused extends Error {
  override name = 'EvaluationRefused';
}

interface FeatureSpace {
  encoderId: string;
  args: string[];
}

/** The project's encoder: the clustering run's for cluster-guided runs (its centroids live in that space), else the active one. */
export function featureSpace(project: Project, run: TrainRun): FeatureSpace {
  const registry = new ModelRegistry(project);
  if (run.level === 'cluster' && run.clusterRunId !== null) {
    const clustering = new ClusterStore(project.db).get(run.clusterRunId);
    if (!clustering.centroidFile) throw new EvaluationRefused(`Clustering run #${clustering.id} has no centroids; recompute it (selfguide cluster) before evaluating run #${run.id}.`);
    const model = registry.get(clustering.modelId);
    const clusterMap = consistencyClusterMap(effectiveClusters(project.db, clustering.id));
    return {
      encoderId: model.id,
      args: [
        ...encoderArgs(registry, model.id, model.preprocessing),
        '--centroids', join(project.root, clustering.centroidFile),
        '--cluster-map', JSON.stringify(clusterMap),
      ], // prettier-ignore
    };
  }
  const id = registry.activeId();
  if (!id) throw new EvaluationRefused('Evaluating needs an image encoder for its feature space: import or download one first (selfguide models).');
  return { encoderId: id, args: encoderArgs(registry, id, registry.get(id).preprocessing) };
}

function encoderArgs(registry: ModelRegistry, id: string, preprocessing: unknown): string[] {
  return ['--encoder', registry.filePath(id), '--encoder-name', id, '--preprocessing', JSON.stringify(preprocessing)];
}

export function evaluateArguments(run: TrainRun, evaluation: Evaluation, outDir: string, project: Project, space: FeatureSpace): string[] {
  const p = evaluation.parameters;
  const paths = runPaths(project, run.id);
  return [
    'evaluate',
    '--run', paths.trainerDir,
    '--manifest', paths.manifest,
    '--out', outDir,
    '--stop-on-stdin-eof',
    '--samples', String(p.samples),
    '--steps', String(p.steps),
    '--w', String(p.w),
    '--seed', String(p.seed),
    '--max-reference', String(p.maxReference),
    ...(p.threads === null ? [] : ['--threads', String(p.threads)]),
    ...space.args,
  ]; // prettier-ignore
}

export async function runEvaluation(context: JobContext): Promise<void> {
  const { project } = context;
  const { evaluationId } = EvaluateSpec.parse(context.spec);
  const store = new EvaluationStore(project.db);
  const evaluation = store.get(evaluationId);
  const run = new TrainStore(project.db).get(evaluation.runId);
  const outDir = join(project.root, evaluation.dir);
  const log = join(outDir, 'evaluate.log');
  store.update(evaluationId, { state: 'running' });
  try {
    context.progress({ phase: 'checking Python', done: 0, total: null, message: null });
    const environment = await checkPythonEnvironment(project);
    if (!environment.ready) throw new PythonEnvironmentError(environment);
    const space = featureSpace(project, run);
    store.update(evaluationId, { state: 'running', encoderId: space.encoderId });
    rmSync(outDir, { recursive: true, force: true }); // a rerun starts clean: no grid of an earlier attempt is kept
    mkdirSync(outDir, { recursive: true });
    let phase = '';
    const onEvent = (event: TrainerEvent) => {
      if (event.event !== 'progress') return;
      // the job's rate meter and ETA follow one phase at a time
      if (event.phase !== phase) context.progress({ phase: event.phase, done: 0, total: event.total, message: null });
      phase = event.phase;
      context.progress({ done: event.done, total: event.total, message: event.phase === 'sampling' ? `${event.done} of ${event.total} samples` : null });
    };
    const exit = await runTrainerProcess({
      python: environment.python as string,
      args: evaluateArguments(run, evaluation, outDir, project, space),
      log,
      onEvent,
      isCancelled: () => context.isCancelled(),
      graceMs: CANCEL_GRACE_MS,
    });
    if (exit.cancelled) {
      store.update(evaluationId, { state: 'cancelled' });
      return context.progress({ phase: 'cancelled', message: `evaluation #${evaluationId} cancelled; run it again to restart it` });
    }
    checkExit(exit, log);
    const result = EvaluationResult.parse(JSON.parse(readFileSync(join(outDir, 'result.json'), 'utf8')));
    store.update(evaluationId, { state: 'done', result });
    context.progress({
      phase: 'finished',
      message: `evaluation #${evaluationId} of run #${run.id}: ${result.feature_space.name} ${result.metrics.fd_enc.toFixed(2)} on ${result.samples.count} samples`,
    });
  } catch (error) {
    store.update(evaluationId, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
}

function checkExit(exit: TrainerExit, log: string): void {
  if (exit.spawnError) throw new Error(`Could not start the trainer's evaluate command: ${exit.spawnError}. Check the Python environment (selfguide train --check).`);
  if (exit.code === 0) return;
  let reason: string;
  if (exit.signal) reason = `The evaluation was killed by ${exit.signal} (out of memory?).`;
  else if (exit.code === 2) reason = `The trainer refused the evaluation: ${exit.error ?? 'bad arguments or data'}.`;
  else reason = `The evaluation failed (exit code ${exit.code})${exit.error ? `: ${exit.error}` : ''}.`;
  throw new Error(`${reason}\nLast lines of the trainer's stderr (${log}):\n${exit.stderrTail.slice(-FAILURE_LOG_LINES).join('\n')}`);
}
