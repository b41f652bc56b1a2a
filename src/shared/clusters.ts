// Shapes of clustering runs, their clusters and ground-truth labellings, as they cross process boundaries.
import { z } from 'zod';
import { ModelId } from './models.ts';

export const ClusterRunState = z.enum(['pending', 'done', 'failed']);

export const ClusterParameters = z.object({
  seed: z.number().int().min(0),
  restarts: z.number().int().min(1).max(100),
  iterations: z.number().int().min(1).max(1000),
});
export type ClusterParameters = z.infer<typeof ClusterParameters>;

export const ClusterRun = z.object({
  id: z.number().int(),
  modelId: ModelId,
  k: z.number().int(),
  parameters: ClusterParameters,
  state: ClusterRunState,
  /** The job that computes (or last computed) the run. */
  jobId: z.number().int().nullable(),
  /** Images clustered; null until the run is done. */
  images: z.number().int().nullable(),
  inertia: z.number().nullable(),
  method: z.enum(['lloyd', 'mini-batch']).nullable(),
  /** k × D float32 centroids (unit-norm space), relative to the project root. */
  centroidFile: z.string().nullable(),
  createdAt: z.string(),
});
export type ClusterRun = z.infer<typeof ClusterRun>;

export const ClusterInfo = z.object({
  id: z.number().int(),
  /** "cluster N" unless a person renamed it. */
  name: z.string(),
  renamed: z.boolean(),
  /** Images effectively in the cluster (computed assignment + people's decisions, outliers left out). */
  size: z.number().int(),
  /** Set when a person merged this cluster into another: its images count there. */
  mergedInto: z.number().int().nullable(),
  /** Set for a cluster made by splitting this one (ids from k up). */
  splitFrom: z.number().int().nullable(),
});
export type ClusterInfo = z.infer<typeof ClusterInfo>;

export const ClusterSummary = z.object({
  run: ClusterRun,
  clusters: z.array(ClusterInfo),
  /** Images people marked as outliers: in no cluster. */
  outliers: z.number().int(),
  /** People's decisions on the run (names, merges, splits, moved images, outliers); a recompute keeps them. */
  decisions: z.number().int(),
});
export type ClusterSummary = z.infer<typeof ClusterSummary>;

export const ClusterMember = z.object({
  imageId: z.number().int(),
  relPath: z.string(),
  /** Squared Euclidean distance to the centroid, both unit-normalized (0 … 4). */
  distance: z.number(),
  /** The effective cluster; null for an outlier. */
  cluster: z.number().int().nullable(),
  /** Whether a person's decision (move, split, merge, outlier) placed the image. */
  decided: z.boolean(),
});
export type ClusterMember = z.infer<typeof ClusterMember>;

export const MapMethod = z.enum(['umap', 'pca']);
export type MapMethod = z.infer<typeof MapMethod>;

/** A run's images laid out in 2-D (positions scaled into [0, 1]), with their effective clusters (−1: outlier). */
export const ClusterMap = z.object({
  runId: z.number().int(),
  modelId: ModelId,
  method: MapMethod,
  imageIds: z.array(z.number().int()),
  x: z.array(z.number()),
  y: z.array(z.number()),
  clusters: z.array(z.number().int()),
  /** Images of the run the cached layout lacks (features added since): compute the map again to place them. */
  missing: z.number().int(),
});
export type ClusterMap = z.infer<typeof ClusterMap>;

export const Labelling = z.object({
  id: z.number().int(),
  name: z.string(),
  source: z.string(),
  images: z.number().int(),
  labels: z.number().int(),
});
export type Labelling = z.infer<typeof Labelling>;

export const UnmatchedRow = z.object({ line: z.number().int(), file: z.string(), reason: z.string() });
export type UnmatchedRow = z.infer<typeof UnmatchedRow>;

export const LabelImport = z.object({
  labelling: Labelling,
  matched: z.number().int(),
  unmatchedCount: z.number().int(),
  /** The first unmatched rows (at most 100), for the report. */
  unmatched: z.array(UnmatchedRow),
});
export type LabelImport = z.infer<typeof LabelImport>;

export const ClusterScores = z.object({
  runId: z.number().int(),
  labellingId: z.number().int(),
  /** Images both the run and the labelling cover: the scores are over these. */
  images: z.number().int(),
  nmi: z.number(),
  ami: z.number(),
  ari: z.number(),
  purity: z.number(),
  clusters: z.array(z.object({ id: z.number().int(), size: z.number().int(), majorityLabel: z.string().nullable(), majorityCount: z.number().int() })),
});
export type ClusterScores = z.infer<typeof ClusterScores>;
