// Reads the trainer's sidecar (model.json, schema_version 1; trainer/docs/encoders.md) into the
// registry's terms. Only the fields the app relies on are checked; the rest is kept as provenance.
import { z } from 'zod';
import { Preprocessing } from '../../shared/models.ts';
import { ModelError } from './onnx-session.ts';

const Sidecar = z.object({
  schema_version: z.literal(1),
  id: z.string().optional(),
  arch: z.string().optional(),
  patch_size: z.number().int().positive(),
  input_size: z.number().int().positive().optional(),
  embed_dim: z.number().int().positive(),
  preprocessing: z
    .object({
      resize: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).optional(),
      scale: z.number().positive().optional(),
      mean: z.tuple([z.number(), z.number(), z.number()]).optional(),
      std: z.tuple([z.number(), z.number(), z.number()]).optional(),
    })
    .optional(),
  sha256: z.string().optional(),
  source: z.unknown().optional(),
  license: z.string().optional(),
});

export interface SidecarFacts {
  id: string | null;
  arch: string | null;
  patchSize: number;
  embedDim: number;
  preprocessing: Preprocessing;
  sha256: string | null;
  source: string | null;
  license: string | null;
}

/** SPEC §1 defaults: 224×224, [0, 1], ImageNet mean and std. */
export const DEFAULT_PREPROCESSING: Preprocessing = {
  width: 224,
  height: 224,
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** A model error like any other (a bad request to the API, not an internal one). */
export class SidecarError extends ModelError {
  override name = 'SidecarError';
}

/** What is wrong with a sidecar, in one line: "patch_size: expected number, received undefined; …". */
function problems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'the file'}: ${issue.message}`).join('; ');
}

export function parseSidecar(json: unknown, where: string): SidecarFacts {
  const parsed = Sidecar.safeParse(json);
  if (!parsed.success) {
    // The trainer's diffusion export writes a model.json too; it belongs to sampling, not to the features.
    const diffusion = typeof json === 'object' && json !== null && (json as { format?: unknown }).format === 'selfguide-diffusion';
    if (diffusion) throw new SidecarError(`${where} describes a diffusion model, not a feature extractor: import its folder for sampling instead (the Generate view, or selfguide sample --model DIR).`);
    throw new SidecarError(`${where} is not a selfguide model sidecar (schema_version 1): ${problems(parsed.error)}`);
  }
  const sidecar = parsed.data;
  const pre = sidecar.preprocessing;
  const size = sidecar.input_size ?? DEFAULT_PREPROCESSING.width;
  return {
    id: sidecar.id ?? null,
    arch: sidecar.arch ?? null,
    patchSize: sidecar.patch_size,
    embedDim: sidecar.embed_dim,
    preprocessing: {
      width: pre?.resize?.width ?? size,
      height: pre?.resize?.height ?? size,
      scale: pre?.scale ?? DEFAULT_PREPROCESSING.scale,
      mean: pre?.mean ?? DEFAULT_PREPROCESSING.mean,
      std: pre?.std ?? DEFAULT_PREPROCESSING.std,
    },
    sha256: sidecar.sha256 ?? null,
    source: sidecar.source === undefined ? null : JSON.stringify(sidecar.source),
    license: sidecar.license ?? null,
  };
}
