// Data shapes that cross a process boundary, defined once with runtime validation (zod).
import { z } from 'zod';

export const ImageStatus = z.enum(['ok', 'broken', 'missing']);
export type ImageStatus = z.infer<typeof ImageStatus>;

/** What the library can be filtered by; `duplicate` means "in a group of identical files". */
export const LibraryFilterStatus = z.enum(['all', 'ok', 'broken', 'duplicate', 'missing']);
export type LibraryFilterStatus = z.infer<typeof LibraryFilterStatus>;

export const ImageSummary = z.object({
  id: z.number().int(),
  folderId: z.number().int(),
  relPath: z.string(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  format: z.string().nullable(),
  status: ImageStatus,
  error: z.string().nullable(),
  /** Number of ok images sharing this file's sha256 (1 = unique). */
  duplicateCount: z.number().int(),
});
export type ImageSummary = z.infer<typeof ImageSummary>;

export const ImageDetail = ImageSummary.extend({
  path: z.string(),
  bytes: z.number().int(),
  mtimeMs: z.number(),
  sha256: z.string().nullable(),
  orientation: z.number().int().nullable(),
  scannedAt: z.string(),
  duplicates: z.array(z.object({ id: z.number().int(), path: z.string() })),
});
export type ImageDetail = z.infer<typeof ImageDetail>;

export const Folder = z.object({
  id: z.number().int(),
  path: z.string(),
  imageCount: z.number().int(),
});
export type Folder = z.infer<typeof Folder>;

export const LibraryCounts = z.object({
  all: z.number().int(),
  ok: z.number().int(),
  broken: z.number().int(),
  duplicate: z.number().int(),
  missing: z.number().int(),
});
export type LibraryCounts = z.infer<typeof LibraryCounts>;

export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobState = z.infer<typeof JobState>;

export const Job = z.object({
  id: z.number().int(),
  kind: z.string(),
  state: JobState,
  phase: z.string(),
  done: z.number().int(),
  total: z.number().int().nullable(),
  /** Items per second over the recent past, null before the first measurement. */
  rate: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  failedItems: z.number().int(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Job = z.infer<typeof Job>;

export const ProjectInfo = z.object({
  path: z.string(),
  name: z.string(),
  schemaVersion: z.number().int(),
  counts: LibraryCounts,
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;
