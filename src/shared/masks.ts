// Shapes of segment-mask runs (SPEC §4), their segments and per-image legends, as they cross process boundaries.
import { z } from 'zod';
import { LabelRunState } from './boxes.ts';
import { ModelId } from './models.ts';

export const MaskParameters = z.object({
  seed: z.number().int().min(0),
  restarts: z.number().int().min(1).max(100),
  iterations: z.number().int().min(1).max(1000),
  /** At most this many patch tokens (a seeded sample of whole images) fit the segments; all images get maps. */
  maxTokens: z.number().int().min(1),
});
export type MaskParameters = z.infer<typeof MaskParameters>;

export const MaskRun = z.object({
  id: z.number().int(),
  modelId: ModelId,
  /** Number of segments (K). */
  k: z.number().int(),
  parameters: MaskParameters,
  state: LabelRunState,
  jobId: z.number().int().nullable(),
  /** Images with a stored segment map. */
  images: z.number().int(),
  /** K × D float32 segment centroids (unit-norm space), relative to the project root; null until fitted. */
  centroidFile: z.string().nullable(),
  /** Segments a person renamed. */
  renamed: z.number().int(),
  createdAt: z.string(),
});
export type MaskRun = z.infer<typeof MaskRun>;

/** '#rrggbb': the segment's fixed palette colour, the same in every image. */
const Colour = z.string().regex(/^#[0-9a-f]{6}$/);

export const SegmentInfo = z.object({
  id: z.number().int(),
  /** "segment N" unless a person renamed it. */
  name: z.string(),
  renamed: z.boolean(),
  colour: Colour,
  /** Images whose map contains the segment, and its pixels over all maps. */
  images: z.number().int(),
  pixels: z.number().int(),
});
export type SegmentInfo = z.infer<typeof SegmentInfo>;

export const MaskSummary = z.object({ run: MaskRun, segments: z.array(SegmentInfo) });
export type MaskSummary = z.infer<typeof MaskSummary>;

export const LegendEntry = z.object({
  segment: z.number().int(),
  name: z.string(),
  colour: Colour,
  pixels: z.number().int(),
  /** pixels / (width × height) */
  fraction: z.number(),
});
export type LegendEntry = z.infer<typeof LegendEntry>;

export const ImageMask = z.object({
  runId: z.number().int(),
  imageId: z.number().int(),
  relPath: z.string(),
  /** Size of the map = size of the image as displayed. */
  width: z.number().int(),
  height: z.number().int(),
  /** Segments present in the image, largest first. */
  legend: z.array(LegendEntry),
});
export type ImageMask = z.infer<typeof ImageMask>;

export const MaskMember = z.object({ imageId: z.number().int(), relPath: z.string(), pixels: z.number().int(), fraction: z.number() });
export type MaskMember = z.infer<typeof MaskMember>;
