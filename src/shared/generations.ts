// Shapes of diffusion models, sampling requests and generations as they cross process boundaries,
// and the parameter record embedded in every generated PNG (so any PNG can be regenerated).
import { z } from 'zod';

export const DiffusionModelId = z.number().int().positive();

export const CondMode = z.enum(['none', 'label', 'cluster', 'box', 'mask']);
export type CondMode = z.infer<typeof CondMode>;

export const DiffusionModelInfo = z.object({
  id: DiffusionModelId,
  name: z.string(),
  /** sha256 of model.onnx, recorded in every generated PNG */
  sha256: z.string(),
  bytes: z.number().int(),
  preset: z.string(),
  resolution: z.number().int(),
  channels: z.number().int(),
  mode: CondMode,
  vectorDim: z.number().int(),
  layoutChannels: z.number().int(),
  /** display names of the vector entries (classes, clusters or segments); may be empty */
  names: z.array(z.string()),
  defaultW: z.number(),
  defaultSteps: z.number().int(),
  /** the training run it came from, when the app trained it */
  sourceRunId: z.number().int().nullable(),
  /** the clustering run whose clusters it was trained on: exemplars come from there */
  clusterRunId: z.number().int().nullable(),
  addedAt: z.string(),
});
export type DiffusionModelInfo = z.infer<typeof DiffusionModelInfo>;

export const SamplerName = z.enum(['ddim', 'dpmpp-2m']);
export type SamplerName = z.infer<typeof SamplerName>;

/** Timestep spacing: the LDM uniform one (DDIM's reference) or uniform in log-SNR (DPM-Solver++'s default). */
export const Spacing = z.enum(['uniform', 'logsnr']);
export type Spacing = z.infer<typeof Spacing>;

export function defaultSpacing(sampler: SamplerName): Spacing {
  return sampler === 'dpmpp-2m' ? 'logsnr' : 'uniform';
}

const unit = z.number().min(0).max(1);
export const LayoutBox = z
  .object({ x0: unit, y0: unit, x1: unit, y1: unit, cluster: z.number().int().min(0) })
  .refine((box) => box.x0 < box.x1 && box.y0 < box.y1, 'a box needs x0 < x1 and y0 < y1 (fractions of the image)');
export type LayoutBox = z.infer<typeof LayoutBox>;

/** What to guide by. Box corners are fractions of the image (x right, y down); a mask is segment ids row by row. */
export const SampleCondition = z.discriminatedUnion('kind', [
  /** the null condition (unconditional samples of a conditional model) */
  z.object({ kind: z.literal('none') }),
  /** image-level: a class or cluster index (label, cluster and box models) */
  z.object({ kind: z.literal('cluster'), cluster: z.number().int().min(0) }),
  z.object({ kind: z.literal('boxes'), boxes: z.array(LayoutBox).min(1).max(32) }),
  z.object({
    kind: z.literal('mask'),
    width: z.number().int().min(1).max(1024),
    height: z.number().int().min(1).max(1024),
    /** base64 of width·height bytes, one segment id per pixel; 255 = no segment */
    segments: z.string().min(1),
  }),
]);
export type SampleCondition = z.infer<typeof SampleCondition>;

/** Where a mask condition can come from instead: the stored segment map of an image in a mask run. */
export const MaskSource = z.object({ runId: z.number().int().positive(), imageId: z.number().int().positive() });
export type MaskSource = z.infer<typeof MaskSource>;

export const GUIDANCE_FORM = 'imagen' as const;

export const SampleSettings = z.object({
  count: z.number().int().min(1).max(64),
  /** null: a random seed, drawn once and recorded */
  seed: z.number().int().min(0).max(2 ** 32 - 1).nullable(),
  /** guidance weight, imagen form: (1 − w)·ε∅ + w·εc */
  w: z.number().min(-10).max(50),
  steps: z.number().int().min(1).max(999),
  sampler: SamplerName,
  /** default: defaultSpacing(sampler) */
  spacing: Spacing.optional(),
  condition: SampleCondition,
});
export type SampleSettings = z.infer<typeof SampleSettings>;

export const GENERATION_PNG_KEY = 'selfguide';

/** Everything needed to regenerate an image; embedded as JSON in the PNG's iTXt chunk "selfguide". */
export const GenerationParameters = SampleSettings.extend({
  format: z.literal('selfguide-generation'),
  version: z.literal(1),
  seed: z.number().int().min(0),
  guidance: z.literal(GUIDANCE_FORM),
  spacing: Spacing,
  model: z.object({ sha256: z.string(), name: z.string(), preset: z.string(), resolution: z.number().int(), mode: CondMode }),
  /** the image's place in its batch: image i is slice i of the seed's noise stream */
  index: z.number().int().min(0).optional(),
});
export type GenerationParameters = z.infer<typeof GenerationParameters>;

export const GenerationState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);

export const Generation = z.object({
  id: z.number().int(),
  modelId: DiffusionModelId.nullable(),
  state: GenerationState,
  jobId: z.number().int().nullable(),
  parameters: GenerationParameters,
  /** whether the seed was drawn at random (it is recorded either way) */
  randomSeed: z.boolean(),
  /** images written so far, indices 0 … images − 1 */
  images: z.number().int(),
  /** the step of the latest predicted-x0 preview, null before the first */
  previewStep: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});
export type Generation = z.infer<typeof Generation>;

/** A file of a generation the transports serve: an image index, or the live preview. */
export const GenerationFile = z.union([z.number().int().min(0), z.literal('preview')]);
export type GenerationFile = z.infer<typeof GenerationFile>;
