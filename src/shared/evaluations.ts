// Evaluations of training runs (SPEC §7) as they cross process boundaries: what was asked, where it is, and
// the result the trainer's `evaluate` command wrote (trainer/selfguide_trainer/eval/evaluate_command.py).
import { z } from 'zod';

/** Small by default: about a minute on 2 CPU cores for a tiny model; raise samples for numbers to report. */
export const EvaluationParameters = z.object({
  /** Samples per condition (per class or cluster the training set uses; in all for unguided runs). */
  samples: z.number().int().min(2).max(10_000),
  steps: z.number().int().min(1).max(999),
  /** Guidance weight, imagen form: (1 − w)·ε∅ + w·εc. */
  w: z.number().min(-10).max(50),
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  /** Real images compared with, at most. */
  maxReference: z.number().int().min(6).max(100_000),
  /** torch CPU threads (null = torch's default). */
  threads: z.number().int().min(1).max(512).nullable(),
});
export type EvaluationParameters = z.infer<typeof EvaluationParameters>;

export const EvaluationState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type EvaluationState = z.infer<typeof EvaluationState>;

export const EvaluationCondition = z.object({
  name: z.string(),
  index: z.number().int().nullable(),
  count: z.number().int(),
  /** The grid's file, served by the evaluation's grid route. */
  grid: z.string(),
  consistency: z.number().optional(),
});
export type EvaluationCondition = z.infer<typeof EvaluationCondition>;

/** result.json of the trainer's evaluate command (fields the app shows; the file keeps the rest). */
export const EvaluationResult = z.object({
  format: z.literal('selfguide-evaluation'),
  version: z.literal(1),
  checkpoint: z.object({ step: z.number().int(), weights: z.string() }),
  guidance: z.object({ mode: z.string(), w: z.number(), form: z.string() }),
  sampler: z.object({ name: z.string(), steps: z.number().int(), seed: z.number().int() }),
  feature_space: z.object({ name: z.string(), encoder: z.string(), output: z.string(), dim: z.number().int(), input_resolution: z.number().int() }),
  samples: z.object({ count: z.number().int(), per_condition: z.number().int(), conditions: z.number().int() }),
  reference: z.object({ count: z.number().int(), what: z.string() }),
  metrics: z.object({
    fd_enc: z.number(),
    kid_enc: z.number(),
    kid_enc_std: z.number(),
    precision: z.number(),
    recall: z.number(),
    density: z.number(),
    coverage: z.number(),
    prdc_k: z.number().int(),
    prdc_count: z.number().int(),
  }),
  consistency: z
    .object({ samples: z.number(), sample_count: z.number().int(), real: z.number().optional(), real_count: z.number().int().optional() })
    .nullable(),
  conditions: z.array(EvaluationCondition),
  seconds: z.object({ sampling: z.number(), total: z.number() }),
});
export type EvaluationResult = z.infer<typeof EvaluationResult>;

export const Evaluation = z.object({
  id: z.number().int(),
  runId: z.number().int(),
  parameters: EvaluationParameters,
  state: EvaluationState,
  jobId: z.number().int().nullable(),
  /** The encoder whose cls features are the feature space. */
  encoderId: z.string().nullable(),
  result: EvaluationResult.nullable(),
  error: z.string().nullable(),
  /** Folder relative to the project root: runs/<run>/eval/<id>. */
  dir: z.string(),
  createdAt: z.string(),
});
export type Evaluation = z.infer<typeof Evaluation>;
