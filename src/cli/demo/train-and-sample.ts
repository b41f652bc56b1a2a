// The generative half of the demo: a short cluster-guided training of the tiny preset on the sample
// collection, then guided samples of every cluster through ONNX Runtime (and unguided ones to compare).
import type { JobRunner } from '../../core/jobs/job-runner.ts';
import type { Project } from '../../core/project/project.ts';
import { DiffusionModelStore } from '../../core/sample/diffusion-registry.ts';
import { startTraining } from '../../core/train/start-training.ts';
import { TrainStore } from '../../core/train/train-store.ts';
import type { Generation } from '../../shared/generations.ts';
import type { Job } from '../../shared/schemas.ts';
import type { TrainParameters, TrainRun } from '../../shared/train.ts';
import { sampleImages } from '../commands/sample.ts';
import { EXIT } from '../output.ts';
import { followJob } from '../run-job-in-cli.ts';

/**
 * Minutes on a 2-core CPU: 28-px greyscale images resized to 32 px, one torch thread (two threads were
 * slower than one whenever anything else ran on the machine, see docs/training.md).
 */
export const DEMO_TRAINING: Partial<TrainParameters> = {
  steps: 400,
  batchSize: 32,
  resolution: 32,
  channels: 1,
  logEvery: 20,
  checkpointEvery: 400,
  previewEvery: 400,
  previewSteps: 25,
  threads: 1,
};
export const DEMO_SAMPLES = { count: 8, w: 2, steps: 50, sampler: 'ddim' } as const;

export interface SampleRow {
  /** a cluster index, or null for the unguided row */
  cluster: number | null;
  generation: Generation;
  files: string[];
}

export interface GenerativeOutcome {
  train: { run: TrainRun; job: Job };
  samples: SampleRow[];
  exitCode: number;
}

export interface GenerativeRequest {
  clusterRunId: number;
  k: number;
  /** training steps; default DEMO_TRAINING.steps */
  steps?: number | undefined;
  quiet: boolean;
}

export async function trainAndSample(project: Project, runner: JobRunner, request: GenerativeRequest): Promise<GenerativeOutcome> {
  const { clusterRunId, k, quiet } = request;
  const steps = request.steps ?? DEMO_TRAINING.steps;
  const parameters = { ...DEMO_TRAINING, steps, checkpointEvery: steps, previewEvery: steps };
  const started = startTraining(project, runner, { level: 'cluster', clusterRunId, preset: 'tiny', parameters });
  const trained = await followJob(runner, started.job, quiet);
  const run = new TrainStore(project.db).get(started.run.id);
  const outcome: GenerativeOutcome = { train: { run, job: trained.job }, samples: [], exitCode: trained.exitCode };
  if (trained.exitCode !== EXIT.ok) return outcome;
  const model = new DiffusionModelStore(project).list().find((candidate) => candidate.sourceRunId === run.id);
  if (!model) throw new Error(`training run #${run.id} finished but registered no diffusion model (see ${run.dir}/train.log)`);
  // Seeds per row, so a row's noise is the same in every demo and differs between rows.
  const rows: (number | null)[] = [...Array.from({ length: k }, (_, cluster) => cluster), null];
  for (const cluster of rows) {
    const seed = cluster ?? k;
    const sampled = await sampleImages(project, runner, {
      model: String(model.id),
      ...(cluster === null ? {} : { cluster: String(cluster) }),
      ...DEMO_SAMPLES,
      seed,
      quiet,
    });
    outcome.samples.push({ cluster, generation: sampled.generation, files: sampled.files });
    if (sampled.exitCode !== EXIT.ok) return { ...outcome, exitCode: sampled.exitCode };
  }
  return outcome;
}
