// The one API contract between the renderer and the back end. Both transports (Electron IPC and
// HTTP + WebSocket) dispatch through this table and validate every input and output with it.
import { z } from 'zod';
import { ClusterInfo, ClusterMap, ClusterMember, ClusterRun, ClusterScores, ClusterSummary, LabelImport, Labelling, MapMethod } from './clusters.ts';
import { BoxFilter, BoxRun, BoxStatus, ImageBox, PixelBox } from './boxes.ts';
import { ExportFormat, ExportFormatInfo, ExportRecord } from './exports.ts';
import { ImageMask, MaskMember, MaskRun, MaskSummary, SegmentInfo } from './masks.ts';
import { DiffusionModelId, DiffusionModelInfo, Generation, GenerationParameters, MaskSource, SampleCondition, SampleSettings } from './generations.ts';
import { AvailableModel, DecodeMode, ModelId, ModelInfo, ProviderReport } from './models.ts';
import { Folder, ImageDetail, ImageSummary, Job, LibraryCounts, LibraryFilterStatus, ProjectInfo } from './schemas.ts';
import { GuidanceLevel, PythonEnvironment, TrainParameters, TrainPreset, TrainRun, TrainRunDetail } from './train.ts';
import { Evaluation, EvaluationParameters } from './evaluations.ts';

const Id = z.object({ id: z.number().int().positive() });
const Nothing = z.object({}).strict();
const RunId = z.object({ runId: z.number().int().positive() });

export const LibraryQuery = z.object({
  status: LibraryFilterStatus.default('all'),
  folderId: z.number().int().positive().nullable().default(null),
});
export type LibraryQuery = z.infer<typeof LibraryQuery>;

export const api = {
  'project.info': { input: Nothing, output: ProjectInfo },
  'folders.list': { input: Nothing, output: z.array(Folder) },
  /** Registers a folder and starts scanning it; returns the scan job. */
  'folders.add': { input: z.object({ path: z.string().min(1) }), output: Job },
  /** Rescans every registered folder (only new or changed files are decoded). */
  'library.rescan': { input: Nothing, output: Job },
  'library.counts': { input: LibraryQuery.pick({ folderId: true }), output: LibraryCounts },
  'images.list': {
    input: LibraryQuery.extend({
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000),
    }),
    output: z.object({ total: z.number().int(), items: z.array(ImageSummary) }),
  },
  'images.get': { input: Id, output: ImageDetail },
  'jobs.list': { input: Nothing, output: z.array(Job) },
  'jobs.cancel': { input: Id, output: Job },
  'jobs.resume': { input: Id, output: Job },
  'models.list': { input: Nothing, output: z.array(ModelInfo) },
  /** Validates a local .onnx (and its sidecar) by opening a session, then registers a copy. */
  'models.import': {
    input: z.object({ path: z.string().min(1), sidecar: z.string().min(1).nullable().default(null), id: ModelId.nullable().default(null) }),
    output: ModelInfo,
  },
  /** Models of the pinned download manifest. */
  'models.available': { input: Nothing, output: z.array(AvailableModel) },
  /** Starts downloading a manifest model (refused in offline mode); returns the job. */
  'models.download': { input: z.object({ id: ModelId }), output: Job },
  'models.setActive': { input: z.object({ id: ModelId }), output: ModelInfo },
  /** The execution provider feature extraction uses, found by running a real session off the UI thread. */
  'models.probe': { input: Nothing, output: ProviderReport },
  /** Starts extracting features of every image lacking them (active model by default); returns the job. */
  'features.start': {
    input: z.object({
      modelId: ModelId.nullable().default(null),
      batchSize: z.number().int().min(1).max(1024).default(16),
      withPatches: z.boolean().default(false),
      withKeys: z.boolean().default(false),
      /** 'fast': JPEG shrink-on-load, many times faster on large photos, not the reference pixels. */
      decode: DecodeMode.default('exact'),
    }),
    output: Job,
  },
  /** Clustering runs of the project, kept side by side, oldest first. */
  'clusters.runs': { input: Nothing, output: z.array(ClusterRun) },
  /** Records a clustering run (k-means on cls features, SPEC §2) and starts its job. */
  'clusters.start': {
    input: z.object({
      modelId: ModelId.nullable().default(null),
      k: z.number().int().min(1).max(100_000),
      seed: z.number().int().min(0).optional(),
      restarts: z.number().int().min(1).max(100).optional(),
      iterations: z.number().int().min(1).max(1000).optional(),
    }),
    output: z.object({ run: ClusterRun, job: Job }),
  },
  'clusters.summary': { input: RunId, output: ClusterSummary },
  /** A page of one cluster's images (clusterId null: the outliers), nearest to the centroid first; people's decisions applied. */
  'clusters.images': {
    input: RunId.extend({ clusterId: z.number().int().min(0).nullable(), offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) }),
    output: z.object({ total: z.number().int(), items: z.array(ClusterMember) }),
  },
  /** A person's name for a cluster; kept when the run is recomputed. */
  'clusters.rename': { input: RunId.extend({ clusterId: z.number().int().min(0), name: z.string().trim().min(1).max(200) }), output: ClusterInfo },
  /** NMI, AMI, ARI and purity of a run against a ground-truth labelling, with per-cluster majority labels. */
  'clusters.score': { input: RunId.extend({ labellingId: z.number().int().positive() }), output: ClusterScores },
  /** Computes a run again (same model, k, parameters). With decisions present it answers conflict unless replace: true; they are kept either way. */
  'clusters.recompute': { input: RunId.extend({ replace: z.boolean().default(false) }), output: z.object({ run: ClusterRun, job: Job }) },
  /** Merges clusters into another: their images count there from now on (a decision, kept on recompute). */
  'clusters.merge': {
    input: RunId.extend({ clusterIds: z.array(z.number().int().min(0)).min(1), into: z.number().int().min(0) }),
    output: ClusterSummary,
  },
  /** Splits a cluster by k-means on its members' features (k = 2 by default): the largest part stays, the others become new clusters. */
  'clusters.split': { input: RunId.extend({ clusterId: z.number().int().min(0), k: z.number().int().min(2).max(50).default(2) }), output: ClusterSummary },
  /** Moves images to a cluster (no longer outliers). */
  'clusters.move': { input: RunId.extend({ imageIds: z.array(z.number().int().positive()).min(1).max(200_000), clusterId: z.number().int().min(0) }), output: ClusterSummary },
  /** Marks images as outliers (in no cluster), or takes the mark back with outlier: false. */
  'clusters.outlier': {
    input: RunId.extend({ imageIds: z.array(z.number().int().positive()).min(1).max(200_000), outlier: z.boolean().default(true) }),
    output: ClusterSummary,
  },
  /** The listed images of a run with their effective clusters, in the order given (e.g. a map selection). */
  'clusters.members': { input: RunId.extend({ imageIds: z.array(z.number().int().positive()).max(1000) }), output: z.array(ClusterMember) },
  /** The run's images on the cached 2-D map of its model's features (method null: UMAP up to 20,000 images, else PCA); null until computed. */
  'clusters.map': { input: RunId.extend({ method: MapMethod.nullable().default(null) }), output: ClusterMap.nullable() },
  /** Starts the job that computes (or recomputes) the map for the run's model. */
  'clusters.computeMap': { input: RunId.extend({ method: MapMethod.nullable().default(null) }), output: Job },
  'labels.list': { input: Nothing, output: z.array(Labelling) },
  /** Imports ground truth from a CSV (file,label or path,label) or from the images' folder names. */
  'labels.import': {
    input: z
      .object({ csvPath: z.string().min(1).nullable().default(null), fromFolders: z.boolean().default(false), name: z.string().min(1).nullable().default(null) })
      .refine((input) => (input.csvPath !== null) !== input.fromFolders, 'give either csvPath or fromFolders: true'),
    output: LabelImport,
  },
  /** LOST box runs (SPEC §3), oldest first. */
  'boxes.runs': { input: Nothing, output: z.array(BoxRun) },
  /**
   * Records a box run and starts its job: one LOST box per ok image, on the image resized so its longer side is
   * at most maxSide (or at least minSide), each box given the nearest centroid of clusterRunId (model defaults to
   * that run's model, else the active one). Defaults: maxSide the project setting lostMaxSide (1024), minSide the
   * model's input size (224 for DINO ViT-S/16).
   */
  'boxes.start': {
    input: z.object({
      modelId: ModelId.nullable().default(null),
      clusterRunId: z.number().int().positive().nullable().default(null),
      maxSide: z.number().int().min(16).max(16_384).optional(),
      minSide: z.number().int().min(16).max(16_384).optional(),
    }),
    output: z.object({ run: BoxRun, job: Job }),
  },
  /** Recomputes a run's boxes. Decisions are always kept; with decisions present it answers conflict unless replace: true. */
  'boxes.recompute': { input: RunId.extend({ replace: z.boolean().default(false) }), output: z.object({ run: BoxRun, job: Job }) },
  /** A page of a run's images with their computed box, decision and effective box, in image id order. */
  'boxes.list': {
    input: RunId.extend({
      filter: BoxFilter.default('all'),
      /** Only boxes whose effective cluster is this one. */
      clusterId: z.number().int().min(0).nullable().default(null),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    output: z.object({ total: z.number().int(), items: z.array(ImageBox) }),
  },
  'boxes.get': { input: RunId.extend({ imageId: z.number().int().positive() }), output: ImageBox },
  /**
   * A person's decision on one image's box. Omitted fields stay as they are, null clears one; clear: true
   * removes the whole decision. box: edited coordinates in original pixels; clusterId: reassigned cluster.
   */
  'boxes.decide': {
    input: RunId.extend({
      imageId: z.number().int().positive(),
      status: BoxStatus.nullable().optional(),
      box: PixelBox.nullable().optional(),
      clusterId: z.number().int().min(0).nullable().optional(),
      clear: z.boolean().default(false),
    }),
    output: ImageBox,
  },
  /** Segment-mask runs (SPEC §4), oldest first. */
  'masks.runs': { input: Nothing, output: z.array(MaskRun) },
  /** Records a mask run (k-means over patch tokens, K segments) and starts its job; needs patch features of the model. */
  'masks.start': {
    input: z.object({
      modelId: ModelId.nullable().default(null),
      k: z.number().int().min(2).max(255).default(27),
      seed: z.number().int().min(0).optional(),
      restarts: z.number().int().min(1).max(100).optional(),
      iterations: z.number().int().min(1).max(1000).optional(),
      maxTokens: z.number().int().min(1).optional(),
    }),
    output: z.object({ run: MaskRun, job: Job }),
  },
  /** Refits the segments and redraws every map. Names are kept; with names present it answers conflict unless replace: true. */
  'masks.recompute': { input: RunId.extend({ replace: z.boolean().default(false) }), output: z.object({ run: MaskRun, job: Job }) },
  /** The run with every segment's name, colour and totals. */
  'masks.summary': { input: RunId, output: MaskSummary },
  /** One image's map: size and legend; its PNG is at client.maskUrl(runId, imageId). */
  'masks.get': { input: RunId.extend({ imageId: z.number().int().positive() }), output: ImageMask },
  /** A page of the run's images, all of them (by id) or those containing a segment (largest share first). */
  'masks.images': {
    input: RunId.extend({
      segment: z.number().int().min(0).nullable().default(null),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    output: z.object({ total: z.number().int(), items: z.array(MaskMember) }),
  },
  /** A person's name for a segment; kept when the run is recomputed. */
  'masks.renameSegment': { input: RunId.extend({ segment: z.number().int().min(0), name: z.string().trim().min(1).max(200) }), output: SegmentInfo },
  /**
   * Starts writing the self-labels into outDir (absolute; outside the project, or under its exports/ folder) as the
   * format; returns the export's record and job. A run id, or null for none; with no run named at all, the newest
   * done run of each kind. copy: ImageFolder copies instead of symbolic links. A non-empty outDir answers conflict
   * unless overwrite: true.
   */
  'export.start': {
    input: z.object({
      format: ExportFormat,
      outDir: z.string().trim().min(1),
      clusterRunId: z.number().int().positive().nullable().optional(),
      boxRunId: z.number().int().positive().nullable().optional(),
      maskRunId: z.number().int().positive().nullable().optional(),
      acceptedOnly: z.boolean().default(false),
      copy: z.boolean().default(false),
      overwrite: z.boolean().default(false),
    }),
    output: z.object({ export: ExportRecord, job: Job }),
  },
  /** What each format writes and holds, which runs it reads and needs, and a folder to suggest for exports. */
  'export.formats': { input: Nothing, output: z.object({ formats: z.array(ExportFormatInfo), suggestedFolder: z.string() }) },
  /** The project's exports, newest first, with their folders and counts. */
  'export.list': { input: z.object({ limit: z.number().int().min(1).max(1000).default(50) }), output: z.array(ExportRecord) },
  'export.get': { input: Id, output: ExportRecord },
  /** Diffusion models registered in the project (model.onnx + model.json from the trainer's export). */
  'diffusionModels.list': { input: Nothing, output: z.array(DiffusionModelInfo) },
  /** Validates a model folder by opening a session, then registers a copy; clusterRunId links the clusters it was trained on. */
  'diffusionModels.import': {
    input: z.object({
      path: z.string().min(1),
      name: z.string().trim().min(1).max(200).nullable().default(null),
      clusterRunId: z.number().int().positive().nullable().default(null),
    }),
    output: DiffusionModelInfo,
  },
  /** Unregisters a model and deletes its copy; its generations stay in the history. */
  'diffusionModels.remove': { input: z.object({ id: DiffusionModelId }), output: DiffusionModelInfo },
  /** Records a generation (seed drawn here when null) and starts its sample job. */
  'generate.start': {
    input: SampleSettings.extend({ modelId: DiffusionModelId, condition: SampleCondition.optional(), maskOf: MaskSource.optional() }).refine(
      (input) => (input.condition === undefined) !== (input.maskOf === undefined),
      'give either condition or maskOf (the segment map of an image in a mask run)',
    ),
    output: z.object({ generation: Generation, job: Job }),
  },
  /** The parameters embedded in a generated PNG: a file on this machine, the chunk text the renderer read from a picked file, or a generation's image. */
  'generate.paramsFromPng': {
    input: z
      .object({
        path: z.string().min(1).optional(),
        text: z.string().min(1).max(100_000).optional(),
        generationId: z.number().int().positive().optional(),
        index: z.number().int().min(0).default(0),
      })
      .refine((input) => [input.path, input.text, input.generationId].filter((v) => v !== undefined).length === 1, 'give exactly one of path, text or generationId'),
    output: GenerationParameters,
  },
  /** The history of generations, newest first. */
  'generations.list': { input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }), output: z.array(Generation) },
  'generations.get': { input: Id, output: Generation },
  /** Deletes a finished, failed or cancelled generation and its PNGs; a queued or running one must be cancelled first. */
  'generations.remove': { input: Id, output: Generation },
  /** The Python that runs the trainer, probed (versions, torch, GPUs, trainer import); cached unless refresh. */
  'train.environment': { input: z.object({ refresh: z.boolean().default(false) }), output: PythonEnvironment },
  /** Sets the project's Python for the trainer (null: $SELFGUIDE_PYTHON, the .venv, python3) and probes it. */
  'train.setPython': { input: z.object({ path: z.string().trim().min(1).nullable() }), output: PythonEnvironment },
  /**
   * Records a training run and starts its job. The source of the level defaults to the newest usable one:
   * label → labellingId, cluster → clusterRunId, box → boxRunId, mask → maskRunId.
   */
  'train.start': {
    input: TrainParameters.partial().extend({
      level: GuidanceLevel,
      clusterRunId: z.number().int().positive().nullable().default(null),
      labellingId: z.number().int().positive().nullable().default(null),
      boxRunId: z.number().int().positive().nullable().default(null),
      maskRunId: z.number().int().positive().nullable().default(null),
      preset: TrainPreset.default('tiny'),
    }),
    output: z.object({ run: TrainRun, job: Job }),
  },
  /** Training runs, newest first. */
  'train.runs': { input: Nothing, output: z.array(TrainRun) },
  /** A run with its loss curve (at most maxPoints points), newest preview grids and log tail. */
  'train.get': {
    input: RunId.extend({ maxPoints: z.number().int().min(2).max(100_000).default(2000), logLines: z.number().int().min(0).max(1000).default(40) }),
    output: TrainRunDetail,
  },
  /** Stops a run: the trainer writes a checkpoint at the current step; resume continues from there. */
  'train.cancel': { input: RunId, output: TrainRun },
  /** Continues a stopped run from its checkpoint; with a larger steps, a finished run trains longer. */
  'train.resume': { input: RunId.extend({ steps: z.number().int().min(1).max(10_000_000).optional() }), output: z.object({ run: TrainRun, job: Job }) },
  /** Evaluates a run's latest checkpoint in the project encoder's features (FD_enc, KID, PRDC, consistency); unset parameters take the defaults. */
  'evaluate.start': { input: EvaluationParameters.partial().extend({ runId: z.number().int().positive() }), output: z.object({ evaluation: Evaluation, job: Job }) },
  /** A run's evaluations, newest first. */
  'evaluate.list': { input: RunId, output: z.array(Evaluation) },
  'evaluate.get': { input: Id, output: Evaluation },
} as const;

export type Api = typeof api;
export type Method = keyof Api;
export type Input<M extends Method> = z.input<Api[M]['input']>;
export type Output<M extends Method> = z.infer<Api[M]['output']>;

export const ApiEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job'), job: Job }),
  /** The set of images changed (a scan committed a batch): views should refetch. */
  z.object({ type: z.literal('library.changed') }),
]);
export type ApiEvent = z.infer<typeof ApiEvent>;

/** Error shape both transports return; `code` lets the UI react without parsing text. */
export const ApiError = z.object({
  code: z.enum(['bad_request', 'not_found', 'conflict', 'internal']),
  message: z.string(),
});
export type ApiError = z.infer<typeof ApiError>;

/** Client-side view of the API, implemented by the IPC bridge and by the HTTP client. */
export interface SelfguideClient {
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** URL under which the renderer may load an image asset (thumbnail or preview) of a registered image. */
  assetUrl(kind: AssetKind, imageId: number): string;
  /** URL of a generation's image (index) or live predicted-x0 preview ('preview'). */
  generationUrl(generationId: number, file: number | 'preview'): string;
  /** URL of an image's segment map (palette PNG) in a mask run. */
  maskUrl(runId: number, imageId: number): string;
  /** URL of a training run's preview grid (TrainPreview.file). */
  trainPreviewUrl(runId: number, file: string): string;
  /** URL of an evaluation's sample grid (EvaluationCondition.grid). */
  evaluationGridUrl(evaluationId: number, grid: string): string;
}

export const AssetKind = z.enum(['thumb', 'preview']);
export type AssetKind = z.infer<typeof AssetKind>;
