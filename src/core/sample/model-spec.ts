// model.json, the contract the trainer's `export` writes beside model.onnx (trainer/docs/training.md).
// Only the fields the sampler relies on are checked; the rest (unet, export_check, …) passes through.
import { z } from 'zod';

export const GuidanceForm = z.enum(['imagen', 'ho-salimans']);
export type GuidanceForm = z.infer<typeof GuidanceForm>;

const positiveInt = z.number().int().positive();
const count = z.number().int().nonnegative();

export const DiffusionModelSpec = z.object({
  format: z.literal('selfguide-diffusion'),
  version: z.literal(1),
  preset: z.string(),
  resolution: positiveInt,
  channels: positiveInt,
  prediction: z.literal('eps'),
  schedule: z.object({
    type: z.literal('ddpm'),
    num_timesteps: positiveInt,
    beta_schedule: z.literal('linear'),
    beta_start: z.number().positive(),
    beta_end: z.number().positive(),
  }),
  conditioning: z.object({
    mode: z.enum(['none', 'label', 'cluster', 'box', 'mask']),
    vector_dim: count,
    layout_channels: count,
    names: z.array(z.string()).nullable().optional(),
  }),
  guidance: z.object({ default_w: z.number() }),
  sampler: z.object({ default_steps: positiveInt }),
  onnx: z.object({ file: z.string().min(1) }),
});
export type DiffusionModelSpec = z.infer<typeof DiffusionModelSpec>;

export class DiffusionModelError extends Error {
  override name = 'DiffusionModelError';
}

/** Parses model.json text; says which file and which fields are wrong. */
export function parseModelSpec(text: string, file: string): DiffusionModelSpec {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DiffusionModelError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = DiffusionModelSpec.safeParse(json);
  if (!parsed.success) {
    throw new DiffusionModelError(
      `${file} is not a selfguide diffusion model description (written by \`python -m selfguide_trainer export\`):\n` +
        z.prettifyError(parsed.error),
    );
  }
  return parsed.data;
}
