// Shapes of label exports (docs/export.md) as they cross process boundaries: the formats, what each
// holds and needs, and the record of an export the project keeps.
import { z } from 'zod';
import { JobState } from './schemas.ts';

export const EXPORT_FORMATS = ['coco', 'yolo', 'voc', 'imagefolder', 'csv'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** A kind of label run an export reads. */
export const ExportSource = z.enum(['cluster', 'box', 'mask']);
export type ExportSource = z.infer<typeof ExportSource>;

export const ExportFormatInfo = z.object({
  format: ExportFormat,
  title: z.string(),
  /** The files it writes. */
  files: z.string(),
  /** What of the labels it holds. */
  includes: z.string(),
  /** The run kinds it reads at all, and the one it cannot do without (null: any one of `uses`). */
  uses: z.array(ExportSource),
  requires: ExportSource.nullable(),
});
export type ExportFormatInfo = z.infer<typeof ExportFormatInfo>;

export const ExportRuns = z.object({
  clusterRunId: z.number().int().nullable(),
  boxRunId: z.number().int().nullable(),
  maskRunId: z.number().int().nullable(),
});
export type ExportRuns = z.infer<typeof ExportRuns>;

/** One export the project made (or is making): where to, from which runs, and what it wrote. */
export const ExportRecord = z.object({
  id: z.number().int(),
  format: ExportFormat,
  /** Absolute output folder. */
  outDir: z.string(),
  runs: ExportRuns,
  acceptedOnly: z.boolean(),
  copy: z.boolean(),
  overwrite: z.boolean(),
  jobId: z.number().int().nullable(),
  /** The state of its job. */
  state: JobState,
  /** Counts of what was written; null until done. */
  images: z.number().int().nullable(),
  boxes: z.number().int().nullable(),
  masks: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ExportRecord = z.infer<typeof ExportRecord>;
