// Shapes of LOST box runs, their boxes and people's decisions about them, as they cross process boundaries.
import { z } from 'zod';
import { ModelId } from './models.ts';

export const LabelRunState = z.enum(['pending', 'done', 'failed']);

/** [x0, y0, x1, y1] in pixels of the original image (as displayed, EXIF orientation applied); x1, y1 exclusive. */
export const PixelBox = z
  .tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(1), z.number().int().min(1)])
  .refine(([x0, y0, x1, y1]) => x0 < x1 && y0 < y1, 'a box needs x0 < x1 and y0 < y1');
export type PixelBox = z.infer<typeof PixelBox>;

export const BoxRun = z.object({
  id: z.number().int(),
  modelId: ModelId,
  /** The clustering run whose centroids give each box its cluster (same model); null: boxes have no cluster. */
  clusterRunId: z.number().int().nullable(),
  /** LOST input size: the longer side is scaled down to at most maxSide, or up to minSide when smaller. */
  maxSide: z.number().int(),
  minSide: z.number().int(),
  state: LabelRunState,
  jobId: z.number().int().nullable(),
  /** Images with a box, images that failed (unreadable), and images with a person's decision. */
  boxes: z.number().int(),
  failed: z.number().int(),
  decisions: z.number().int(),
  createdAt: z.string(),
});
export type BoxRun = z.infer<typeof BoxRun>;

/** What LOST found for an image. */
export const ComputedBox = z.object({
  box: PixelBox,
  /** Seed patch, row-major index in the padded patch grid. */
  seed: z.number().int(),
  /** 1 − degree(seed) / (N − 1): the share of other patches not positively correlated with the seed (higher: more distinct). */
  score: z.number(),
  /** Nearest centroid of the run's clustering run for the box crop's cls feature; null without a clustering run. */
  cluster: z.number().int().nullable(),
  /** Squared distance of the normalized crop feature to that centroid (0 … 4). */
  distance: z.number().nullable(),
});
export type ComputedBox = z.infer<typeof ComputedBox>;

export const BoxStatus = z.enum(['accepted', 'rejected']);

/** A person's decision, stored apart from the computed box; each field null when not decided. */
export const BoxDecision = z.object({
  status: BoxStatus.nullable(),
  /** Edited coordinates (replace the computed box). */
  box: PixelBox.nullable(),
  /** Reassigned cluster. */
  cluster: z.number().int().nullable(),
  decidedAt: z.string(),
});
export type BoxDecision = z.infer<typeof BoxDecision>;

export const ImageBox = z.object({
  runId: z.number().int(),
  imageId: z.number().int(),
  relPath: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** Null when the image failed (see error) or is not computed yet. */
  computed: ComputedBox.nullable(),
  error: z.string().nullable(),
  decision: BoxDecision.nullable(),
  /** What exports use: the decision where there is one, else the computed box. */
  effective: z.object({
    box: PixelBox.nullable(),
    cluster: z.number().int().nullable(),
    status: z.enum(['pending', 'accepted', 'rejected']),
  }),
});
export type ImageBox = z.infer<typeof ImageBox>;

export const BoxFilter = z.enum(['all', 'pending', 'accepted', 'rejected', 'edited', 'failed']);
export type BoxFilter = z.infer<typeof BoxFilter>;
