// Shapes of training runs, their progress and the Python environment, as they cross process boundaries.
import { z } from 'zod';

/** What the diffusion model is guided by (SPEC §5; trainer/docs/manifest.md "cond"). */
export const GuidanceLevel = z.enum(['none', 'label', 'cluster', 'box', 'mask']);
export type GuidanceLevel = z.infer<typeof GuidanceLevel>;

/** UNet sizes of the trainer (trainer/docs/training.md "Presets"). */
export const TrainPreset = z.enum(['tiny', 'small', 'paper64']);
export type TrainPreset = z.infer<typeof TrainPreset>;

/** Everything a run is trained with besides its data source; fixed for the run's lifetime except `steps`. */
export const TrainParameters = z.object({
  steps: z.number().int().min(1).max(10_000_000),
  batchSize: z.number().int().min(1).max(65_536),
  resolution: z.number().int().min(8).max(1024).refine((value) => value % 4 === 0, 'the resolution must be a multiple of 4'),
  channels: z.union([z.literal(1), z.literal(3)]),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  /** Share of the images held out for the validation loss that picks the best checkpoint. */
  valShare: z.number().min(0).max(0.5),
  logEvery: z.number().int().min(1),
  checkpointEvery: z.number().int().min(1),
  /** Steps between preview grids (0 = never). */
  previewEvery: z.number().int().min(0),
  previewSteps: z.number().int().min(1).max(999),
  /** DataLoader worker processes (0 = load in the training process; null = 0 for small sets, else 2). */
  workers: z.number().int().min(0).max(64).nullable(),
  /** torch CPU threads (null = torch's default). */
  threads: z.number().int().min(1).max(512).nullable(),
  /**
   * Training processes, one per GPU (or CPU processes with gloo): above 1 the trainer runs under
   * torchrun (DDP) and the batch is split between them. Runs recorded before this field train in one.
   */
  processes: z.number().int().min(1).max(64).default(1),
});
export type TrainParameters = z.infer<typeof TrainParameters>;

/** The run's own record of where it is; `interrupted` when its job stopped with the process running it. */
export const TrainRunState = z.enum(['queued', 'training', 'exporting', 'done', 'failed', 'cancelled', 'interrupted']);
export type TrainRunState = z.infer<typeof TrainRunState>;

export const TrainRun = z.object({
  id: z.number().int(),
  level: GuidanceLevel,
  clusterRunId: z.number().int().nullable(),
  labellingId: z.number().int().nullable(),
  boxRunId: z.number().int().nullable(),
  maskRunId: z.number().int().nullable(),
  preset: TrainPreset,
  parameters: TrainParameters,
  state: TrainRunState,
  jobId: z.number().int().nullable(),
  /** Latest step the trainer reported, and the step of its latest checkpoint (where a resume starts). */
  step: z.number().int(),
  checkpointStep: z.number().int().nullable(),
  /** Latest training loss (mean over the trainer's log window). */
  loss: z.number().nullable(),
  /** Images in the manifest (train + held out) and of them held out; null until the manifest is written. */
  images: z.number().int().nullable(),
  valImages: z.number().int().nullable(),
  /** Ok images whose file had gone when the manifest was written (left out). */
  missingImages: z.number().int(),
  /** Images the trainer could not read (skipped and counted, trainer/docs/manifest.md). */
  skippedImages: z.number().int(),
  /** Run folder relative to the project root: runs/<id>. */
  dir: z.string(),
  /** Exported model.onnx + model.json folder relative to the project root, once exported. */
  modelDir: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export type TrainRun = z.infer<typeof TrainRun>;

/** One point of the loss curve (metrics.jsonl). */
export const TrainMetric = z.object({
  step: z.number().int(),
  loss: z.number().nullable(),
  /** Validation loss of the EMA model when the trainer wrote a checkpoint at this step. */
  valLoss: z.number().nullable(),
  imagesPerSecond: z.number().nullable(),
});
export type TrainMetric = z.infer<typeof TrainMetric>;

/** The newest preview grid per guidance weight; `file` is served by the run's preview route. */
export const TrainPreview = z.object({ step: z.number().int(), w: z.number(), file: z.string() });
export type TrainPreview = z.infer<typeof TrainPreview>;

export const TrainRunDetail = z.object({
  run: TrainRun,
  metrics: z.array(TrainMetric),
  previews: z.array(TrainPreview),
  /** The last lines of runs/<id>/train.log (the trainer's stderr and the app's notes). */
  logTail: z.array(z.string()),
});
export type TrainRunDetail = z.infer<typeof TrainRunDetail>;

export const PythonSource = z.enum(['setting', 'env', 'venv', 'path']);

/** What the Python check found; `instructions` say what to run when `ready` is false. */
export const PythonEnvironment = z.object({
  ready: z.boolean(),
  python: z.string().nullable(),
  source: PythonSource.nullable(),
  pythonVersion: z.string().nullable(),
  torchVersion: z.string().nullable(),
  cuda: z.boolean(),
  mps: z.boolean(),
  gpus: z.array(z.string()),
  trainer: z.boolean(),
  problems: z.array(z.string()),
  instructions: z.array(z.string()),
});
export type PythonEnvironment = z.infer<typeof PythonEnvironment>;
