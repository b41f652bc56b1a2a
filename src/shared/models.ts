// Shapes of the feature-extractor models and their execution providers, as they cross process boundaries.
import { z } from 'zod';

export const FeatureKind = z.enum(['cls', 'patches', 'keys']);
export type FeatureKind = z.infer<typeof FeatureKind>;

/**
 * How an image becomes the model's input pixels. 'exact': full decode, then Pillow's bilinear resize (the
 * reference pipeline, byte for byte). 'fast': JPEGs decoded at 1/2–1/8 scale inside the DCT (shrink-on-load)
 * and resized by libvips' linear kernel — within a few levels of the exact pixels, many times faster on large
 * photos, but not the reference (src/core/features/preprocess.ts).
 */
export const DecodeMode = z.enum(['exact', 'fast']);
export type DecodeMode = z.infer<typeof DecodeMode>;

/** Registry ids double as file names (features/<id>.cls.f16), so they are kept file-name safe. */
export const ModelId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a model id is 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const Triple = z.tuple([z.number(), z.number(), z.number()]);

/** SPEC §1 image-level preprocessing: RGB, bilinear resize to width×height, ×scale, (x − mean) / std. */
export const Preprocessing = z.object({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  scale: z.number().positive(),
  mean: Triple,
  std: Triple,
});
export type Preprocessing = z.infer<typeof Preprocessing>;

/** What the registry knows about a model besides its file; stored as JSON in the models table. */
export const ModelMetadata = z.object({
  arch: z.string().nullable(),
  patchSize: z.number().int().positive(),
  embedDim: z.number().int().positive(),
  /** Per-image output shapes at the preprocessing size: cls [D], patches [N, D], keys [N, Dk]. */
  outputs: z.object({ cls: z.array(z.number().int()), patches: z.array(z.number().int()), keys: z.array(z.number().int()) }),
  preprocessing: Preprocessing,
  source: z.string(),
  license: z.string().nullable(),
});
export type ModelMetadata = z.infer<typeof ModelMetadata>;

export const ModelInfo = ModelMetadata.extend({
  id: ModelId,
  sha256: z.string(),
  bytes: z.number().int(),
  addedAt: z.string(),
  active: z.boolean(),
  /** Images whose `cls` features for this model are on disk. */
  featureCount: z.number().int(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** A pinned download: the file at `url` must have exactly these bytes and this sha256. */
export const ManifestEntry = z.object({
  id: ModelId,
  url: z.string().url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  description: z.string().default(''),
  license: z.string().nullable().default(null),
  /** The trainer's sidecar (model.json) for the file, when the manifest carries it. */
  sidecar: z.unknown().optional(),
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const AvailableModel = ManifestEntry.pick({ id: true, url: true, bytes: true, description: true, license: true }).extend({
  registered: z.boolean(),
});
export type AvailableModel = z.infer<typeof AvailableModel>;

export const ProviderProbe = z.object({
  name: z.string(),
  ok: z.boolean(),
  error: z.string().nullable(),
});

/** The execution provider chosen by opening a real session, and every candidate that was tried. */
export const ProviderReport = z.object({
  provider: z.string(),
  tried: z.array(ProviderProbe),
  onnxruntime: z.string(),
});
export type ProviderReport = z.infer<typeof ProviderReport>;
