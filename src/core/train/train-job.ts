// The 'train' job: checks the Python environment, writes the run's manifest (once), runs the trainer as a
// child process with --resume (so a cancelled, failed or interrupted run continues from its latest
// checkpoint), records progress and the loss curve, then exports the EMA model to ONNX and registers it
// with the project's diffusion models.
import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { TrainRun } from '../../shared/train.ts';
import type { JobContext } from '../jobs/job-context.ts';
import type { Project } from '../project/project.ts';
import { registerDiffusionModel } from '../sample/diffusion-registry.ts';
import { ManifestCancelled, writeManifest } from './manifest-export.ts';
import { PythonEnvironmentError, checkPythonEnvironment } from './python-env.ts';
import { type RunPaths, appendMetric, runPaths, tailLines } from './run-files.ts';
import type { TrainerEvent } from './trainer-events.ts';
import { type TrainerExit, runTrainerProcess, stopLeftoverTrainer } from './trainer-process.ts';
import { TrainStore } from './train-store.ts';

export const TrainSpec = z.object({ runId: z.number().int().positive() });
export type TrainSpec = z.infer<typeof TrainSpec>;

/** Time a cancelled trainer gets to finish its step and write a checkpoint before it is killed. */
const CANCEL_GRACE_MS = 60_000;
/** The run row is a summary; the job row carries live progress. Write it at most this often. */
const RUN_UPDATE_MS = 1000;
const FAILURE_LOG_LINES = 12;
/** Images per preview grid; fewer when the training set is smaller (the trainer draws one condition per training image). */
const PREVIEW_COUNT = 16;
/**
 * The trainer's DataLoader starts its workers again every epoch; below this many training images an
 * epoch is so short that starting them costs more than they save, so "auto" loads in the trainer.
 */
const AUTO_WORKERS_MIN_IMAGES = 2000;

class TrainerFailure extends Error {
  override name = 'TrainerFailure';
}

export function trainArguments(run: TrainRun, paths: RunPaths): string[] {
  const p = run.parameters;
  const trainImages = (run.images ?? 0) - (run.valImages ?? 0);
  const workers = p.workers ?? (trainImages < AUTO_WORKERS_MIN_IMAGES ? 0 : 2);
  return [
    'train',
    '--manifest', paths.manifest,
    '--out', paths.trainerDir,
    '--resume', // on an empty run folder it starts at step 0
    '--stop-on-stdin-eof',
    '--preset', run.preset,
    '--resolution', String(p.resolution),
    '--channels', String(p.channels),
    '--steps', String(p.steps),
    '--batch', String(p.batchSize),
    '--seed', String(p.seed),
    '--workers', String(workers),
    '--log-every', String(p.logEvery),
    '--checkpoint-every', String(p.checkpointEvery),
    '--preview-every', String(p.previewEvery),
    '--preview-steps', String(p.previewSteps),
    '--preview-count', String(Math.max(1, Math.min(PREVIEW_COUNT, trainImages))),
    ...(p.threads === null ? [] : ['--threads', String(p.threads)]),
  ]; // prettier-ignore
}

export async function runTraining(context: JobContext): Promise<void> {
  const { project } = context;
  const { runId } = TrainSpec.parse(context.spec);
  const store = new TrainStore(project.db);
  const paths = runPaths(project, runId);
  mkdirSync(paths.dir, { recursive: true });
  await stopLeftoverTrainer(store.trainerPid(runId), paths.trainerDir, CANCEL_GRACE_MS);
  let run = store.get(runId);
  store.update(runId, { state: 'training', error: null, trainerPid: null });
  try {
    context.progress({ phase: 'checking Python', done: run.step, total: run.parameters.steps, message: null });
    const environment = await checkPythonEnvironment(project);
    if (!environment.ready) throw new PythonEnvironmentError(environment);
    const python = environment.python as string;
    const { processes } = run.parameters;
    if (environment.gpus.length > 0 && processes > environment.gpus.length) {
      throw new TrainerFailure(
        `Run #${runId} trains with ${processes} processes, one per GPU, but this machine has ${environment.gpus.length} (${environment.gpus.join(', ')}). ` +
          `Start a new run with at most ${environment.gpus.length} processes.`,
      );
    }

    if (!existsSync(paths.manifest)) await exportManifest(context, store, run, paths);
    if (context.isCancelled()) return cancelled(store, runId);

    run = store.get(runId);
    if ((run.checkpointStep ?? -1) < run.parameters.steps) {
      const exit = await train(context, store, run, paths, python);
      if (exit.cancelled) return cancelled(store, runId);
      checkExit(exit, 'training', paths, store.get(runId));
    }

    store.update(runId, { state: 'exporting' });
    context.progress({ phase: 'exporting ONNX', message: 'exporting the EMA model to ONNX (with a parity check against PyTorch)' });
    const exported = await runTrainerProcess({
      python,
      args: ['export', '--run', paths.trainerDir, '--out', paths.modelDir],
      log: paths.log,
      onEvent: () => undefined,
      isCancelled: () => context.isCancelled(),
      graceMs: 5000,
    });
    if (exported.cancelled) return cancelled(store, runId);
    checkExit(exported, 'export', paths, store.get(runId));
    const modelDir = relative(project.root, paths.modelDir);
    store.update(runId, { modelDir });
    const model = await register(project, store.get(runId), paths);
    store.update(runId, { state: 'done' });
    context.progress({ phase: 'finished', message: `run #${runId}: ${model} (${modelDir})` });
  } catch (error) {
    if (error instanceof ManifestCancelled) return cancelled(store, runId);
    store.update(runId, { state: 'failed', error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    store.update(runId, { trainerPid: null });
  }
}

function cancelled(store: TrainStore, runId: number): void {
  store.update(runId, { state: 'cancelled' });
}

async function exportManifest(context: JobContext, store: TrainStore, run: TrainRun, paths: RunPaths): Promise<void> {
  context.progress({ phase: 'writing manifest', message: null });
  const summary = await writeManifest(context.project, store.source(run.id), paths.manifest, {
    seed: run.parameters.seed,
    valShare: run.parameters.valShare,
    maskDir: join(paths.dir, 'masks'),
    isCancelled: () => context.isCancelled(),
  });
  store.update(run.id, { images: summary.images, valImages: summary.val, missingImages: summary.missing });
  context.progress({
    message: `manifest: ${summary.images} images (${summary.val} held out), ${summary.conditioned} with a condition` +
      (summary.missing > 0 ? `, ${summary.missing} missing files left out` : ''),
  });
}

async function train(context: JobContext, store: TrainStore, run: TrainRun, paths: RunPaths, python: string): Promise<TrainerExit> {
  const total = run.parameters.steps;
  const resumeFrom = run.checkpointStep ?? 0;
  appendMetric(paths.metrics, { resumeFrom });
  context.progress({ phase: 'training', done: resumeFrom, total, message: resumeFrom > 0 ? `resuming from step ${resumeFrom}` : 'starting the trainer', baseline: true });
  let lastRunUpdate = 0;
  const onEvent = (event: TrainerEvent) => {
    switch (event.event) {
      case 'step': {
        appendMetric(paths.metrics, { step: event.step, loss: event.loss, imagesPerSecond: event.images_per_s });
        const message = [`loss ${event.loss?.toFixed(4) ?? '—'}`, `${event.images_per_s?.toFixed(1) ?? '—'} images/s`, `epoch ${event.epoch}`];
        context.progress({ done: event.step, message: message.join(' · ') });
        const now = Date.now();
        if (now - lastRunUpdate >= RUN_UPDATE_MS || event.step === total) {
          store.update(run.id, { step: event.step, loss: event.loss, skippedImages: event.skipped });
          lastRunUpdate = now;
        }
        return;
      }
      case 'val':
        return appendMetric(paths.metrics, { step: event.step, valLoss: event.loss });
      case 'checkpoint':
        return store.update(run.id, { checkpointStep: event.step });
      case 'done':
      case 'stopped':
        return store.update(run.id, { step: event.step, skippedImages: event.skipped });
      default:
        return;
    }
  };
  return runTrainerProcess({
    python,
    args: trainArguments(run, paths),
    log: paths.log,
    onEvent,
    isCancelled: () => context.isCancelled(),
    graceMs: CANCEL_GRACE_MS,
    processes: run.parameters.processes,
    onStart: (pid) => store.update(run.id, { trainerPid: pid }),
  });
}

/** Turns an unsuccessful trainer exit into an error that says what happened and where to look. */
function checkExit(exit: TrainerExit, what: 'training' | 'export', paths: RunPaths, run: TrainRun): void {
  if (exit.spawnError) throw new TrainerFailure(`Could not start the trainer: ${exit.spawnError}. Check the Python environment (selfguide train --check).`);
  const stoppedEarly = what === 'training' && exit.code === 0 && (run.checkpointStep ?? 0) < run.parameters.steps;
  if (exit.code === 0 && !stoppedEarly) return;
  const resume = `Resume the run to continue from its checkpoint (step ${run.checkpointStep ?? 0}).`;
  let reason: string;
  if (stoppedEarly) reason = `The trainer was stopped from outside the app at step ${run.step}. ${resume}`;
  else if (exit.signal) reason = `The trainer was killed by ${exit.signal} during ${what} (out of memory?). ${resume}`;
  else if (exit.code === 2) reason = `The trainer refused the ${what}: ${exit.error ?? 'bad arguments or data'}.`;
  else reason = `The trainer failed during ${what} (exit code ${exit.code})${exit.error ? `: ${exit.error}` : ''}. ${what === 'training' ? resume : ''}`;
  const tail = tailLines(paths.log, FAILURE_LOG_LINES);
  throw new TrainerFailure(`${reason.trim()}\nLast lines of ${paths.log}:\n${tail.join('\n')}`);
}

/** Registers the exported model with the Generate side; returns how to find it. */
async function register(project: Project, run: TrainRun, paths: RunPaths): Promise<string> {
  const model = await registerDiffusionModel(project, paths.modelDir, {
    sourceRunId: run.id,
    clusterRunId: run.clusterRunId,
    name: `run ${run.id} · ${run.level} · ${run.preset} · step ${run.step}`,
  });
  return `diffusion model #${model.id} "${model.name}"`;
}
